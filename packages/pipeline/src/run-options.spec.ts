/**
 * RunOptions a JavaScript caller can get wrong are refused before anything starts, naming the
 * option: they used to surface as a TypeError inside the first step ("hook.afterStep is not a
 * function", "log is not a function") or as tfjs's "shape comprised of positive integers" for a
 * denoiser without `channels`. Nothing leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { collectRun } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import { TEST_CONFIG, createTestContainer } from './test-kit.js';

let pipeline: Pipeline;
let baseline: number;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  pipeline = new Pipeline(createTestContainer());
  baseline = tf.memory().numTensors;
});
afterEach(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});

describe('RunOptions checked before the run starts', () => {
  it.each([
    ['hooks not an array', { hooks: 'x' }, 'options.hooks', 'must be an array of step hooks'],
    ['a hook that is a number', { hooks: [1] }, 'options.hooks[0]', 'a hook must be an object { name, afterStep(ctx) }'],
    ['a hook without afterStep', { hooks: [{ name: 'h' }] }, 'options.hooks[0].afterStep', 'must be a function'],
    ['a hook without a name', { hooks: [{ afterStep: () => undefined }] }, 'options.hooks[0].name', 'a hook needs a name (a string)'],
    ['log not a function', { log: 5 }, 'options.log', 'must be a function'],
    ['a denoiser without denoise or channels', { denoiser: { name: 'd' } }, 'options.denoiser.denoise', 'must be a function'],
    ['a denoiser with 0 channels', { denoiser: { name: 'd', channels: 0, denoise: (x: tf.Tensor) => x.clone() } }, 'options.denoiser.channels', 'must be >= 1'],
  ])('%s: ConfigError naming the option, before any step', async (_what, options, field, reason) => {
    let steps = 0;
    const error = await new Promise<unknown>((resolve) => {
      pipeline.run({ ...TEST_CONFIG, steps: 2 }, options as never).subscribe({ next: (e) => void (e.type === 'step' && steps++), error: resolve, complete: () => resolve(undefined) });
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).reason).toBe(reason);
    expect(steps).toBe(0);
  });

  it('a hook that is a class instance (methods on its prototype) is accepted', async () => {
    class Counter {
      readonly name = 'counter';
      calls = 0;
      afterStep(): void {
        this.calls++;
      }
    }
    const counter = new Counter();
    await collectRun(pipeline.run({ ...TEST_CONFIG, steps: 3 }, { hooks: [counter], log: () => undefined }));
    expect(counter.calls).toBe(2);
  });
});
