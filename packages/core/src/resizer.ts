import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Latent } from './latent.js';
import type { ResolutionLevel } from './level.js';
import type { NoiseSource } from './random.js';

/** Name of the linear down operator a resizer (and a model's training data) uses. */
export type DownOperator = 'box' | 'dct' | 'bilinear';

/** Extra inputs a resizer may use when moving a noisy latent. */
export interface ResizeContext {
  /** Seeded noise for the fresh high-frequency noise of an exact up step. */
  readonly noise: NoiseSource;
  /** The denoiser's current x0 estimate at the latent's level (signal-aware resizers). */
  readonly denoised?: Tensor4D;
  /**
   * Optional i.i.d. N(0, 1) noise at the *target* level to use as `z` instead of drawing fresh
   * noise ("coupled" upshift). The pipeline passes the run's initial full-resolution noise seen
   * at that level; since `z - U D z` is independent of `D z` for Gaussian z, the result is
   * still exact, and the upshifted run stays paired with the same-seed full-resolution run.
   * Intermediate levels of a multi-level jump use `2^j D^j` of it.
   */
  readonly targetNoise?: Tensor4D;
}

/**
 * Moves a noisy latent between resolution levels while keeping its noise statistics exact:
 * after `resize`, `x = signal + sigma_out * eps` with `eps` i.i.d. N(0, 1), where
 * `sigma_out = sigma_in * 2^(from - to)`.
 *
 * Ownership: returns a new latent; never disposes its input.
 */
export interface Resizer {
  readonly name: string;
  /** The down operator D (the model's level-k training data must be made with the same one). */
  readonly downOperator: DownOperator;
  /** Whether the output noise is exactly i.i.d. (naive baselines are not). */
  readonly exact: boolean;
  /** Moves `latent` to `toLevel` (down or up, any number of levels). */
  resize(latent: Latent, toLevel: ResolutionLevel, ctx: ResizeContext): Latent;
  /** Resizes a clean signal (e.g. a sampler's x0 history): D going down, U = 4 D^T going up. */
  resizeSignal(x: Tensor4D, fromLevel: ResolutionLevel, toLevel: ResolutionLevel): Tensor4D;
}
