/**
 * Resuming runs from checkpoints: for every sampler, every policy and a checkpoint before, at and
 * after each level change (in fact at every step boundary), the resumed run's image equals the
 * uninterrupted run's bit for bit on the cpu backend, also after the checkpoint went through the
 * binary form; the same for a stage-split run (coarse levels, then level 0), a suspend request,
 * and on wasm with a real (random-weights) UNet. No tensor leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DependencyContainer } from 'tsyringe';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { PowerSpectrumToken } from '@upshift/core';
import type { CheckpointEvent, ImageData4D, RunCheckpoint, StepEvent } from '@upshift/core';
import { parsePowerSpectrum } from '@upshift/models';
import { createFactoryGaussianDenoiser, relativeError } from '@upshift/testing';
import { POLICY_FACTORIES } from '@upshift/policies';
import { SAMPLER_FACTORIES } from '@upshift/samplers';
import { checkpointToJson, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import { collectRun, collectStage } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import type { RunOptions } from './pipeline.js';
import { TEST_CONFIG, createTestContainer, instrument } from './test-kit.js';

/** Every registered sampler (a new one joins the matrix by itself). */
const SAMPLERS = SAMPLER_FACTORIES.map((f) => f.name);
/** Options where a policy's defaults would not change level on this small run. */
const POLICY_OPTIONS: Readonly<Record<string, unknown>> = { adaptive: { threshold: 0.001 }, budget: { fraction: 0.5 } };
/** Every registered policy; adaptive with a low threshold so its hook changes levels at run time. */
const POLICIES: readonly (readonly [string, unknown])[] = POLICY_FACTORIES.map((f) => [f.name, POLICY_OPTIONS[f.name]] as const);
const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));
const SPECTRUM = parsePowerSpectrum(
  (JSON.parse(readFileSync(new URL('../../models/assets/emoji-unet/config.json', import.meta.url), 'utf8')) as Record<string, unknown>)['spectrum'],
);

let container: DependencyContainer;
let pipeline: Pipeline;
let baseline: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

beforeEach(async () => {
  container = createTestContainer();
  container.register(PowerSpectrumToken, { useValue: SPECTRUM });
  pipeline = new Pipeline(container);
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
});

afterEach(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  await tf.setBackend('cpu');
  expect(tf.memory().numTensors).toBe(baseline);
});

function same(a: ImageData4D, b: ImageData4D): void {
  expect(a.shape).toEqual(b.shape);
  // Bit for bit: compare the raw bytes (also tells -0 from 0 and NaN payloads apart).
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(true);
}

/** Steps i where the level differs from step i - 1's. */
function changesOf(levels: readonly number[]): number[] {
  return levels.flatMap((l, i) => (i > 0 && l !== levels[i - 1] ? [i] : []));
}

