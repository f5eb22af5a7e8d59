/**
 * A denoiser that returns NaN or Infinity (corrupt weights, an overflow) fails the run on the
 * error channel, naming the step and its sigma, instead of finishing with a black image.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonFiniteError } from '@upshift/core';
import type { DenoiserContext, StepEvent } from '@upshift/core';
import { createFactoryGaussianDenoiser } from '@upshift/testing';
import { Pipeline } from './pipeline.js';
import { TEST_CONFIG, createTestContainer } from './test-kit.js';

let pipeline: Pipeline;
let baseline: number;
beforeAll(async () => {
  pipeline = new Pipeline(createTestContainer());
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
});
afterAll(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
});

/** The analytic denoiser, except that call number `at` returns `value` everywhere. */
function corrupting(at: number, value: number) {
  const inner = createFactoryGaussianDenoiser();
  let calls = 0;
  return {
    name: 'corrupting',
    channels: inner.channels,
    denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D {
      calls++;
      const y = inner.denoise(x, sigma, ctx);
      if (calls !== at) return y;
      y.dispose();
      return tf.fill(x.shape, value) as tf.Tensor4D;
    },
    dispose: () => inner.dispose(),
  };
}

describe('non-finite values in a run', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY])('a denoiser returning %s at call 3 fails the run at step 3, naming it and its sigma', async (value) => {
    const denoiser = corrupting(3, value);
    const events: StepEvent[] = [];
    const error = await new Promise<unknown>((resolve) => {
      pipeline.run({ ...TEST_CONFIG, steps: 6, policy: 'none' }, { denoiser }).subscribe({ next: (e) => events.push(e), error: resolve, complete: () => resolve(undefined) });
    });
    denoiser.dispose();
    expect(error).toBeInstanceOf(NonFiniteError);
    const start = events.find((e) => e.type === 'start')!;
    const sigma = start.type === 'start' ? start.plan.steps[2]!.sigma : Number.NaN;
    expect(error).toMatchObject({ step: 2, sigma, level: 0 });
    expect((error as Error).message).toBe(
      `Run failed at step 3/6 (sigma ${sigma.toPrecision(4)}, level 0): the denoiser "corrupting" returned non-finite values (NaN or Infinity)`,
    );
    expect(events.filter((e) => e.type === 'step')).toHaveLength(2);
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
