/**
 * Guidance per level and limited to an interval of noise levels, stochastic steps after an
 * upshift, and the bottleneck policy, through the whole pipeline (the analytic Gaussian model):
 * what each step's call gets, the plan's FLOPs (planned = measured), and the config errors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '@upshift/core';
import type { Denoiser, DenoiserContext } from '@upshift/core';
import { createFactoryGaussianDenoiser } from '@upshift/testing';
import { collectRun } from './collect-run.js';
import { guidanceScaleAt, inGuidanceInterval } from './guidance-plan.js';
import { parsePipelineConfig } from './pipeline-config.js';
import { Pipeline } from './pipeline.js';
import { TEST_CONFIG, createTestContainer, instrument } from './test-kit.js';

let container: DependencyContainer;
let pipeline: Pipeline;
let baseline: number;

beforeEach(async () => {
  container = createTestContainer();
  pipeline = new Pipeline(container);
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
});

afterEach(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});

/** The Gaussian model with 3 levels, counting FLOPs like the UNet: a guided call costs two (pixels x batch each). */
function guidedGaussian(): Denoiser {
  const inner = Object.assign(createFactoryGaussianDenoiser(), { numLevels: 3 });
  return Object.assign(inner, {
    flops: (h: number, w: number, batch: number, ctx?: DenoiserContext) => h * w * batch * (ctx?.guidance !== undefined && ctx.guidance !== 1 ? 2 : 1),
  });
}

describe('guidance per step', () => {
  it('scale per level, only inside (sigmaMin, sigmaMax]', () => {
    const s = { guidance: 2, guidanceLevels: [2.5, 3], guidanceInterval: { sigmaMin: 0.5, sigmaMax: 5 } };
    expect([6, 5, 1, 0.5, 0.1].map((sigma) => inGuidanceInterval(s.guidanceInterval, sigma))).toEqual([false, true, true, false, false]);
    expect(guidanceScaleAt(s, 6, 0)).toBe(1);
    expect(guidanceScaleAt(s, 5, 0)).toBe(2.5);
    expect(guidanceScaleAt(s, 5, 1)).toBe(3);
    expect(guidanceScaleAt(s, 5, 2)).toBe(2);
    expect(guidanceScaleAt({ guidance: 4 }, 100, 3)).toBe(4);
    expect(guidanceScaleAt({ guidanceInterval: { sigmaMax: 1 } }, 0.5, 0)).toBe(1);
  });

  it('each call gets its step scale, unguided steps cost half, and planned FLOPs = measured FLOPs', async () => {
    const model = instrument(guidedGaussian());
    const config = {
      ...TEST_CONFIG,
      steps: 10,
      policy: 'pyramid',
      policyOptions: { stages: [{ level: 2, sigma: 10 }, { level: 1, sigma: 2 }] },
      guidance: 2,
      guidanceLevels: [2, 3, 4],
      guidanceInterval: { sigmaMin: 0.3, sigmaMax: 50 },
    };
    const { start, done } = await collectRun(pipeline.run(config, { denoiser: model }));
    const expected = start.plan.steps.map((s) => (s.sigma > 0.3 && s.sigma <= 50 ? [2, 3, 4][s.level] : 1));
    expect(model.calls.map((c) => c.guidance)).toEqual(expected);
    expect(new Set(expected)).toEqual(new Set([1, 2, 3, 4]));
    // 32 x 32 at level 0: 1024 pixels per call, x2 when guided
    start.plan.steps.forEach((s, i) => expect(s.flops).toBe((1024 / 4 ** s.level) * (expected[i] === 1 ? 1 : 2)));
    expect(start.plan.fullResolutionFlops).toBe(start.plan.steps.reduce((a, _s, i) => a + 1024 * (expected[i] === 1 ? 1 : 2), 0));
    expect(done.stats.flops).toBe(start.plan.flops);
    expect(done.stats.flopFraction).toBeCloseTo(start.plan.flopFraction, 12);
  });

  it('bad guidance settings are ConfigErrors naming the field and value', async () => {
    expect(() => parsePipelineConfig({ guidanceLevels: [] })).toThrow(/guidanceLevels/);
    expect(() => parsePipelineConfig({ guidanceLevels: [2, -1] })).toThrow(/guidanceLevels\[1\] = -1/);
    expect(() => parsePipelineConfig({ guidanceLevels: 2 })).toThrow(/guidanceLevels = 2/);
    expect(() => parsePipelineConfig({ guidanceInterval: { sigmaMin: 2, sigmaMax: 1 } })).toThrow(/guidanceInterval.sigmaMax = 1: must be above sigmaMin \(2\)/);
    expect(() => parsePipelineConfig({ guidanceInterval: { sigmaMax: 0 } })).toThrow(/guidanceInterval.sigmaMax = 0/);
    expect(() => parsePipelineConfig({ guidanceInterval: { low: 1 } })).toThrow(/guidanceInterval.low = 1: unknown field/);
    expect(() => parsePipelineConfig({ guidanceInterval: 3 })).toThrow(ConfigError);
    await expect(collectRun(pipeline.run({ ...TEST_CONFIG, guidanceLevels: [1, 2, 3, 4] }, { denoiser: guidedGaussian() }))).rejects.toThrow(
      /guidanceLevels = \[1,2,3,4\]: has 4 entries but this run has levels 0..2 only/,
    );
  });
});

