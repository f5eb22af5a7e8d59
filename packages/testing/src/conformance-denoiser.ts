/**
 * A small seeded denoiser built from the same ops as the Upshift UNet (conv, group norm, SiLU,
 * avg-pool down, attention at the coarse level, nearest up, skip concat, EDM preconditioning).
 * The backend conformance suite uses it for its "sampler-like steps" test when no real model is
 * supplied, so that test never depends on another package being ready.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createNoiseSource } from '@upshift/core';
import type { Denoiser, DenoiserContext } from '@upshift/core';
import { attention, composedGroupNorm, silu } from './conformance-ops.js';

/** Options of {@link createConformanceDenoiser}. */
export interface ConformanceDenoiserOptions {
  /** Seed of the weights. */
  readonly seed: number;
  /** Image channels. */
  readonly channels: number;
  /** Hidden width (divisible by 4). */
  readonly width: number;
}

/** Defaults of {@link ConformanceDenoiserOptions}. */
export const DEFAULT_CONFORMANCE_DENOISER_OPTIONS: ConformanceDenoiserOptions = { seed: 7, channels: 3, width: 16 };

/**
 * Builds the denoiser. Its weights live on the backend that is active when it is created;
 * create one per backend (tfjs cannot move webgpu data back synchronously in Node).
 */
export function createConformanceDenoiser(options: Partial<ConformanceDenoiserOptions> = {}): Denoiser {
  const { seed, channels, width } = { ...DEFAULT_CONFORMANCE_DENOISER_OPTIONS, ...options };
  const noise = createNoiseSource(seed);
  const weight = (shape: number[], fanIn: number) => tf.tidy(() => tf.mul(noise.normal(shape), 1 / Math.sqrt(fanIn)));
  const weight4d = (shape: [number, number, number, number], fanIn: number) => weight(shape, fanIn) as tf.Tensor4D;
  const wIn = weight4d([3, 3, channels, width], 9 * channels);
  const wQkv = weight4d([1, 1, width, 3 * width], width);
  const wOut = weight4d([3, 3, 2 * width, channels], 18 * width);
  const gamma = tf.ones([width]);
  const beta = tf.zeros([width]);
  const params = [wIn, wQkv, wOut, gamma, beta];
  const sigmaData = 0.5;

  return {
    name: 'conformance-denoiser',
    channels,
    denoise(x: tf.Tensor4D, sigma: number, _ctx: DenoiserContext): tf.Tensor4D {
      return tf.tidy(() => {
        const [b, h, w] = x.shape;
        const cIn = 1 / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
        const cSkip = (sigmaData * sigmaData) / (sigma * sigma + sigmaData * sigmaData);
        const cOut = (sigma * sigmaData) / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
        const hidden = silu(composedGroupNorm(tf.conv2d(tf.mul(x, cIn) as tf.Tensor4D, wIn, 1, 'same'), gamma, beta, 4));
        const low = tf.avgPool(hidden as tf.Tensor4D, 2, 2, 'valid');
        const [, lh, lw] = low.shape;
        const qkv = tf.conv2d(low, wQkv, 1, 'same');
        const [q, k, v] = tf.split(tf.reshape(qkv, [b, lh * lw, 3 * width]), 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const attended = tf.reshape(tf.add(attention(q, k, v), tf.reshape(low, [b, lh * lw, width])), [b, lh, lw, width]);
        const up = tf.image.resizeNearestNeighbor(attended as tf.Tensor4D, [h, w]);
        const out = tf.conv2d(tf.concat([hidden, up], 3) as tf.Tensor4D, wOut, 1, 'same');
        return tf.add(tf.mul(x, cSkip), tf.mul(out, cOut)) as tf.Tensor4D;
      });
    },
    dispose(): void {
      for (const p of params) p.dispose();
    },
  };
}
