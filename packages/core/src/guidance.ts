/**
 * Classifier-free guidance (Ho & Salimans 2022, "Classifier-Free Diffusion Guidance") as the
 * core contract defines it: `D = D_uncond + w (D_cond - D_uncond)`, where the unconditional
 * prediction is the same input with the "null" label. Defined once here so that a model that
 * runs both halves in one batch and a worker pool that runs them on different threads combine
 * them with the same operations, in the same order (and so agree bit for bit).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { DenoiserContext } from './denoiser.js';

/**
 * Whether a call needs the unconditional half: a guidance scale other than 1 and at least one
 * real (non-null) label. With only null labels both halves are the same prediction, so
 * guidance changes nothing and one pass is exact.
 */
export function needsGuidance(ctx: Pick<DenoiserContext, 'classLabels' | 'guidance'>): boolean {
  const w = ctx.guidance ?? 1;
  return w !== 1 && (ctx.classLabels ?? []).some((label) => label !== null && label !== undefined);
}

/**
 * The labels of the doubled batch a guided call runs: the N items with their own labels
 * (conditional half), then the same N items with the null label (unconditional half).
 */
export function guidanceRowLabels(labels: readonly (number | null)[]): (number | null)[] {
  return [...labels, ...labels.map(() => null)];
}

/**
 * `uncond + w (cond - uncond)`. Neither input is disposed; the caller owns the result.
 */
export function combineGuidance(cond: Tensor4D, uncond: Tensor4D, w: number): Tensor4D {
  return tf.tidy(() => tf.add(uncond, tf.mul(tf.sub(cond, uncond), w)) as Tensor4D);
}
