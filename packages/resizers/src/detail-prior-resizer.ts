/**
 * Detail-prior resizer: the exact DCT pair, plus the out-of-band detail the coarse grid could
 * not hold *sampled from a prior* instead of left as pure noise. After an up step
 *
 *   x_hi = U x_lo + (I - U D) (sigma_hi z + g),   g ~ N(0, C^T diag(S) C)
 *
 * where S is the data's power spectrum at the DCT frequencies of the fine grid. For Gaussian
 * data with that spectrum the out-of-band part of the state then has the variance
 * S(f) + sigma_hi^2 of a true noisy sample at sigma_hi in every band (DESIGN.md: "the missing
 * detail could be sampled from a prior"); the noise part stays exactly i.i.d. The detail is
 * signal, so it is drawn fresh from `ctx.noise` even for a coupled upshift.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { ConfigError, PowerSpectrumToken } from '@upshift/core';
import type { PluginFactory, PowerSpectrum, ResizeContext, Resizer } from '@upshift/core';
import type { DependencyContainer } from 'tsyringe';
import { dctMatrix } from './dct-matrix.js';
import { ExactPairResizer } from './exact-pair-resizer.js';
import { DCT_PAIR } from './linear-pair.js';
import { applySeparable } from './resize-math.js';
import { RESIZER_OPTIONS_FIELD, resizerOptionsRecord, validateSpectrum } from './resizer-options.js';
import { spectrumForSide } from './spectrum-math.js';

/** Registered name of the detail-prior resizer. */
export const DETAIL_PRIOR_RESIZER = 'detail-prior';

/** Options of the detail-prior resizer. */
export interface DetailPriorResizerOptions {
  /** The data's power spectrum; defaults to the one registered under `PowerSpectrumToken`. */
  readonly spectrum?: PowerSpectrum;
  /** Multiplies the prior's power (0 = plain dct-exact, 1 = the data's spectrum). */
  readonly strength: number;
}

/** Defaults of {@link DetailPriorResizerOptions}. */
export const DETAIL_PRIOR_RESIZER_DEFAULTS: DetailPriorResizerOptions = { strength: 1 };

/** The DCT pair's exact resizer with out-of-band detail drawn from a power-spectrum prior. */
export class DetailPriorResizer extends ExactPairResizer {
  private readonly stdCache = new Map<string, Float32Array>();

  constructor(
    readonly spectrum: PowerSpectrum,
    readonly strength = DETAIL_PRIOR_RESIZER_DEFAULTS.strength,
  ) {
    super(DETAIL_PRIOR_RESIZER, DCT_PAIR);
  }

  protected override addDetail(up: Tensor4D, z: Tensor4D, levels: number, sigmaHi: number, ctx: ResizeContext): Tensor4D {
    const exact = super.addDetail(up, z, levels, sigmaHi, ctx);
    if (this.strength === 0) return exact;
    const [n, h, w, c] = z.shape;
    const std = tf.tensor4d(this.detailStd(h, w, levels), [1, h, w, 1]);
    const coef = tf.mul(ctx.noise.normal<tf.Rank.R4>([n, h, w, c]), std) as Tensor4D;
    const g = applySeparable(coef, transposed(h), transposed(w));
    return tf.add(exact, g);
  }

  /**
   * Standard deviation per DCT coefficient (k1, k2) of an h x w grid: sqrt(strength S(f)) at
   * f = sqrt((k1 / 2h)^2 + (k2 / 2w)^2) for coefficients outside the lowest (h / 2^m) x
   * (w / 2^m) block, 0 inside it (that band comes from the coarse latent).
   */
  detailStd(h: number, w: number, levels: number): Float32Array {
    const key = `${h}x${w}/${levels}`;
    let std = this.stdCache.get(key);
    if (!std) {
      const power = spectrumForSide(this.spectrum, Math.sqrt(h * w));
      const hb = h / 2 ** levels;
      const wb = w / 2 ** levels;
      std = new Float32Array(h * w);
      for (let a = 0; a < h; a++) {
        for (let b = 0; b < w; b++) {
          if (a < hb && b < wb) continue;
          const f = Math.hypot(a / (2 * h), b / (2 * w));
          std[a * w + b] = Math.sqrt(this.strength * power(f));
        }
      }
      this.stdCache.set(key, std);
    }
    return std;
  }
}

/** C^T (n x n) as a tensor: maps DCT coefficients back to pixels. */
function transposed(n: number): tf.Tensor2D {
  const c = dctMatrix(n);
  const t = new Float32Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) t[i * n + k] = c[k * n + i] as number;
  return tf.tensor2d(t, [n, n]);
}

/** Factory of the detail-prior resizer: options `{ spectrum?, strength? }`. */
export const detailPriorResizerFactory: PluginFactory<Resizer> = {
  name: DETAIL_PRIOR_RESIZER,
  description: 'DCT-exact pair that samples the missing out-of-band detail from the data power spectrum.',
  create(options: unknown, container: DependencyContainer): Resizer {
    const record = resizerOptionsRecord(options, ['spectrum', 'strength']);
    const strength = record['strength'] ?? DETAIL_PRIOR_RESIZER_DEFAULTS.strength;
    if (typeof strength !== 'number' || !Number.isFinite(strength) || strength < 0 || strength > 4) {
      throw new ConfigError(`${RESIZER_OPTIONS_FIELD}.strength`, strength, 'must be a number in [0, 4]');
    }
    let spectrum: unknown = record['spectrum'];
    if (spectrum === undefined && container.isRegistered(PowerSpectrumToken, true)) {
      spectrum = container.resolve(PowerSpectrumToken);
    }
    if (spectrum === undefined) {
      throw new ConfigError(
        `${RESIZER_OPTIONS_FIELD}.spectrum`,
        undefined,
        'the detail prior needs the data power spectrum (give it here or register PowerSpectrumToken, e.g. from the model config)',
      );
    }
    return new DetailPriorResizer(validateSpectrum(`${RESIZER_OPTIONS_FIELD}.spectrum`, spectrum), strength);
  },
};
