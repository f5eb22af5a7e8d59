/**
 * Spectral policy: switch points derived from the data's radially averaged power spectrum.
 * At full-resolution grid sigma s, a frequency f (cycles per full-resolution pixel) is
 * "resolved" when its per-frequency SNR S(f) / s^2 exceeds `threshold`; each step runs at the
 * coarsest level whose Nyquist frequency 0.5 / 2^k still holds every resolved frequency. As the
 * noise falls, higher frequencies resolve and the run upshifts. With the spectrum shipped with
 * the emoji model (f^-3.3) the default threshold 0.01 gives 1/8 side above sigma ~13.9 (when
 * the model allows level 3), 1/4 side above ~6.0 and 1/2 side above ~1.95, the switch points
 * measured as near-lossless (DESIGN.md); on the pipeline's default 30 Karras steps that is
 * levels 3 x9, 2 x3, 1 x4, 0 x14 at FLOP fraction 0.509 (shipped-spectrum.spec.ts).
 */
import { ConfigError } from '@upshift/core';
import type { PluginFactory, PolicyContext, PowerSpectrum, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import {
  checkMaxLevel,
  checkSigmas,
  field,
  optionsRecord,
  readLevel,
  readNumber,
  spectrumFor,
  validateSpectrum,
} from './policy-options.js';
import { highestResolvedFrequency, nyquistAt, spectralBins } from './spectral-model.js';

/** Registered name of the spectral policy. */
export const SPECTRAL_POLICY = 'spectral';

/** Options of the spectral policy. */
export interface SpectralPolicyOptions {
  /** Per-frequency SNR S(f) / sigma^2 above which a frequency must be kept, in (0, 1e3]. */
  readonly threshold: number;
  /** Deepest level to use (default: ctx.maxLevel). */
  readonly maxLevel?: number;
  /** The data spectrum (default: ctx.spectrum, from the model config). */
  readonly spectrum?: PowerSpectrum;
}

/** Defaults: SNR threshold 0.01. */
export const SPECTRAL_POLICY_DEFAULTS: SpectralPolicyOptions = { threshold: 0.01 };

/** Validates untrusted options (JSON). */
export function resolveSpectralPolicyOptions(options: unknown): SpectralPolicyOptions {
  const record = optionsRecord(options, ['threshold', 'maxLevel', 'spectrum']);
  const at = 'policyOptions';
  const threshold = readNumber(record, 'threshold', at, SPECTRAL_POLICY_DEFAULTS.threshold, { min: 0, minExclusive: true, max: 1e3 }) as number;
  const maxLevel = readLevel(record, 'maxLevel', at, undefined, 0);
  const spectrum = record['spectrum'] === undefined ? undefined : validateSpectrum(field('spectrum'), record['spectrum']);
  return { threshold, ...(maxLevel === undefined ? {} : { maxLevel }), ...(spectrum ? { spectrum } : {}) };
}

/** Creates the spectral policy. */
export function createSpectralPolicy(options: SpectralPolicyOptions = SPECTRAL_POLICY_DEFAULTS): UpshiftPolicy {
  if (!(options.threshold > 0) || !Number.isFinite(options.threshold)) {
    throw new ConfigError(field('threshold'), options.threshold, 'must be a finite number > 0');
  }
  return {
    name: SPECTRAL_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      if (options.maxLevel !== undefined) checkMaxLevel(field('maxLevel'), options.maxLevel, ctx);
      const cap = options.maxLevel ?? ctx.maxLevel;
      const bins = spectralBins(spectrumFor(options.spectrum, ctx, SPECTRAL_POLICY));
      return ctx.sigmas.slice(0, -1).map((s) => {
        const fMax = highestResolvedFrequency(bins, s, options.threshold);
        let level = 0;
        while (level < cap && nyquistAt(level + 1) >= fMax) level++;
        return level;
      });
    },
  };
}

/** Factory: options `{ threshold?, maxLevel?, spectrum? }`. */
export const spectralPolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: SPECTRAL_POLICY,
  description: 'Coarsest level whose Nyquist frequency keeps every frequency with S(f)/sigma^2 above a threshold.',
  create(options: unknown): UpshiftPolicy {
    return createSpectralPolicy(resolveSpectralPolicyOptions(options));
  },
};