describe('resume from a checkpoint: bit for bit, every sampler x every policy', () => {
  for (const sampler of SAMPLERS) {
    it(`${sampler}: resumed from a checkpoint at every step boundary (through the binary form) = the uninterrupted run`, async () => {
      for (const [policy, policyOptions] of POLICIES) {
        const config = { ...TEST_CONFIG, batch: 2, sampler, policy, ...(policyOptions ? { policyOptions } : {}) };
        const plain = await collectRun(pipeline.run(config));
        const taken = await collectRun(pipeline.run(config, { checkpoints: { everySteps: 1, atLevelChange: true } }));
        // Taking checkpoints changes nothing.
        same(taken.done.image, plain.done.image);
        expect(taken.done.stats.levels).toEqual(plain.done.stats.levels);
        expect(taken.checkpoints.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        const changes = changesOf(plain.done.stats.levels);
        if (policy !== 'none') expect(changes.length, `${policy} changes level`).toBeGreaterThan(0);
        for (const c of taken.checkpoints) expect(c.reasons.includes('level-change')).toBe(changes.includes(c.index));
        if (policy === 'adaptive') expect(plain.changes.some((c) => typeof c.cause === 'object' && c.cause.hook === 'adaptive')).toBe(true);

        for (const { checkpoint, index } of taken.checkpoints) {
          const bytes = encodeCheckpoint(checkpoint);
          const resumed = await collectRun(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(bytes) }));
          const where = `${policy} from step ${index} (changes at ${changes.join(', ') || 'none'})`;
          expect(resumed.start.resumedFrom, where).toBe(index);
          expect(resumed.steps, where).toBe(8 - index);
          same(resumed.done.image, plain.done.image);
          expect(resumed.done.stats.levels, where).toEqual(plain.done.stats.levels);
          expect(resumed.done.stats.flops, where).toBe(plain.done.stats.flops);
          expect(resumed.done.stats.modelCalls, where).toBe(plain.done.stats.modelCalls);
        }
      }
    });
  }

  it('resumes identically from the checkpoint object, its JSON text and its bytes; a config with another backend / previews is accepted', async () => {
    const config = { ...TEST_CONFIG, sampler: 'dpmpp-2m-sde', policy: 'pyramid', upshiftNoise: 'coupled' };
    const plain = await collectRun(pipeline.run(config));
    const { checkpoints } = await collectRun(pipeline.run(config, { checkpoints: { atLevelChange: true } }));
    expect(checkpoints.map((c) => c.index)).toEqual(changesOf(plain.done.stats.levels));
    const cp = checkpoints[0]!.checkpoint;
    expect(cp.denoised).not.toBeNull(); // at a level change the x0 estimate travels along
    expect(Object.keys(cp.sampler.tensors)).toEqual(['previousDenoised']);
    for (const from of [cp, decodeCheckpoint(JSON.stringify(checkpointToJson(cp))), decodeCheckpoint(encodeCheckpoint(cp))]) {
      same((await collectRun(pipeline.run(undefined, { resumeFrom: from }))).done.image, plain.done.image);
    }
    const withPreviews = await collectRun(pipeline.run({ ...config, previews: true, backend: 'auto' }, { resumeFrom: cp }));
    same(withPreviews.done.image, plain.done.image);
    // A partial config: what it leaves out is the checkpoint's, not the defaults (steps 30, seed 0, ...).
    const partial = await collectRun(pipeline.run({ backend: 'cpu' }, { resumeFrom: cp }));
    same(partial.done.image, plain.done.image);
  });

  it('covers the samplers, policies and policies the issue names, and bottleneck (a downshift mid-run)', () => {
    expect(SAMPLERS).toEqual(expect.arrayContaining(['euler', 'heun', 'ddim', 'ddpm', 'euler-ancestral', 'dpmpp-2m', 'dpmpp-2m-sde']));
    expect(POLICIES.map(([p]) => p)).toEqual(expect.arrayContaining(['none', 'fixed', 'pyramid', 'spectral', 'adaptive', 'budget', 'bottleneck']));
  });

  it('stochastic steps after an upshift (ancestral, churn), guidance per level and interval: resumed bit for bit', async () => {
    for (const extra of [
      { afterUpshift: { steps: 2 }, sampler: 'dpmpp-2m' },
      { afterUpshift: { steps: 2, mode: 'churn' }, sampler: 'heun', policy: 'bottleneck' },
      { guidanceLevels: [3, 2, 1.5], guidanceInterval: { sigmaMax: 30 }, classLabels: 1, sampler: 'euler-ancestral' },
    ]) {
      const config = { ...TEST_CONFIG, policy: 'pyramid', ...extra };
      const plain = await collectRun(pipeline.run(config));
      const { checkpoints } = await collectRun(pipeline.run(config, { checkpoints: { everySteps: 1 } }));
      // Some checkpoint falls between the stochastic steps of an upshift.
      if (config.afterUpshift) expect(checkpoints.some((c) => c.checkpoint.sampler.kind === 'after-upshift' && (c.checkpoint.sampler.fields['remaining'] as number) > 0)).toBe(true);
      for (const { checkpoint } of checkpoints) {
        same((await collectRun(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(encodeCheckpoint(checkpoint)) }))).done.image, plain.done.image);
      }
    }
  });

  it('restores a user hook that keeps state, and the upshift noise of a "fresh" run', async () => {
    // A hook whose decision depends on its own state: it upshifts one level after seeing 3 steps.
    const counting = () => {
      let seen = 0;
      return {
        name: 'after-three',
        afterStep: (ctx: { level: number }) => (++seen === 3 && ctx.level > 0 ? { level: ctx.level - 1 } : undefined),
        saveState: () => ({ seen }),
        restoreState: (s: unknown) => {
          seen = (s as { seen: number }).seen;
        },
      };
    };
    const config = { ...TEST_CONFIG, sampler: 'euler-ancestral', policy: 'fixed', upshiftNoise: 'fresh' };
    const plain = await collectRun(pipeline.run(config, { hooks: [counting()] }));
    expect(plain.changes.some((c) => typeof c.cause === 'object' && c.cause.hook === 'after-three')).toBe(true);
    const { checkpoints } = await collectRun(pipeline.run(config, { hooks: [counting()], checkpoints: { everySteps: 2 } }));
    expect(checkpoints.map((c) => c.index)).toEqual([2, 4, 6]);
    expect(checkpoints[0]!.checkpoint.hooks).toEqual([{ name: 'after-three', state: { seen: 2 } }]);
    for (const { checkpoint } of checkpoints) {
      same((await collectRun(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(encodeCheckpoint(checkpoint)), hooks: [counting()] }))).done.image, plain.done.image);
    }
  });
});

