/**
 * The tensor ops the Upshift UNet is built from, as small seeded cases that the backend
 * conformance suite runs on a backend under test and on the tfjs cpu backend. Each case builds
 * its inputs from seeded noise (so cpu and the backend see the same numbers) and composes the
 * op exactly as the models package does (e.g. group norm = reshape + moments).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createNoiseSource } from '@upshift/core';

/** One op case: input shapes and the function that computes the output from them. */
export interface ConformanceOpCase {
  /** Short name (used in test titles and tolerance tables). */
  readonly name: string;
  /** Shapes of the inputs, filled with seeded N(0, 1) noise. */
  readonly inputs: readonly (readonly number[])[];
  /** Computes the output (called inside tf.tidy). */
  run(inputs: readonly tf.Tensor[]): tf.Tensor;
}

/** Group normalisation as the models package composes it: reshape to groups, moments, rescale. */
export function composedGroupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, epsilon = 1e-5): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(tf.reshape(normed, [b, h, w, c]), gamma), beta) as tf.Tensor4D;
}

/** SiLU (swish): x * sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** Scaled dot-product attention over [batch*heads, tokens, dim] tensors. */
export function attention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  const scale = 1 / Math.sqrt(q.shape[2]);
  const scores = tf.mul(tf.matMul(q, k, false, true), scale);
  return tf.matMul(tf.softmax(scores), v);
}

/**
 * The op cases at spatial side `side` (even, >= 4) and `channels` channels (divisible by 4).
 * Sizes stay small so the suite runs in seconds even on a software GPU (SwiftShader).
 */
export function conformanceOpCases(side = 16, channels = 16): ConformanceOpCase[] {
  const s = side;
  const c = channels;
  const tokens = (s / 2) * (s / 2);
  const heads = 2;
  return [
    {
      name: 'conv2d-3x3',
      inputs: [[2, s, s, c], [3, 3, c, c], [c]],
      run: ([x, w, b]) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), b!),
    },
    {
      name: 'conv2d-1x1',
      inputs: [[2, s, s, c], [1, 1, c, 2 * c]],
      run: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'),
    },
    {
      name: 'conv2d-3x3-stride2',
      inputs: [[1, s, s, c], [3, 3, c, c]],
      run: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'),
    },
    {
      name: 'group-norm',
      inputs: [[2, s, s, c], [c], [c]],
      run: ([x, g, b]) => composedGroupNorm(tf.add(tf.mul(x!, 3), 1.5) as tf.Tensor4D, g!, b!, 4),
    },
    { name: 'silu', inputs: [[2, s, s, c]], run: ([x]) => silu(tf.mul(x!, 4)) },
    {
      name: 'attention',
      inputs: [[2 * heads, tokens, c / heads], [2 * heads, tokens, c / heads], [2 * heads, tokens, c / heads]],
      run: ([q, k, v]) => attention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D),
    },
    {
      name: 'dense-embedding',
      // Fourier features of a scalar noise level, then a dense layer (the time embedding).
      inputs: [[2, 1], [1, c], [2 * c, c], [c]],
      run: ([t, f, w, b]) => {
        const phase = tf.mul(tf.matMul(t as tf.Tensor2D, f as tf.Tensor2D), 2 * Math.PI);
        const features = tf.concat([tf.cos(phase), tf.sin(phase)], 1) as tf.Tensor2D;
        return silu(tf.add(tf.matMul(features, w as tf.Tensor2D), b!));
      },
    },
    { name: 'avg-pool-2x2', inputs: [[2, s, s, c]], run: ([x]) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
    {
      name: 'resize-nearest-2x',
      inputs: [[2, s / 2, s / 2, c]],
      run: ([x]) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [s, s]),
    },
    {
      name: 'resize-bilinear-2x',
      inputs: [[2, s / 2, s / 2, c]],
      run: ([x]) => tf.image.resizeBilinear(x as tf.Tensor4D, [s, s], false, true),
    },
    {
      name: 'concat-channels',
      inputs: [[2, s, s, c], [2, s, s, c / 2]],
      run: ([a, b]) => tf.concat([a!, b!], 3),
    },
  ];
}

/** Fills a case's inputs with seeded noise (the same numbers on every backend). */
export function conformanceInputs(opCase: ConformanceOpCase, seed: number): tf.Tensor[] {
  const noise = createNoiseSource(seed);
  return opCase.inputs.map((shape) => noise.normal([...shape]));
}
