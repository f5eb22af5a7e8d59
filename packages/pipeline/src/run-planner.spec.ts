/**
 * RunPlanner: the plan made from the config and the model's description alone equals the plan
 * the run announces once its model has loaded, for every policy, with guidance, guidance per
 * level, Heun's two calls per step and a non-square resolution; configs the run would refuse
 * fail ahead with the same ConfigError; models that cannot be described say why.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { container as rootContainer } from 'tsyringe';
import { ConfigError, DenoiserFactory } from '@upshift/core';
import type { StartEvent } from '@upshift/core';
import { POLICY_FACTORIES } from '@upshift/policies';
import { gaussianDenoiserFactory } from '@upshift/testing';
import { Pipeline } from './pipeline.js';
import { registerAll } from './register-all.js';
import { RunPlanner } from './run-planner.js';

/** The tiny UNet fixture (64x64, 4 levels, with a data spectrum) through the shipped model's factory. */
const TINY = { model: 'emoji-unet', modelOptions: { path: fileURLToPath(new URL('../../models/fixtures/tiny-unet', import.meta.url)) }, backend: 'auto' };
const POLICY_OPTIONS: Readonly<Record<string, unknown>> = { adaptive: { threshold: 0.001 }, budget: { fraction: 0.3 } };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('RunPlanner', () => {
  const container = rootContainer.createChildContainer();
  registerAll(container, { backends: false });
  const planner = new RunPlanner(container);
  const pipeline = new Pipeline(container);
  /** The plan the run announces (its start event; the run is then stopped before its first step ends). */
  const runPlan = async (config: Record<string, unknown>) => ((await firstValueFrom(pipeline.run(config))) as StartEvent).plan;
  afterAll(async () => {
    pipeline.dispose();
    await pipeline.whenIdle();
  });

  const configs: [string, Record<string, unknown>][] = [
    ...POLICY_FACTORIES.map((f): [string, Record<string, unknown>] => [f.name, { policy: f.name, ...(POLICY_OPTIONS[f.name] ? { policyOptions: POLICY_OPTIONS[f.name] } : {}) }]),
    ['pyramid, guided, guidance per level', { policy: 'pyramid', classLabels: [1, 2], batch: 2, guidance: 3, guidanceLevels: [3, 1, 1, 1] }],
    ['budget 0.2, heun, 64x32', { policy: 'budget', policyOptions: { fraction: 0.2 }, sampler: 'heun', resolution: { height: 64, width: 32 }, classLabels: 1, guidance: 2 }],
  ];
  it.each(configs)('%s: the plan ahead equals the run\'s', async (_name, config) => {
    const full = { ...TINY, steps: 10, ...config };
    const preview = await planner.preview(full);
    if ('unknown' in preview) throw new Error(preview.unknown);
    const plan = await runPlan(full);
    expect(preview.plan).toEqual(plan);
    expect(preview.levelFlops).toHaveLength(preview.maxLevel + 1);
    expect(preview.levelFlops[0]! * 10).toBeGreaterThanOrEqual(plan.fullResolutionFlops / 2);
    await pipeline.whenIdle();
  });

  it('a config the run would refuse fails ahead with the run\'s ConfigError', async () => {
    await expect(planner.preview({ ...TINY, policy: 'budget', policyOptions: { fraction: 0.01 } })).rejects.toMatchObject({ field: 'policyOptions.fraction', value: 0.01 });
    await expect(planner.preview({ ...TINY, resolution: { height: 60, width: 64 } })).rejects.toBeInstanceOf(ConfigError);
    await expect(planner.preview({ ...TINY, guidanceLevels: [1, 1, 1, 1, 1] })).rejects.toMatchObject({ field: 'guidanceLevels' });
  });

  it('the analytic Gaussian model plans ahead too; a model whose factory cannot describe it says why', async () => {
    const c = rootContainer.createChildContainer();
    registerAll(c, { backends: false });
    c.register(DenoiserFactory, { useValue: gaussianDenoiserFactory });
    const config = { model: 'gaussian', steps: 6, policy: 'pyramid', backend: 'auto', modelOptions: { numLevels: 3 } };
    const preview = await new RunPlanner(c).preview(config);
    const gaussian = new Pipeline(c);
    expect('plan' in preview && preview.plan).toEqual(((await firstValueFrom(gaussian.run(config))) as StartEvent).plan);
    gaussian.dispose();
    await gaussian.whenIdle();
    c.register(DenoiserFactory, { useValue: { name: 'opaque', description: 'a model factory without describe', create: gaussianDenoiserFactory.create } });
    expect(await new RunPlanner(c).preview({ model: 'opaque', steps: 4 })).toEqual({ unknown: 'the model factory cannot describe its model' });
  });
});
