import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { ResolutionLevel } from './level.js';

/**
 * A noisy latent: an NHWC tensor at a resolution level with its per-pixel noise level.
 * `x = x0 + sigma * eps` where `sigma` is the noise std *at this level* (a full-resolution
 * sigma s is s / 2^level here).
 *
 * Ownership: whoever creates a Latent owns its tensor and must dispose it.
 */
export interface Latent {
  /** NHWC tensor. */
  readonly x: Tensor4D;
  /** Resolution level of `x` (0 = full resolution). */
  readonly level: ResolutionLevel;
  /** Per-pixel noise standard deviation at this level. */
  readonly sigma: number;
}