describe('a resumed run frees what it restored', () => {
  it('when cancelled after its first step, and when its model fails mid-run', async () => {
    const config = { ...TEST_CONFIG, sampler: 'dpmpp-2m-sde', policy: 'pyramid' };
    const maker = instrument(createFactoryGaussianDenoiser());
    const { checkpoints } = await collectRun(pipeline.run(config, { denoiser: maker, checkpoints: { atLevelChange: true } }));
    const cp = checkpoints[0]!.checkpoint;
    expect(cp.model).toEqual({ name: 'instrumented(gaussian)', hash: null });
    const events: StepEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = pipeline.run(undefined, { resumeFrom: cp, denoiser: maker }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type === 'step') {
            sub.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    await pipeline.whenIdle();
    expect(events.map((e) => e.type)).toEqual(['start', 'resolution-change', 'step']);
    expect(tf.memory().numTensors).toBe(baseline);
    const failing = instrument(createFactoryGaussianDenoiser(), 2);
    Object.defineProperty(failing, 'name', { value: maker.name });
    await expect(collectRun(pipeline.run(undefined, { resumeFrom: cp, denoiser: failing }))).rejects.toThrow('boom');
    expect(failing.calls).toHaveLength(2);
    maker.dispose?.();
    failing.dispose?.();
  });
});

describe('stage routing: suspend at a level boundary, continue elsewhere', () => {
  it('levels 1-3, then level 0 from the suspended checkpoint = the uninterrupted run (pyramid, budget, adaptive)', async () => {
    for (const [policy, policyOptions, sampler] of [
      ['pyramid', undefined, 'dpmpp-2m'],
      ['budget', { fraction: 0.5 }, 'dpmpp-2m-sde'],
      ['adaptive', { threshold: 0.001 }, 'heun'],
    ] as const) {
      const config = { ...TEST_CONFIG, batch: 2, policy, sampler, ...(policyOptions ? { policyOptions } : {}) };
      const plain = await collectRun(pipeline.run(config));
      const firstFull = plain.done.stats.levels.indexOf(0);
      const coarse = await collectStage(pipeline.run(config, { levels: { min: 1, max: 3 } }));
      expect(coarse.end.type).toBe('suspended');
      if (coarse.end.type !== 'suspended') return;
      expect(coarse.end.index).toBe(firstFull);
      expect(coarse.end.level).toBe(0);
      expect(coarse.end.reason).toEqual({ kind: 'level-range', level: 0, min: 1, max: 3 });
      expect(coarse.steps).toBe(firstFull);
      expect(coarse.end.stats.levels).toEqual(plain.done.stats.levels.slice(0, firstFull));
      expect(coarse.end.stats.flops).toBeLessThan(plain.done.stats.flops);

      // The level-0 worker receives the bytes. A coarse worker given it again suspends at once.
      const bytes = encodeCheckpoint(coarse.end.checkpoint);
      const again = await collectStage(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(bytes), levels: { min: 1, max: 3 } }));
      expect(again.steps).toBe(0);
      expect(again.end.type === 'suspended' && again.end.index).toBe(firstFull);
      const fine = await collectStage(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(bytes), levels: { max: 0 } }));
      expect(fine.end.type).toBe('done');
      if (fine.end.type !== 'done') return;
      expect(fine.steps).toBe(8 - firstFull);
      same(fine.end.image, plain.done.image);
      expect(fine.end.stats.levels).toEqual(plain.done.stats.levels);
      expect(fine.end.stats.flops).toBe(plain.done.stats.flops);
    }
  });

  it('three stages (spectral: level >= 3, then 1-2, then 0) and stopBefore', async () => {
    const config = { ...TEST_CONFIG, policy: 'spectral', sampler: 'dpmpp-2m' };
    const plain = await collectRun(pipeline.run(config));
    let from: RunCheckpoint | undefined;
    const stages: RunOptions['levels'][] = [{ min: 3 }, { min: 1, max: 2 }, { max: 0 }];
    let image: ImageData4D | undefined;
    for (const levels of stages) {
      const r = await collectStage(pipeline.run(undefined === from ? config : undefined, { levels, ...(from ? { resumeFrom: from } : {}) }));
      if (r.end.type === 'done') image = r.end.image;
      else from = decodeCheckpoint(encodeCheckpoint(r.end.checkpoint));
    }
    same(image!, plain.done.image);

    const stopped = await collectStage(pipeline.run(config, { stopBefore: 5 }));
    expect(stopped.end.type === 'suspended' && stopped.end.reason).toEqual({ kind: 'stop-before', index: 5 });
    if (stopped.end.type !== 'suspended') return;
    same((await collectRun(pipeline.run(config, { resumeFrom: stopped.end.checkpoint }))).done.image, plain.done.image);
    // stopBefore 0 suspends before the first step: a checkpoint of the initial latent.
    const at0 = await collectStage(pipeline.run(config, { stopBefore: 0 }));
    expect(at0.steps).toBe(0);
    if (at0.end.type !== 'suspended') throw new Error('expected a suspension');
    same((await collectRun(pipeline.run(config, { resumeFrom: at0.end.checkpoint }))).done.image, plain.done.image);
  });

  it('suspends at the next step boundary when its suspendSignal aborts (a worker draining)', async () => {
    const config = { ...TEST_CONFIG, policy: 'pyramid', sampler: 'ddpm' };
    const plain = await collectRun(pipeline.run(config));
    const abort = new AbortController();
    const events: StepEvent[] = [];
    const suspended = await new Promise<StepEvent>((resolve, reject) =>
      pipeline.run(config, { suspendSignal: abort.signal }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type === 'step' && e.index === 2) abort.abort();
        },
        error: reject,
        complete: () => resolve(events[events.length - 1]!),
      }),
    );
    expect(suspended.type).toBe('suspended');
    if (suspended.type !== 'suspended') return;
    expect(suspended.reason).toEqual({ kind: 'requested' });
    expect(suspended.index).toBe(3);
    same((await collectRun(pipeline.run(undefined, { resumeFrom: suspended.checkpoint }))).done.image, plain.done.image);
  });
});

