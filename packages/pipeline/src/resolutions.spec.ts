/**
 * Every policy, at its defaults, at several resolutions (square, non-square, smaller than the
 * model's own), through the pipeline with a real UNet (the random-weights fixture: sides must
 * be multiples of 8, 3 levels). Each plan may only use levels the network can take at that
 * size, and a run going as deep as allowed goes through the network at every size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { filter, firstValueFrom } from 'rxjs';
import { container as globalContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { PowerSpectrumToken } from '@upshift/core';
import type { StartEvent } from '@upshift/core';
import { EMOJI_UNET_ASSETS, loadModelConfig } from '@upshift/models';
import { collectRun } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import { registerAll } from './register-all.js';

const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));
const POLICIES = ['none', 'fixed', 'pyramid', 'spectral', 'budget', 'adaptive'];
/** [height, width, deepest level the fixture's network takes there]. */
const SIZES: [number, number, number][] = [
  [64, 64, 2],
  [64, 32, 2],
  [32, 32, 2],
  [16, 16, 1],
  [48, 32, 1],
];

let pipeline: Pipeline;
let baseline: number;

beforeAll(async () => {
  const c = globalContainer.createChildContainer();
  registerAll(c, { backends: false });
  registerWasmBackend(c);
  // The fixture has no spectrum of its own: spectral and budget use the shipped model's.
  const { spectrum } = await loadModelConfig(fileURLToPath(EMOJI_UNET_ASSETS));
  c.register(PowerSpectrumToken, { useValue: spectrum! });
  pipeline = new Pipeline(c);
  await tf.setBackend('wasm');
  baseline = tf.memory().numTensors;
});

afterAll(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});

const config = (height: number, width: number, policy: string, steps: number) => ({
  model: 'emoji-unet',
  modelOptions: { path: RANDOM_UNET },
  backend: 'wasm',
  steps,
  seed: 2,
  policy,
  resolution: { height, width },
  classLabels: 1,
  guidance: 1,
});

describe.each(SIZES)('at %ix%i', (height, width, maxLevel) => {
  it('every policy plans within the levels the network takes there', async () => {
    for (const policy of POLICIES) {
      // The plan is in the start event; taking it unsubscribes, which cancels the run.
      const start = (await firstValueFrom(pipeline.run(config(height, width, policy, 12)).pipe(filter((e) => e.type === 'start')))) as StartEvent;
      const levels = start.plan.steps.map((s) => s.level);
      expect(Math.max(...levels), policy).toBeLessThanOrEqual(maxLevel);
      // Default fixed and pyramid go to 1/4 side, or as deep as this size allows.
      if (policy === 'fixed' || policy === 'pyramid') expect(Math.max(...levels), policy).toBe(Math.min(2, maxLevel));
      if (policy !== 'none') expect(start.plan.flopFraction, policy).toBeLessThan(1);
    }
    await pipeline.whenIdle();
  });

  it('a pyramid run through the network at every level it allows', async () => {
    const run = await collectRun(pipeline.run(config(height, width, 'pyramid', 5)));
    expect(new Set(run.done.stats.levels)).toEqual(new Set(Array.from({ length: maxLevel + 1 }, (_, k) => k)));
    expect(run.done.image.shape).toEqual([1, height, width, 3]);
    expect(run.done.image.data.every(Number.isFinite)).toBe(true);
  });
});