describe('afterUpshift through the pipeline', () => {
  it('changes only runs that upshift, is deterministic, keeps the model calls', async () => {
    const upshifted = { ...TEST_CONFIG, steps: 12, policy: 'pyramid' };
    const plain = await collectRun(pipeline.run(upshifted));
    const a = await collectRun(pipeline.run({ ...upshifted, afterUpshift: { steps: 2 } }));
    const b = await collectRun(pipeline.run({ ...upshifted, afterUpshift: { steps: 2 } }));
    expect(Array.from(a.done.image.data)).toEqual(Array.from(b.done.image.data));
    expect(Array.from(a.done.image.data)).not.toEqual(Array.from(plain.done.image.data));
    expect(a.done.stats.modelCalls).toBe(12);
    expect(a.start.config['afterUpshift']).toEqual({ steps: 2 });
    // no upshift, no stochastic step: bit-identical to the plain run
    const full = await collectRun(pipeline.run({ ...upshifted, policy: 'none' }));
    const fullAfter = await collectRun(pipeline.run({ ...upshifted, policy: 'none', afterUpshift: { steps: 2, mode: 'churn' } }));
    expect(Array.from(fullAfter.done.image.data)).toEqual(Array.from(full.done.image.data));
  });

  it('rejects bad options before the model is created', async () => {
    const model = instrument(guidedGaussian());
    await expect(collectRun(pipeline.run({ ...TEST_CONFIG, afterUpshift: { steps: 0 } }, { denoiser: model }))).rejects.toThrow(/afterUpshift.steps = 0/);
    await expect(collectRun(pipeline.run({ ...TEST_CONFIG, afterUpshift: { mode: 'sde' } }))).rejects.toThrow(/afterUpshift.mode/);
    expect(model.calls).toHaveLength(0);
  });
});

describe('bottleneck policy through the pipeline', () => {
  it('downshifts after the full-resolution start and upshifts at the end; planned FLOPs = measured FLOPs', async () => {
    const { start, done, changes } = await collectRun(
      pipeline.run({ ...TEST_CONFIG, steps: 12, policy: 'bottleneck', policyOptions: { fullAbove: { sigma: 20 }, stages: [{ level: 2, sigma: 5 }, { level: 1, sigma: 1 }] } }),
    );
    const levels = start.plan.steps.map((s) => s.level);
    expect(levels[0]).toBe(0);
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [0, 2],
      [2, 1],
      [1, 0],
    ]);
    // the downshift halves the per-pixel sigma per level: no re-noising
    expect(changes[0]!.sigmaAfter).toBeCloseTo(changes[0]!.sigmaBefore / 4, 12);
    expect(done.stats.levels).toEqual(levels);
    expect(done.stats.flops).toBe(start.plan.flops);
    expect(done.image.data.every(Number.isFinite)).toBe(true);
  });
});
