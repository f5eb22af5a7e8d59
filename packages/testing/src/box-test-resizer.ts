/**
 * A small, self-contained exact box resizer for tests (the real one lives in
 * @upshift/resizers; plugins and their tests must not depend on each other). Down is 2x2
 * average pooling (sigma halves); up is `x_hi = nearestUp(x_lo) + sigma_hi (z - nearestUp(
 * avgpool(z)))` with fresh z, whose noise is exactly i.i.d. N(0, sigma_hi^2) (DESIGN.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Latent, ResizeContext, Resizer, ResolutionLevel } from '@upshift/core';

function down(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(x, 2, 2, 'valid');
}

function up(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w]);
}

/** A {@link Resizer} that also counts `resizeSignal` calls (to check samplers use it). */
export interface BoxTestResizer extends Resizer {
  /** Number of `resizeSignal` calls so far. */
  readonly signalResizes: number;
}

/** Creates the stand-in exact box resizer. */
export function createBoxTestResizer(): BoxTestResizer {
  let signalResizes = 0;
  const resizeSignal = (x: tf.Tensor4D, fromLevel: ResolutionLevel, toLevel: ResolutionLevel): tf.Tensor4D => {
    signalResizes++;
    return tf.tidy(() => {
      let t = x;
      for (let l = fromLevel; l < toLevel; l++) t = down(t);
      for (let l = fromLevel; l > toLevel; l--) t = up(t);
      return t === x ? x.clone() : t;
    });
  };
  return {
    name: 'box-test',
    downOperator: 'box',
    exact: true,
    get signalResizes() {
      return signalResizes;
    },
    resizeSignal,
    resize(latent: Latent, toLevel: ResolutionLevel, ctx: ResizeContext): Latent {
      let sigma = latent.sigma;
      const x = tf.tidy(() => {
        let t = latent.x;
        for (let l = latent.level; l < toLevel; l++) {
          t = down(t);
          sigma /= 2;
        }
        for (let l = latent.level; l > toLevel; l--) {
          sigma *= 2;
          const [b, h, w, c] = t.shape;
          const z = ctx.noise.normal<tf.Rank.R4>([b, 2 * h, 2 * w, c]);
          t = tf.add(up(t), tf.mul(tf.sub(z, up(down(z))), sigma));
        }
        return t === latent.x ? latent.x.clone() : t;
      });
      return { x, level: toLevel, sigma };
    },
  };
}
