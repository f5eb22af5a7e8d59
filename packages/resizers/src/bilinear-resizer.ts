/**
 * Naive bilinear resizer — a BASELINE, not for real runs. Down is bilinear 2x downsampling
 * with half-pixel centres (numerically the same 2x2 average pooling as the box pair, so it
 * declares the 'box' down operator and runs with box-trained models); up is plain bilinear
 * upsampling with the sigma bookkeeping of an exact pair (sigma doubles per level) although
 * the result's noise is correlated and far too weak (one level keeps 0.39 of the input
 * variance, about 0.1 of the sigma_hi^2 it claims). It exists to show why exactness matters (DESIGN.md: FID 164 vs 27.7).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Latent, PluginFactory, ResizeContext, Resizer, ResolutionLevel } from '@upshift/core';
import { checkTargetLevel } from './exact-pair-resizer.js';
import { bilinearDown, bilinearResize, repeatOp } from './resize-math.js';
import { checkLevel, resizerOptionsRecord } from './resizer-options.js';

/** Registered name of the naive bilinear baseline. */
export const BILINEAR_RESIZER = 'bilinear';

/** The naive bilinear baseline (`exact: false`). */
export class BilinearResizer implements Resizer {
  readonly name = BILINEAR_RESIZER;
  readonly downOperator = 'box' as const;
  readonly exact = false;

  resize(latent: Latent, toLevel: ResolutionLevel, _ctx: ResizeContext): Latent {
    checkTargetLevel(latent, toLevel);
    const m = toLevel - latent.level;
    return { x: this.move(latent.x, m), level: toLevel, sigma: latent.sigma / 2 ** m };
  }

  resizeSignal(x: Tensor4D, fromLevel: ResolutionLevel, toLevel: ResolutionLevel): Tensor4D {
    checkLevel('fromLevel', fromLevel);
    checkLevel('toLevel', toLevel);
    return this.move(x, toLevel - fromLevel);
  }

  private move(x: Tensor4D, m: number): Tensor4D {
    return tf.tidy(() => {
      if (m >= 0) return repeatOp(x, m, bilinearDown);
      const [, h, w] = x.shape;
      return bilinearResize(x, h * 2 ** -m, w * 2 ** -m);
    });
  }
}

/** Factory of the naive bilinear baseline; rejects any option. */
export const bilinearResizerFactory: PluginFactory<Resizer> = {
  name: BILINEAR_RESIZER,
  description: 'BASELINE: naive bilinear up/down with sigma bookkeeping as if exact (noise ends up correlated).',
  create(options: unknown): Resizer {
    resizerOptionsRecord(options, []);
    return new BilinearResizer();
  },
};
