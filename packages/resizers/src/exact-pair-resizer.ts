/**
 * Exact resizer for any linear pair with `D D^T = I / 4` (DESIGN.md "The general rule"):
 *
 *   down: x_lo = D x,                                  sigma_lo = sigma / 2
 *   up:   x_hi = U x_lo + sigma_hi (z - U D z),        sigma_hi = 2 sigma_lo, U = 4 D^T
 *
 * with z ~ N(0, I) at the fine level. `U D` is an orthogonal projection, so the noise of U x_lo
 * (covariance sigma_hi^2 U D) and the added term (covariance sigma_hi^2 (I - U D)) sum to
 * sigma_hi^2 I: the result's noise is exactly i.i.d. (Pyramid Flow's re-noising correction is
 * the box case). A jump of m levels is done in one go with U^m, D^m and z at the target level:
 * `x_k = U^m x + sigma_k (z - U^m D^m z)`. This equals composing single-level ups whose
 * intermediate noises are `z_j = 2^j D^j z` (j levels above the target), so the one-go and the
 * composed forms are the same map, and `ctx.targetNoise` (coupled upshift) is used as `z`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { ConfigError } from '@upshift/core';
import type { DownOperator, Latent, ResizeContext, Resizer, ResolutionLevel } from '@upshift/core';
import type { LinearPair } from './linear-pair.js';
import { checkLevel } from './resizer-options.js';
import { repeatOp } from './resize-math.js';

/** Shape of `x` moved by `levels` (positive: down, negative: up). */
export function shapeAfter(x: Tensor4D, levels: number): [number, number, number, number] {
  const [n, h, w, c] = x.shape;
  const f = 2 ** levels;
  return [n, h / f, w / f, c];
}

/**
 * Draws (or takes) the target-level noise z of an up step. `ctx.targetNoise`, when given,
 * must have the target shape; the caller keeps ownership of it (it is cloned, never disposed).
 */
export function targetNoise(ctx: ResizeContext, shape: readonly [number, number, number, number]): Tensor4D {
  if (ctx.targetNoise !== undefined) {
    const got = ctx.targetNoise.shape;
    if (got.length !== 4 || got.some((v, i) => v !== shape[i])) {
      throw new ConfigError('resizeContext.targetNoise.shape', got, `must be the target shape [${shape.join(', ')}]`);
    }
    return tf.clone(ctx.targetNoise);
  }
  return ctx.noise.normal<tf.Rank.R4>(shape);
}

/** Checks the target level of a resize and returns it. */
export function checkTargetLevel(latent: Latent, toLevel: ResolutionLevel): number {
  checkLevel('toLevel', toLevel);
  checkLevel('latent.level', latent.level);
  if (!(latent.sigma >= 0) || !Number.isFinite(latent.sigma)) {
    throw new ConfigError('latent.sigma', latent.sigma, 'must be a finite number >= 0');
  }
  const [, h, w] = latent.x.shape;
  const down = toLevel - latent.level;
  if (down > 0 && (h % 2 ** down !== 0 || w % 2 ** down !== 0)) {
    throw new ConfigError('toLevel', toLevel, `latent of ${h}x${w} at level ${latent.level} cannot go down ${down} level(s)`);
  }
  return toLevel;
}

/** The exact resizer of a {@link LinearPair}. */
export class ExactPairResizer implements Resizer {
  readonly exact: boolean = true;
  readonly downOperator: DownOperator;

  constructor(
    readonly name: string,
    readonly pair: LinearPair,
  ) {
    this.downOperator = pair.downOperator;
  }

  resize(latent: Latent, toLevel: ResolutionLevel, ctx: ResizeContext): Latent {
    checkTargetLevel(latent, toLevel);
    const m = toLevel - latent.level;
    if (m >= 0) {
      const x = tf.tidy(() => repeatOp(latent.x, m, (t) => this.pair.down(t)));
      return { x, level: toLevel, sigma: latent.sigma / 2 ** m };
    }
    const sigmaHi = latent.sigma * 2 ** -m;
    const x = tf.tidy(() => {
      const up = this.upNoisy(latent.x, -m, ctx);
      const z = targetNoise(ctx, shapeAfter(latent.x, m));
      return this.addDetail(up, z, -m, sigmaHi, ctx);
    });
    return { x, level: toLevel, sigma: sigmaHi };
  }

  resizeSignal(x: Tensor4D, fromLevel: ResolutionLevel, toLevel: ResolutionLevel): Tensor4D {
    checkLevel('fromLevel', fromLevel);
    checkLevel('toLevel', toLevel);
    const m = toLevel - fromLevel;
    return tf.tidy(() => (m >= 0 ? repeatOp(x, m, (t) => this.pair.down(t)) : this.upSignal(x, -m)));
  }

  /** U^m x. */
  protected upSignal(x: Tensor4D, levels: number): Tensor4D {
    return repeatOp(x, levels, (t) => this.pair.up(t));
  }

  /** How the noisy latent itself goes up (U^m x; signal-aware resizers override it). */
  protected upNoisy(x: Tensor4D, levels: number, _ctx: ResizeContext): Tensor4D {
    return this.upSignal(x, levels);
  }

  /**
   * Adds what the coarse grid cannot hold: `sigma_hi (z - U^m D^m z)` (subclasses may add more,
   * e.g. detail drawn from a prior).
   */
  protected addDetail(up: Tensor4D, z: Tensor4D, levels: number, sigmaHi: number, _ctx: ResizeContext): Tensor4D {
    const low = this.upSignal(repeatOp(z, levels, (t) => this.pair.down(t)), levels);
    return tf.add(up, tf.mul(tf.sub(z, low), sigmaHi));
  }
}
