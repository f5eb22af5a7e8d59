/**
 * What the pipeline may learn about a denoiser beyond core's `Denoiser` contract: its number of
 * resolution levels, native resolution, input side multiple and the training data's power spectrum.
 * Read by duck typing (`numLevels`, `resolution`, `sideMultiple`, `spectrum`, or the same inside `config`, as
 * `@upshift/models`' UNetDenoiser has them), so plain denoisers need none of it.
 */
import type { Denoiser, PowerSpectrum, Resolution } from '@upshift/core';

/** Optional facts about a denoiser. */
export interface DenoiserTraits {
  /** Levels the model knows (0 .. numLevels - 1); undefined = any level. */
  readonly numLevels: number | undefined;
  /** Native resolution; undefined = unknown. */
  readonly resolution: Resolution | undefined;
  /** Input sides must be multiples of this; undefined = any size. */
  readonly sideMultiple: number | undefined;
  /** The training data's power spectrum, for spectral policies and detail-prior resizers. */
  readonly spectrum: PowerSpectrum | undefined;
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function asResolution(v: unknown): Resolution | undefined {
  const side = positiveInt(v);
  if (side !== undefined) return { height: side, width: side };
  if (v !== null && typeof v === 'object') {
    const height = positiveInt((v as Record<string, unknown>)['height']);
    const width = positiveInt((v as Record<string, unknown>)['width']);
    if (height !== undefined && width !== undefined) return { height, width };
  }
  return undefined;
}

function asSpectrum(v: unknown): PowerSpectrum | undefined {
  return v !== null && typeof v === 'object' && Array.isArray((v as Record<string, unknown>)['levels']) ? (v as PowerSpectrum) : undefined;
}

/** Reads {@link DenoiserTraits} from `denoiser` (or its `config`). */
export function denoiserTraits(denoiser: Denoiser): DenoiserTraits {
  const d = denoiser as unknown as Record<string, unknown>;
  const config = (d['config'] !== null && typeof d['config'] === 'object' ? d['config'] : {}) as Record<string, unknown>;
  const architecture = (config['architecture'] !== null && typeof config['architecture'] === 'object' ? config['architecture'] : {}) as Record<string, unknown>;
  return {
    numLevels: positiveInt(d['numLevels']) ?? positiveInt(config['numLevels']) ?? positiveInt(architecture['numLevels']),
    resolution: asResolution(d['resolution']) ?? asResolution(config['resolution']),
    sideMultiple: positiveInt(d['sideMultiple']),
    spectrum: asSpectrum(d['spectrum']) ?? asSpectrum(config['spectrum']),
  };
}
