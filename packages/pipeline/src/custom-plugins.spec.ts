/**
 * Extending Upshift from the outside: a user-defined upshift policy and a user-defined sampler,
 * registered through DI next to the built-in ones and selected by name from a JSON config.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, PolicyFactory, SamplerFactory } from '@upshift/core';
import type { PluginFactory, PolicyContext, Sampler, StepEvent, UpshiftPolicy } from '@upshift/core';
import { createDpmPp2mSampler, createEulerSampler } from '@upshift/samplers';
import type { EulerState } from '@upshift/samplers';
import { lastValueFrom, toArray } from 'rxjs';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import { collectRun } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import { createTestContainer, TEST_CONFIG } from './test-kit.js';

/** A user policy: the coarsest level allowed while sigma > `above`, then full resolution. */
const coarseThenFull: PluginFactory<UpshiftPolicy> = {
  name: 'coarse-then-full',
  description: 'coarsest level while sigma > above, then level 0',
  create(options: unknown): UpshiftPolicy {
    const above = (options as { above?: unknown } | undefined)?.above ?? 5;
    if (typeof above !== 'number' || !(above > 0)) throw new ConfigError('policyOptions.above', above, 'must be a number > 0');
    return {
      name: 'coarse-then-full',
      levels: (ctx: PolicyContext) => ctx.sigmas.slice(0, -1).map((s) => (s > above ? ctx.maxLevel : 0)),
    };
  },
};

/** A user sampler: Euler under another name that counts its steps (to prove it was the one used). */
let userSamplerSteps = 0;
const countingEuler: PluginFactory<Sampler> = {
  name: 'counting-euler',
  description: 'Euler that counts its steps',
  create(): Sampler {
    const inner = createEulerSampler();
    const counting: Sampler<EulerState> = {
      ...inner,
      name: 'counting-euler',
      initState: () => inner.initState(),
      step: (input) => {
        userSamplerSteps++;
        return inner.step(input);
      },
      onLevelChange: (state, change, resizer) => inner.onLevelChange(state, change, resizer),
      disposeState: (state) => inner.disposeState(state),
    };
    return counting;
  },
};

/**
 * A user sampler without saveState / restoreState (DPM++(2M) under another name, its state held
 * as is): checkpoints fall back to core's generic saveSamplerState / restoreSamplerState.
 */
const plainDpm: PluginFactory<Sampler> = {
  name: 'plain-dpm',
  description: 'DPM++(2M) without its own checkpoint methods',
  create(): Sampler {
    const { saveState: _save, restoreState: _restore, ...inner } = createDpmPp2mSampler();
    return { ...inner, name: 'plain-dpm' };
  },
};

describe('user-defined plugins', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a policy and a sampler registered by the user are selected by name, planned and run', async () => {
    const container = createTestContainer();
    container.register(PolicyFactory, { useValue: coarseThenFull });
    container.register(SamplerFactory, { useValue: countingEuler });
    const pipeline = new Pipeline(container);
    const before = tf.memory().numTensors;
    userSamplerSteps = 0;
    const events: StepEvent[] = await lastValueFrom(
      pipeline.run({ ...TEST_CONFIG, policy: 'coarse-then-full', policyOptions: { above: 5 }, sampler: 'counting-euler' }).pipe(toArray()),
    );
    const start = events.find((e) => e.type === 'start');
    if (start?.type !== 'start') throw new Error('no start event');
    const sigmas = start.plan.steps.map((s) => s.sigma);
    const maxLevel = Math.max(...start.plan.steps.map((s) => s.level));
    expect(maxLevel).toBeGreaterThan(0);
    expect(start.plan.policy).toBe('coarse-then-full');
    expect(start.plan.steps.map((s) => s.level)).toEqual(sigmas.map((s) => (s > 5 ? maxLevel : 0)));
    expect(start.plan.flopFraction).toBeLessThan(1);
    const stepLevels = events.filter((e) => e.type === 'step').map((e) => (e.type === 'step' ? e.level : -1));
    expect(stepLevels).toEqual(start.plan.steps.map((s) => s.level));
    expect(events.filter((e) => e.type === 'resolution-change')).toHaveLength(1);
    expect(userSamplerSteps).toBe(TEST_CONFIG.steps);
    expect(events.at(-1)?.type).toBe('done');
    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a user policy's own option validation reaches the error channel as a ConfigError", async () => {
    const container = createTestContainer();
    container.register(PolicyFactory, { useValue: coarseThenFull });
    const pipeline = new Pipeline(container);
    const before = tf.memory().numTensors;
    await expect(lastValueFrom(pipeline.run({ ...TEST_CONFIG, policy: 'coarse-then-full', policyOptions: { above: -1 } }))).rejects.toThrow(
      /policyOptions\.above = -1/,
    );
    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('user samplers are checkpointed and resumed bit for bit (their own methods, or the generic state codec)', async () => {
    const container = createTestContainer();
    container.register(PolicyFactory, { useValue: coarseThenFull });
    container.register(SamplerFactory, { useValue: countingEuler });
    container.register(SamplerFactory, { useValue: plainDpm });
    const pipeline = new Pipeline(container);
    const before = tf.memory().numTensors;
    for (const sampler of ['counting-euler', 'plain-dpm']) {
      const config = { ...TEST_CONFIG, policy: 'coarse-then-full', sampler };
      const plain = await collectRun(pipeline.run(config));
      const { checkpoints } = await collectRun(pipeline.run(config, { checkpoints: { everySteps: 1 } }));
      if (sampler === 'plain-dpm') expect(checkpoints[3]!.checkpoint.sampler.tensors['previousDenoised']).toBeDefined();
      for (const { checkpoint } of checkpoints) {
        const resumed = await collectRun(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(encodeCheckpoint(checkpoint)) }));
        expect(Array.from(resumed.done.image.data)).toEqual(Array.from(plain.done.image.data));
      }
    }
    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
