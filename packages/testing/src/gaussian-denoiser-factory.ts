/**
 * The analytic Gaussian denoiser as a `DenoiserFactory` named "gaussian", so a pipeline (or the
 * CLI) can run end to end without a model: register it with
 * `container.register(DenoiserFactory, { useValue: gaussianDenoiserFactory })` and set
 * `model: "gaussian"`.
 */
import { ConfigError, sha256Fingerprint } from '@upshift/core';
import type { DenoiserDescription, ModelFactory } from '@upshift/core';
import { createGaussianDenoiser } from './gaussian-denoiser.js';
import type { GaussianDenoiser } from './gaussian-denoiser.js';

/** Options of the "gaussian" factory (`modelOptions` in a pipeline config). */
export interface GaussianDenoiserFactoryOptions {
  /** Data mean per pixel (default 0). */
  readonly mean: number;
  /** Data standard deviation per pixel, > 0 (default 0.5: images in [-1, 1]). */
  readonly std: number;
  /** Image channels (default 3). */
  readonly channels: number;
  /** Levels the denoiser claims to know (sets `numLevels`; default: any level). */
  readonly numLevels?: number;
  /** Native side length (sets `resolution`; default: none, the pipeline uses 64). */
  readonly resolution?: number;
}

/** Defaults of {@link GaussianDenoiserFactoryOptions}. */
export const GAUSSIAN_DENOISER_FACTORY_DEFAULTS: GaussianDenoiserFactoryOptions = { mean: 0, std: 0.5, channels: 3 };

/** A Gaussian denoiser made by the factory, with the traits it was given. */
export type FactoryGaussianDenoiser = GaussianDenoiser & { readonly numLevels?: number; readonly resolution?: number };

const KNOWN = ['mean', 'std', 'channels', 'numLevels', 'resolution'];

function readNumber(o: Record<string, unknown>, key: string, fallback: number | undefined, check: (v: number) => boolean, rule: string): number | undefined {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new ConfigError(`modelOptions.${key}`, v, rule);
  return v;
}

/** Validates untrusted factory options; errors name `modelOptions.<field>`. */
export function resolveGaussianDenoiserFactoryOptions(options: unknown): GaussianDenoiserFactoryOptions {
  if (options === undefined || options === null) return GAUSSIAN_DENOISER_FACTORY_DEFAULTS;
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('modelOptions', options, 'must be an object');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KNOWN.includes(key)) throw new ConfigError(`modelOptions.${key}`, o[key], `unknown option (known: ${KNOWN.join(', ')})`);
  const d = GAUSSIAN_DENOISER_FACTORY_DEFAULTS;
  const int = (v: number) => Number.isInteger(v) && v >= 1;
  const numLevels = readNumber(o, 'numLevels', undefined, int, 'must be an integer >= 1');
  const resolution = readNumber(o, 'resolution', undefined, int, 'must be an integer >= 1');
  return {
    mean: readNumber(o, 'mean', d.mean, () => true, 'must be a finite number')!,
    std: readNumber(o, 'std', d.std, (v) => v > 0, 'must be a finite number > 0')!,
    channels: readNumber(o, 'channels', d.channels, int, 'must be an integer >= 1')!,
    ...(numLevels === undefined ? {} : { numLevels }),
    ...(resolution === undefined ? {} : { resolution }),
  };
}

/** Creates the denoiser the factory makes (i.i.d. Gaussian pixels seen through box pooling). */
export function createFactoryGaussianDenoiser(options: GaussianDenoiserFactoryOptions = GAUSSIAN_DENOISER_FACTORY_DEFAULTS): FactoryGaussianDenoiser {
  const d = createGaussianDenoiser({ mean: options.mean, std: options.std, channels: options.channels, name: 'gaussian' });
  // What it computes is fixed by its options: they are its "weights" (for run checkpoints).
  const identity = JSON.stringify([options.mean, options.std, options.channels, options.numLevels ?? null, options.resolution ?? null]);
  return Object.assign(d, {
    fingerprint: () => sha256Fingerprint(['gaussian', identity]),
    ...(options.numLevels === undefined ? {} : { numLevels: options.numLevels }),
    ...(options.resolution === undefined ? {} : { resolution: options.resolution }),
  });
}

/**
 * Factory "gaussian": options `{ mean?, std?, channels?, numLevels?, resolution? }`. It can
 * describe its model (levels, resolution, FLOP count) without making it, so runs on it can be
 * planned ahead.
 */
export const gaussianDenoiserFactory: ModelFactory = {
  name: 'gaussian',
  description: 'Exact denoiser for i.i.d. Gaussian pixels (analytic test model, no weights).',
  create: (options) => createFactoryGaussianDenoiser(resolveGaussianDenoiserFactoryOptions(options)),
  async describe(options: unknown): Promise<DenoiserDescription> {
    const o = resolveGaussianDenoiserFactoryOptions(options);
    return {
      ...(o.numLevels === undefined ? {} : { numLevels: o.numLevels }),
      ...(o.resolution === undefined ? {} : { resolution: { height: o.resolution, width: o.resolution } }),
      // What the denoiser's own `flops` says (gaussian-denoiser.ts).
      flops: (height, width, batch) => 3 * height * width * batch * o.channels,
    };
  },
};
