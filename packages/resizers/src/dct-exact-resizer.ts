/**
 * Exact spectral resizer on the DCT-II (reflect-symmetric) basis: down keeps the n/2 lowest
 * DCT frequencies per axis, up zero-pads the spectrum and adds `sigma_hi (z - U D z)`, the
 * noise of the frequencies the coarse grid did not hold. Keeps in-band signal exactly; only
 * out-of-band detail is missing after an upshift (each component keeps 1 / (1 + S(f) /
 * sigma_u^2) of its power under a deterministic sampler). The operator matches the training
 * tools' `dct_down` bit for bit in definition, so a model trained on 'dct' data fits it.
 *
 * Nyquist: unlike the DFT, whose frequency n/4 of the coarse grid would be a shared +/- bin that
 * must be split between the two grids to keep `D D^T = I/4`, the DCT-II has no such bin. The
 * coarse grid's n/2 coefficients per axis are exactly the fine grid's 0 .. n/2 - 1 (rescaled by
 * 1/sqrt 2), and fine coefficient n/2 and above go entirely to the re-noised detail, so
 * `d d^T = I/2` per axis holds exactly (dct-matrix.spec.ts: to 1e-12 in float64).
 */
import type { PluginFactory, Resizer } from '@upshift/core';
import { ExactPairResizer } from './exact-pair-resizer.js';
import { DCT_PAIR } from './linear-pair.js';
import { resizerOptionsRecord } from './resizer-options.js';

/** Registered name of the exact DCT resizer. */
export const DCT_EXACT_RESIZER = 'dct-exact';

/** Creates the exact DCT resizer (it has no options). */
export function createDctExactResizer(): Resizer {
  return new ExactPairResizer(DCT_EXACT_RESIZER, DCT_PAIR);
}

/** Factory of the exact DCT resizer; rejects any option. */
export const dctExactResizerFactory: PluginFactory<Resizer> = {
  name: DCT_EXACT_RESIZER,
  description: 'Exact DCT-II low-pass pair: keeps in-band signal, re-noises the out-of-band frequencies.',
  create(options: unknown): Resizer {
    resizerOptionsRecord(options, []);
    return createDctExactResizer();
  },
};
