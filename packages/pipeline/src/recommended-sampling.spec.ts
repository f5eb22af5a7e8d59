/**
 * A model's recommended sampling settings under a user's config, and the shipped model's own
 * recommendation: a valid pipeline config whose plan (on the shipped model's levels, spectrum and
 * FLOPs, taken from the start event; no model call) is the one its README documents.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Denoiser, DenoiserContext, StartEvent } from '@upshift/core';
import { EMOJI_UNET_ASSETS, MODEL_CONFIG_FILE, readModelConfig } from '@upshift/models';
import { createFactoryGaussianDenoiser } from '@upshift/testing';
import { parsePipelineConfig } from './pipeline-config.js';
import { Pipeline } from './pipeline.js';
import { withRecommendedSampling } from './recommended-sampling.js';
import { createTestContainer } from './test-kit.js';

const shipped = readModelConfig(readFileSync(new URL(MODEL_CONFIG_FILE, EMOJI_UNET_ASSETS), 'utf8'));

let pipeline: Pipeline;
beforeEach(async () => {
  pipeline = new Pipeline(createTestContainer());
  await tf.setBackend('cpu');
});
afterEach(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
});

describe('withRecommendedSampling', () => {
  const recommended = {
    sampler: 'dpmpp-2m',
    samplerOptions: { onLevelChange: 'first-order' },
    steps: 24,
    guidance: 3,
    guidanceLevels: [3, 4],
    guidanceInterval: { sigmaMax: 5 },
    policy: 'pyramid',
    policyOptions: { stages: [{ level: 1, sigma: 3 }] },
    measured: 'README',
  };

  it('fills what the user left out; the user wins; fields that are not recommendable are never taken', () => {
    expect(withRecommendedSampling({}, recommended)).toEqual({
      sampler: 'dpmpp-2m',
      samplerOptions: { onLevelChange: 'first-order' },
      steps: 24,
      guidance: 3,
      guidanceLevels: [3, 4],
      guidanceInterval: { sigmaMax: 5 },
      policy: 'pyramid',
      policyOptions: { stages: [{ level: 1, sigma: 3 }] },
    });
    expect(withRecommendedSampling({ steps: 10, seed: 4 }, recommended)).toMatchObject({ steps: 10, seed: 4, sampler: 'dpmpp-2m' });
    expect(withRecommendedSampling({ steps: 10 }, undefined)).toEqual({ steps: 10 });
  });

  it("does not hand a plugin's recommended options to another plugin, nor per-level scales to another guidance", () => {
    const mine = withRecommendedSampling({ sampler: 'euler', policy: 'spectral', guidance: 5 }, recommended);
    expect(mine.samplerOptions).toBeUndefined();
    expect(mine.policyOptions).toBeUndefined();
    expect(mine.guidanceLevels).toBeUndefined();
    expect(mine.guidanceInterval).toEqual({ sigmaMax: 5 });
    // naming the recommended plugin again keeps its options
    expect(withRecommendedSampling({ policy: 'pyramid', guidance: 3 }, recommended)).toMatchObject({ policyOptions: recommended.policyOptions, guidanceLevels: [3, 4] });
  });
});

describe("the shipped model's recommendation", () => {
  it('is a valid pipeline config with the plan the models README documents', async () => {
    const sampling = shipped.sampling!;
    expect(sampling).toBeDefined();
    const config = withRecommendedSampling({ model: 'gaussian', backend: 'cpu', seed: 0, batch: 1, classLabels: 0 }, sampling);
    expect(() => parsePipelineConfig(config)).not.toThrow();
    // A stand-in with the shipped model's traits and FLOP counts: the plan, without a model call.
    const flops = shipped.flops!;
    const standIn: Denoiser = Object.assign(createFactoryGaussianDenoiser(), {
      numLevels: shipped.architecture.numLevels,
      resolution: shipped.resolution,
      spectrum: shipped.spectrum,
      flops: (h: number, _w: number, batch: number, ctx?: DenoiserContext) =>
        flops[String(Math.log2(64 / h))]! * batch * (ctx?.guidance !== undefined && ctx.guidance !== 1 ? 2 : 1),
    });
    const start = (await firstValueFrom(pipeline.run(config, { denoiser: standIn }))) as StartEvent;
    expect(start.type).toBe('start');
    const levels = start.plan.steps.map((s) => s.level);
    const runs: string[] = [];
    for (const l of levels) {
      const last = runs.at(-1);
      if (last?.startsWith(`${l} x`)) runs[runs.length - 1] = `${l} x${Number(last.slice(last.indexOf('x') + 1)) + 1}`;
      else runs.push(`${l} x1`);
    }
    // packages/models/README.md, "Recommended sampling": the plan and its FLOP fraction
    expect(runs.join(', ')).toBe(RECOMMENDED_PLAN.levels);
    expect(start.plan.flopFraction).toBeCloseTo(RECOMMENDED_PLAN.flopFraction, 3);
  });
});

/** What packages/models/README.md documents for the shipped recommendation. */
const RECOMMENDED_PLAN = { levels: '2 x5, 0 x15', flopFraction: 0.8190 };
