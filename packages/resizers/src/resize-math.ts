/**
 * Tensor helpers shared by the resizers: the box pair (2x2 average pooling / nearest), the
 * separable DCT pair applied as two matMuls, and bilinear resampling. All functions are pure
 * and allocate only their result (callers wrap them in `tf.tidy`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { ConfigError } from '@upshift/core';
import { dctDownMatrix, dctUpMatrix } from './dct-matrix.js';

/** Throws unless the spatial sides of `x` are even (one level down must exist). */
export function checkEvenSides(x: Tensor4D, field = 'latent.x'): void {
  const [, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) {
    throw new ConfigError(`${field}.shape`, x.shape, 'height and width must be even to go down a level');
  }
}

/** Box down D: 2x2 average pooling (D D^T = I / 4). */
export function boxDown(x: Tensor4D): Tensor4D {
  checkEvenSides(x);
  return tf.avgPool(x, 2, 2, 'valid');
}

/** Box up U = 4 D^T: nearest-neighbour 2x upsampling (each pixel copied to its 2x2 block). */
export function nearestUp(x: Tensor4D): Tensor4D {
  const [, h, w] = x.shape;
  // Without corner alignment or half-pixel centres, output (a, b) reads input (a >> 1, b >> 1):
  // exactly the 2x2 block copy. (A rank-6 broadcast/tile would fall back to a synchronous CPU
  // read on WebGPU, which fails in Node.)
  return tf.image.resizeNearestNeighbor(x, [2 * h, 2 * w], false, false);
}

/**
 * Applies `mh` (ho x h) along the height axis and `mw` (wo x w) along the width axis of an
 * NHWC tensor: `out[n, a, b, c] = sum_ij mh[a, i] mw[b, j] x[n, i, j, c]`.
 */
export function applySeparable(x: Tensor4D, mh: Tensor2D, mw: Tensor2D): Tensor4D {
  const [n, h, w, c] = x.shape;
  const ho = mh.shape[0];
  const wo = mw.shape[0];
  const alongH = tf.reshape(tf.matMul(mh, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c])), [ho, n, w, c]);
  const alongW = tf.reshape(
    tf.matMul(mw, tf.reshape(tf.transpose(alongH, [2, 1, 0, 3]), [w, n * ho * c])),
    [wo, n, ho, c],
  );
  return tf.transpose(alongW, [1, 2, 0, 3]) as Tensor4D;
}

/** DCT down D = d_H (x) d_W with `d = Cm^T [I 0] Cn / sqrt(2)` (D D^T = I / 4). */
export function dctDown(x: Tensor4D): Tensor4D {
  checkEvenSides(x);
  const [, h, w] = x.shape;
  const dh = tf.tensor2d(dctDownMatrix(h), [h / 2, h]);
  const dw = w === h ? dh : tf.tensor2d(dctDownMatrix(w), [w / 2, w]);
  return applySeparable(x, dh, dw);
}

/** DCT up U = 4 D^T = (2 d_H^T) (x) (2 d_W^T): zero-pads the DCT spectrum to the fine grid. */
export function dctUp(x: Tensor4D): Tensor4D {
  const [, h, w] = x.shape;
  const uh = tf.tensor2d(dctUpMatrix(2 * h), [2 * h, h]);
  const uw = w === h ? uh : tf.tensor2d(dctUpMatrix(2 * w), [2 * w, w]);
  return applySeparable(x, uh, uw);
}

/** Bilinear 2x downsampling with half-pixel centres: exactly 2x2 average pooling. */
export function bilinearDown(x: Tensor4D): Tensor4D {
  checkEvenSides(x);
  const [, h, w] = x.shape;
  return tf.image.resizeBilinear(x, [h / 2, w / 2], false, true);
}

/** Bilinear resampling of `x` to `height` x `width` (half-pixel centres, edges clamped). */
export function bilinearResize(x: Tensor4D, height: number, width: number): Tensor4D {
  return tf.image.resizeBilinear(x, [height, width], false, true);
}

/** Applies a one-level operator `times` times. */
export function repeatOp(x: Tensor4D, times: number, op: (t: Tensor4D) => Tensor4D): Tensor4D {
  let out = x;
  for (let i = 0; i < times; i++) out = op(out);
  return out === x ? tf.clone(x) : out;
}
