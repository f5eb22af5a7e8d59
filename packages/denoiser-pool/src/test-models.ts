/**
 * Test models for this package's specs (not exported from the barrel), built the same way on
 * the main thread and in the test worker: `affine` is a per-row function of x, sigma and the
 * label that implements guidance as the contract defines it (2N rows, combineGuidance), with
 * optional misbehaviour in a worker: a delay (a long forward), throwing on call k, or exiting
 * the worker thread on call k.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ModelLoadError, combineGuidance, guidanceRowLabels, needsGuidance } from '@upshift/core';
import type { Denoiser, DenoiserContext, DenoiserPoolSpec } from '@upshift/core';

/** modelOptions of the `affine` test model. */
export interface AffineOptions {
  /** Busy-wait this long per call (a slow forward pass that blocks the worker's thread). */
  readonly delayMs?: number;
  /** Throw on this call number (1-based) of this worker. */
  readonly throwAt?: number;
  /** End the worker thread (process.exit(3) in a worker) on this call number. */
  readonly exitAt?: number;
  /** Throw while loading (in a worker only). */
  readonly failLoad?: boolean;
}

function rowsOf(x: tf.Tensor4D, sigma: number, labels: readonly (number | null)[]): tf.Tensor4D {
  return tf.tidy(() => {
    const offsets = tf.tensor4d(labels.map((l) => (l === null ? -0.25 : 0.1 * (l + 1))), [labels.length, 1, 1, 1]);
    return tf.add(tf.mul(tf.sin(x), 1 / (1 + sigma * sigma)), offsets) as tf.Tensor4D;
  });
}

/** The `affine` model. `inWorker` enables the misbehaviour options. */
export function createAffineModel(options: AffineOptions = {}, inWorker = false): Denoiser & { calls: number } {
  if (inWorker && options.failLoad) throw new ModelLoadError('affine', 'load failure (test)');
  const model = {
    name: 'affine',
    channels: 3,
    calls: 0,
    numLevels: 3,
    denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D {
      model.calls++;
      if (inWorker) {
        if (options.delayMs) {
          const until = Date.now() + options.delayMs;
          while (Date.now() < until) {
            // a forward pass that holds the thread
          }
        }
        if (options.throwAt === model.calls) throw new ConfigError('affine.call', model.calls, 'model failure (test)');
        if (options.exitAt === model.calls) process.exit(3);
      }
      const n = x.shape[0];
      const labels = ctx.classLabels ? [...ctx.classLabels] : new Array<number | null>(n).fill(null);
      if (!needsGuidance(ctx)) return rowsOf(x, sigma, labels);
      return tf.tidy(() => {
        const both = rowsOf(tf.concat([x, x], 0) as tf.Tensor4D, sigma, guidanceRowLabels(labels));
        const [c, u] = tf.split(both, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
        return combineGuidance(c, u, ctx.guidance ?? 1);
      });
    },
    flops: (h: number, w: number, b: number) => 7 * h * w * b,
  };
  return model;
}

/** The loader of the test worker. */
export async function loadTestModel(spec: DenoiserPoolSpec, inWorker: boolean): Promise<Denoiser> {
  const tfCpu = await import('@tensorflow/tfjs-backend-cpu');
  void tfCpu;
  await tf.setBackend(spec.backend);
  if (spec.model === 'affine') return createAffineModel((spec.modelOptions ?? {}) as AffineOptions, inWorker);
  throw new ModelLoadError(spec.model, 'unknown test model');
}