describe('resume on wasm with a real UNet (random weights)', () => {
  it('resumes bit for bit from every level-change checkpoint; the checkpoint names the weights by hash', async () => {
    registerWasmBackend(container);
    const config = {
      model: 'emoji-unet',
      modelOptions: { path: RANDOM_UNET },
      backend: 'wasm',
      steps: 6,
      seed: 3,
      batch: 2,
      classLabels: [0, 2],
      guidance: 2,
      policy: 'pyramid',
      sampler: 'dpmpp-2m-sde',
    };
    const plain = await collectRun(pipeline.run(config));
    expect(plain.start.backend).toBe('wasm');
    const { checkpoints } = await collectRun(pipeline.run(config, { checkpoints: { atLevelChange: true } }));
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const { checkpoint } of checkpoints as CheckpointEvent[]) {
      expect(checkpoint.backend).toBe('wasm');
      expect(checkpoint.model.name).toBe('random-unet');
      expect(checkpoint.model.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      same((await collectRun(pipeline.run(undefined, { resumeFrom: decodeCheckpoint(encodeCheckpoint(checkpoint)) }))).done.image, plain.done.image);
    }
    // Stage routing across backends: a wasm run's last step continues on cpu (same model, same
    // hash), equal up to float32 rounding rather than bit for bit. (One unguided image: the
    // UNet is slow on the cpu backend.)
    const light = { ...config, batch: 1, classLabels: null, steps: 4 };
    const whole = await collectRun(pipeline.run(light));
    const early = await collectStage(pipeline.run(light, { stopBefore: 3 }));
    if (early.end.type !== 'suspended') throw new Error('expected a suspension');
    const onCpu = await collectRun(pipeline.run({ ...light, backend: 'cpu' }, { resumeFrom: early.end.checkpoint }));
    expect(onCpu.start.backend).toBe('cpu');
    expect(relativeError(onCpu.done.image.data, whole.done.image.data)).toBeLessThan(1e-4);
  });
});
