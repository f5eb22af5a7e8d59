import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toArray, lastValueFrom, take } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import { readFileSync } from 'node:fs';
import { DenoiserFactory, HookError, PolicyFactory, PowerSpectrumToken, StepHookToken } from '@upshift/core';
import { parsePowerSpectrum } from '@upshift/models';
import type { Denoiser, StepHook, StepProgressEvent, UpshiftPolicy } from '@upshift/core';
import { createFactoryGaussianDenoiser } from '@upshift/testing';
import { Pipeline } from './pipeline.js';
import { collectRun } from './collect-run.js';
import { RunCancelledError } from './run-control.js';
import { TEST_CONFIG, createTestContainer, instrument } from './test-kit.js';
import type { InstrumentedDenoiser } from './test-kit.js';

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

const gaussian = (failAt?: number): InstrumentedDenoiser => instrument(createFactoryGaussianDenoiser(), failAt);

describe('Pipeline.run: events', () => {
  it('emits start, then [resolution-change] + step per step, then done, with the plan and stats', async () => {
    const config = { ...TEST_CONFIG, steps: 10, policy: 'pyramid', batch: 2 };
    const events = await lastValueFrom(pipeline.run(config).pipe(toArray()));

    const start = events[0]!;
    expect(start.type).toBe('start');
    if (start.type !== 'start') return;
    expect(start.backend).toBe('cpu');
    expect(start.config).toMatchObject({ ...config, sampler: 'euler', schedule: 'karras', resizer: 'box-exact', upshiftNoise: 'coupled' });
    const plan = start.plan;
    expect(plan.policy).toBe('pyramid');
    expect(plan.steps).toHaveLength(10);
    const levels = plan.steps.map((s) => s.level);
    expect(levels[0]).toBe(2); // the default pyramid starts at 1/4 side
    expect(levels.at(-1)).toBe(0);
    expect(plan.flopFraction).toBeLessThan(0.8);
    // The gaussian test model counts 3 FLOPs per value: one step at level k costs 3 * 2 * (32/2^k)^2 * 3.
    plan.steps.forEach((s) => expect(s.flops).toBe(3 * 2 * 3 * (32 / 2 ** s.level) ** 2));

    // Order: start, per step an optional resolution-change (only where the level changes), step; done last.
    const expected: string[] = ['start'];
    levels.forEach((level, i) => {
      if (i > 0 && level !== levels[i - 1]) expected.push('resolution-change');
      expected.push('step');
    });
    expected.push('done');
    expect(events.map((e) => e.type)).toEqual(expected);

    const steps = events.filter((e): e is StepProgressEvent => e.type === 'step');
    steps.forEach((e, i) => {
      expect(e.index).toBe(i);
      expect(e.steps).toBe(10);
      expect(e.sigma).toBe(plan.steps[i]!.sigma);
      expect(e.sigmaNext).toBe(plan.steps[i]!.sigmaNext);
      expect(e.level).toBe(levels[i]);
      expect(e.modelCalls).toBe(1);
      expect(e.flops).toBe(plan.steps[i]!.flops);
      expect(e.ms).toBeGreaterThanOrEqual(0);
      expect(e.x.isDisposed).toBe(true); // valid only while emitted
    });
    for (const change of events.filter((e) => e.type === 'resolution-change')) {
      if (change.type !== 'resolution-change') continue;
      expect(change.cause).toBe('plan');
      expect(change.to).toBe(levels[change.index]);
      expect(change.from).toBe(levels[change.index - 1]);
      expect(change.sigmaBefore).toBeCloseTo(plan.steps[change.index]!.sigma / 2 ** change.from, 12);
      expect(change.sigmaAfter).toBeCloseTo(change.sigmaBefore * 2 ** (change.from - change.to), 12);
    }

    const done = events.at(-1)!;
    if (done.type !== 'done') throw new Error('no done');
    expect(done.image.shape).toEqual([2, 32, 32, 3]);
    expect(done.image.data).toBeInstanceOf(Float32Array);
    expect(done.image.data.length).toBe(2 * 32 * 32 * 3);
    expect(done.stats.steps).toBe(10);
    expect(done.stats.levels).toEqual(levels);
    expect(done.stats.modelCalls).toBe(10);
    expect(done.stats.flops).toBe(plan.flops);
    expect(done.stats.flopFraction).toBeCloseTo(plan.flopFraction, 12);
    expect(done.stats.ms).toBeCloseTo(steps.reduce((a, e) => a + e.ms, 0), 6);
    expect(Object.values(done.stats.flopsByLevel).reduce((a, b) => a + b, 0)).toBe(plan.flops);
  });

  it('hands tensors of the right shape to subscribers while the event is emitted', async () => {
    const seen: { level: number; shape: number[]; denoised: number[] }[] = [];
    const events$ = pipeline.run({ ...TEST_CONFIG, policy: 'fixed', policyOptions: { level: 1, sigma: 2 } });
    await new Promise<void>((resolve, reject) =>
      events$.subscribe({
        next: (e) => {
          if (e.type === 'step') seen.push({ level: e.level, shape: e.x.shape, denoised: e.denoised.shape });
        },
        error: reject,
        complete: resolve,
      }),
    );
    expect(seen.some((s) => s.level === 1)).toBe(true);
    for (const s of seen) {
      const side = 32 / 2 ** s.level;
      expect(s.shape).toEqual([1, side, side, 3]);
      expect(s.denoised).toEqual([1, side, side, 3]);
    }
  });

  it('is cold: nothing runs (no model is created) before subscription', async () => {
    let created = 0;
    container.register(DenoiserFactory, {
      useValue: { name: 'spy', description: 'counts creations', create: () => (created++, createFactoryGaussianDenoiser()) },
    });
    const events$ = pipeline.run({ ...TEST_CONFIG, model: 'spy' });
    await new Promise((r) => setTimeout(r, 20));
    expect(created).toBe(0);
    await collectRun(events$);
    expect(created).toBe(1);
  });

  it('samples Gaussian data with exactly the predicted statistics through a three-level upshift', async () => {
    // Data: i.i.d. N(0, v) pixels. In orthonormal coordinates every component evolves alone under
    // Euler: x <- x (v + s s') / (v + s^2) per step (the same at every level, since sigma and
    // the data std both halve per level). Components that exist from the start begin at s_0 z;
    // the detail bands a level change adds begin at s_u z (exact re-noising) at that step. So
    // E[x^2] = sum over bands (share x start^2 x prod of gains^2). Wrong sigma bookkeeping
    // (sigma not divided by 2^k, a wrongly scaled start, no re-noising) misses by far more.
    const v = 0.25;
    const { done, start, changes } = await collectRun(
      pipeline.run({ ...TEST_CONFIG, steps: 30, batch: 4, resolution: { height: 64, width: 64 }, policy: 'pyramid' }),
    );
    expect(changes.map((c) => [c.from, c.to])).toEqual([
      [2, 1],
      [1, 0],
    ]);
    const sig = start.plan.steps.map((s) => s.sigma).concat(0);
    const evolve = (from: number): number => {
      let a = sig[from]! ** 2;
      for (let i = from; i < sig.length - 1; i++) a *= ((v + sig[i]! * sig[i + 1]!) / (v + sig[i]! ** 2)) ** 2;
      return a;
    };
    const [u1, u2] = changes.map((c) => c.index) as [number, number];
    const predicted = evolve(0) / 16 + (3 / 16) * evolve(u1) + (12 / 16) * evolve(u2);
    const d = done.image.data;
    let power = 0;
    for (const x of d) power += x * x;
    power /= d.length;
    expect(Math.abs(power / predicted - 1)).toBeLessThan(0.03); // sampling s.e. of the power ~0.6 %
    // The 4x4 block means (the level-2 components, x 4 to be orthonormal) evolved from step 0.
    const [n, h, w, c] = done.image.shape;
    let low = 0;
    let count = 0;
    for (let b = 0; b < n; b++)
      for (let by = 0; by < h; by += 4)
        for (let bx = 0; bx < w; bx += 4)
          for (let ch = 0; ch < c; ch++) {
            let m = 0;
            for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) m += d[((b * h + by + y) * w + bx + x) * c + ch]!;
            low += (m / 4) ** 2;
            count++;
          }
    expect(Math.abs(low / count / evolve(0) - 1)).toBeLessThan(0.1); // s.e. ~2.6 %
  });

  it('step events carry previews (the x0 estimate as plain data) when asked', async () => {
    const previews: { level: number; shape: readonly number[]; n: number }[] = [];
    const events = await lastValueFrom(pipeline.run({ ...TEST_CONFIG, policy: 'pyramid', previews: true }).pipe(toArray()));
    for (const e of events) if (e.type === 'step') previews.push({ level: e.level, shape: e.preview!.shape, n: e.preview!.data.length });
    expect(previews).toHaveLength(8);
    for (const p of previews) {
      const side = 32 / 2 ** p.level;
      expect(p.shape).toEqual([1, side, side, 3]);
      expect(p.n).toBe(side * side * 3);
    }
    const plain = await lastValueFrom(pipeline.run(TEST_CONFIG).pipe(toArray()));
    expect(plain.some((e) => e.type === 'step' && e.preview !== undefined)).toBe(false);
  });
});

describe('Pipeline.run: cancellation and errors', () => {
  it('stops before the next model call when unsubscribed mid-run and frees every tensor', async () => {
    const denoiser = gaussian();
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      const sub = pipeline.run({ ...TEST_CONFIG, steps: 20, policy: 'pyramid' }, { denoiser }).subscribe({
        next: (e) => {
          if (e.type !== 'step') return;
          seen.push(e.index);
          if (e.index === 2) {
            sub.unsubscribe();
            resolve();
          }
        },
      });
    });
    await pipeline.whenIdle();
    expect(seen).toEqual([0, 1, 2]);
    expect(denoiser.calls).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(baseline);
    expect(denoiser.disposed).toBe(false); // a denoiser passed in is the caller's
  });

  it('stops when unsubscribed from outside between steps (the loop yields to the event loop)', async () => {
    const denoiser = gaussian();
    let steps = 0;
    const sub = pipeline.run({ ...TEST_CONFIG, steps: 200 }, { denoiser }).subscribe((e) => {
      if (e.type === 'step') steps++;
    });
    while (steps < 2) await new Promise((r) => setImmediate(r));
    sub.unsubscribe();
    await pipeline.whenIdle();
    expect(denoiser.calls.length).toBeLessThanOrEqual(steps + 1);
    expect(denoiser.calls.length).toBeLessThan(200);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('makes no model call when unsubscribed right away', async () => {
    const denoiser = gaussian();
    pipeline.run(TEST_CONFIG, { denoiser }).subscribe().unsubscribe();
    await pipeline.whenIdle();
    expect(denoiser.calls).toHaveLength(0);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('take(n) cancels too', async () => {
    const denoiser = gaussian();
    const first = await lastValueFrom(pipeline.run({ ...TEST_CONFIG, steps: 12 }, { denoiser }).pipe(take(3), toArray()));
    expect(first.map((e) => e.type)).toEqual(['start', 'step', 'step']);
    await pipeline.whenIdle();
    expect(denoiser.calls).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('sends an error thrown by the denoiser to the error channel, tensors freed', async () => {
    const denoiser = gaussian(4);
    const types: string[] = [];
    const error = await new Promise<unknown>((resolve) =>
      pipeline.run({ ...TEST_CONFIG, policy: 'pyramid', sampler: 'dpmpp-2m' }, { denoiser }).subscribe({
        next: (e) => types.push(e.type),
        error: resolve,
        complete: () => resolve(undefined),
      }),
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('boom');
    expect(types.filter((t) => t === 'step')).toHaveLength(3);
    expect(types).not.toContain('done');
    expect(tf.memory().numTensors).toBe(baseline); // freed before the error is delivered
  });

  it('cancels running runs when the pipeline is disposed; their subscribers get RunCancelledError', async () => {
    const denoiser = gaussian();
    const result = collectRun(
      pipeline.run({ ...TEST_CONFIG, steps: 200 }, { denoiser, hooks: [{ name: 'dispose-at-3', afterStep: (c) => (c.index === 3 ? pipeline.dispose() : undefined) }] }),
    );
    await expect(result).rejects.toBeInstanceOf(RunCancelledError);
    expect(denoiser.calls).toHaveLength(4);
    await expect(collectRun(pipeline.run(TEST_CONFIG))).rejects.toThrow(/disposed/);
  });
});

describe('Pipeline.run: a denoiser that answers asynchronously (as a worker pool does)', () => {
  /** `inner` answering after `delayMs`; records the signal of each call and frees results nobody takes. */
  function later(inner: Denoiser, delayMs: number) {
    const signals: (AbortSignal | undefined)[] = [];
    let lateResults = 0;
    const d: Denoiser = {
      name: 'later',
      channels: inner.channels,
      async denoise(x, sigma, ctx, options) {
        signals.push(options?.signal);
        const out = await inner.denoise(x, sigma, ctx);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (options?.signal?.aborted) lateResults++;
        return out;
      },
    };
    return { d, signals, lateResults: () => lateResults };
  }

  it('gives the same image bit for bit as the synchronous denoiser', async () => {
    const sync = await collectRun(pipeline.run({ ...TEST_CONFIG, policy: 'pyramid', sampler: 'heun' }, { denoiser: gaussian() }));
    const async = await collectRun(pipeline.run({ ...TEST_CONFIG, policy: 'pyramid', sampler: 'heun' }, { denoiser: later(gaussian(), 1).d }));
    expect(Array.from(async.done.image.data)).toEqual(Array.from(sync.done.image.data));
  });

  it("passes the run's abort signal to every call; disposing the pipeline aborts it", async () => {
    const slow = later(gaussian(), 5);
    const result = collectRun(
      pipeline.run({ ...TEST_CONFIG, steps: 50 }, { denoiser: slow.d, hooks: [{ name: 'dispose-at-1', afterStep: (c) => (c.index === 1 ? pipeline.dispose() : undefined) }] }),
    );
    await expect(result).rejects.toBeInstanceOf(RunCancelledError);
    expect(slow.signals).toHaveLength(2);
    expect(slow.signals[0]).toBeInstanceOf(AbortSignal);
    expect(slow.signals[1]).toBe(slow.signals[0]);
    expect(slow.signals[0]!.aborted).toBe(true);
    expect(slow.signals[0]!.reason).toBeInstanceOf(RunCancelledError);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('unsubscribing while a call is pending ends the run before the answer arrives; the answer is freed', async () => {
    const slow = later(gaussian(), 400);
    let steps = 0;
    const sub = pipeline.run({ ...TEST_CONFIG, steps: 50 }, { denoiser: slow.d }).subscribe((e) => {
      if (e.type === 'step') steps++;
    });
    while (slow.signals.length < 2) await new Promise((r) => setTimeout(r, 5));
    const cancelledAt = performance.now();
    sub.unsubscribe();
    await pipeline.whenIdle();
    // The run's own tensors are freed without waiting for the pending answer (400 ms).
    expect(performance.now() - cancelledAt).toBeLessThan(300);
    expect(steps).toBe(1);
    expect(slow.signals[1]!.aborted).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(slow.lateResults()).toBe(1);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('Pipeline.run: step hooks', () => {
  it('honours a level change on the next step, then returns to the plan', async () => {
    const denoiser = gaussian();
    const hook: StepHook = { name: 'coarser-at-3', afterStep: (c) => (c.index === 2 ? { level: 1 } : undefined) };
    const events = await lastValueFrom(pipeline.run({ ...TEST_CONFIG, policy: 'none' }, { denoiser, hooks: [hook] }).pipe(toArray()));
    const levels = events.filter((e): e is StepProgressEvent => e.type === 'step').map((e) => e.level);
    expect(levels).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    expect(denoiser.calls.map((c) => c.shape[1])).toEqual([32, 32, 32, 16, 32, 32, 32, 32]);
    const changes = events.filter((e) => e.type === 'resolution-change');
    expect(changes).toMatchObject([
      { index: 3, from: 0, to: 1, cause: { hook: 'coarser-at-3' } },
      { index: 4, from: 1, to: 0, cause: 'plan' },
    ]);
    // The sigma the model sees at level 1 is the grid sigma / 2.
    const start = events[0]!;
    if (start.type !== 'start') throw new Error('no start');
    expect(denoiser.calls[3]!.sigma).toBeCloseTo(start.plan.steps[3]!.sigma / 2, 12);
  });

  it('uses replacement latents for the next step and takes ownership of them', async () => {
    const denoiser = gaussian();
    const hook: StepHook = { name: 'zero', afterStep: (c) => (c.index === 1 ? { latents: tf.zerosLike(c.x) } : undefined) };
    await collectRun(pipeline.run(TEST_CONFIG, { denoiser, hooks: [hook] }));
    expect(denoiser.calls[1]!.meanAbs).toBeGreaterThan(0.1);
    expect(denoiser.calls[2]!.meanAbs).toBe(0);
  });

  it('runs container hooks, then the run hooks, then the policy hook, each seeing the previous decision', async () => {
    const order: string[] = [];
    const nextLevels: number[] = [];
    container.register(StepHookToken, { useValue: { name: 'injected', afterStep: (c) => (order.push(`injected@${c.index}`), { level: 1 }) } });
    const policy: UpshiftPolicy = {
      name: 'spy',
      levels: (ctx) => ctx.sigmas.slice(0, -1).map(() => 0),
      hook: () => ({ name: 'policy', afterStep: (c) => (order.push(`policy@${c.index}`), nextLevels.push(c.nextLevel), undefined) }),
    };
    container.register(PolicyFactory, { useValue: { name: 'spy', description: 'spy', create: () => policy } });
    const run: StepHook = { name: 'run', afterStep: (c) => (order.push(`run@${c.index}`), nextLevels.push(c.nextLevel), undefined) };
    const { done } = await collectRun(pipeline.run({ ...TEST_CONFIG, steps: 3, policy: 'spy' }, { hooks: [run] }));
    expect(order).toEqual(['injected@0', 'run@0', 'policy@0', 'injected@1', 'run@1', 'policy@1']);
    expect(nextLevels).toEqual([1, 1, 1, 1]);
    expect(done.stats.levels).toEqual([0, 1, 1]);
  });

  it('rejects a field outside the allow-list with a HookError naming hook and field', async () => {
    const hook = { name: 'sneaky', afterStep: () => ({ sigma: 3 }) } as unknown as StepHook;
    const error = await collectRun(pipeline.run(TEST_CONFIG, { hooks: [hook] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect(error).toMatchObject({ hook: 'sneaky', field: 'sigma' });
    expect((error as Error).message).toMatch(/sneaky.*sigma.*allowed: level, latents/);
  });

  it('rejects a level outside [0, maxLevel] and latents of the wrong shape, freeing the offered tensor', async () => {
    const deep: StepHook = { name: 'deep', afterStep: () => ({ level: 9 }) };
    await expect(collectRun(pipeline.run(TEST_CONFIG, { hooks: [deep] }))).rejects.toMatchObject({ name: 'HookError', field: 'level', hook: 'deep' });
    const fraction: StepHook = { name: 'half', afterStep: () => ({ level: 0.5 }) };
    await expect(collectRun(pipeline.run(TEST_CONFIG, { hooks: [fraction] }))).rejects.toMatchObject({ name: 'HookError', field: 'level' });
    let offered: tf.Tensor | undefined;
    const wrong: StepHook = { name: 'wrong-shape', afterStep: () => ({ latents: (offered = tf.zeros([1, 16, 16, 3])) as tf.Tensor4D }) };
    const error = await collectRun(pipeline.run(TEST_CONFIG, { hooks: [wrong] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HookError', field: 'latents', hook: 'wrong-shape' });
    expect((error as Error).message).toMatch(/\[1, 16, 16, 3\].*\[1, 32, 32, 3\]/);
    expect(offered!.isDisposed).toBe(true);
    const notTensor = { name: 'array', afterStep: () => ({ latents: [1, 2, 3] }) } as unknown as StepHook;
    await expect(collectRun(pipeline.run(TEST_CONFIG, { hooks: [notTensor] }))).rejects.toMatchObject({ field: 'latents' });
  });
});

describe('Pipeline.run: determinism and models', () => {
  const imageOf = async (config: object): Promise<Float32Array> => (await collectRun(pipeline.run(config))).done.image.data;

  it('gives bit-identical output for the same seed, different output for another seed', async () => {
    const config = { ...TEST_CONFIG, steps: 10, sampler: 'euler-ancestral', policy: 'pyramid', upshiftNoise: 'fresh', batch: 2 };
    const a = await imageOf(config);
    const b = await imageOf(config);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const c = await imageOf({ ...config, seed: 2 });
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    const coupled = await imageOf({ ...config, upshiftNoise: 'coupled' });
    expect(Buffer.from(a.buffer).equals(Buffer.from(coupled.buffer))).toBe(false);
  });

  it('coupled upshift keeps a run paired with the same-seed full-resolution run', async () => {
    const base = { ...TEST_CONFIG, steps: 20 };
    const full = await imageOf({ ...base, policy: 'none' });
    const coupled = await imageOf({ ...base, policy: 'pyramid', upshiftNoise: 'coupled' });
    const fresh = await imageOf({ ...base, policy: 'pyramid', upshiftNoise: 'fresh' });
    const corr = (a: Float32Array, b: Float32Array): number => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += a[i]! * b[i]!;
        aa += a[i]! ** 2;
        bb += b[i]! ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    expect(corr(full, coupled)).toBeGreaterThan(0.95);
    expect(corr(full, fresh)).toBeLessThan(corr(full, coupled) - 0.3);
  });

  it('creates a model once per (model, options) and disposes it with the pipeline', async () => {
    const made: InstrumentedDenoiser[] = [];
    container.register(DenoiserFactory, {
      useValue: { name: 'spy', description: 'spy', create: (): Denoiser => (made.push(gaussian()), made.at(-1)!) },
    });
    await collectRun(pipeline.run({ ...TEST_CONFIG, model: 'spy', policy: 'none' }));
    await collectRun(pipeline.run({ ...TEST_CONFIG, model: 'spy', policy: 'pyramid' }));
    expect(made).toHaveLength(1);
    await collectRun(pipeline.run({ ...TEST_CONFIG, model: 'spy', modelOptions: { other: true } }));
    expect(made).toHaveLength(2);
    expect(made.map((d) => d.disposed)).toEqual([false, false]);
    pipeline.dispose();
    expect(made.map((d) => d.disposed)).toEqual([true, true]);
  });

  it('uses the model native resolution by default, else 64 x 64', async () => {
    container.register(DenoiserFactory, {
      useValue: { name: 'native', description: '16 px', create: () => createFactoryGaussianDenoiser({ mean: 0, std: 0.5, channels: 1, resolution: 16 }) },
    });
    const { done, start } = await collectRun(pipeline.run({ model: 'native', backend: 'cpu', steps: 2 }));
    expect(done.image.shape).toEqual([1, 16, 16, 1]);
    expect(start.config['resolution']).toEqual({ height: 16, width: 16 });
    const plain = await collectRun(pipeline.run({ model: 'gaussian', backend: 'cpu', steps: 2 }));
    expect(plain.done.image.shape).toEqual([1, 64, 64, 3]);
  });

  it('gives the spectrum (PowerSpectrumToken) to spectral policies and the detail-prior resizer', async () => {
    const json = JSON.parse(readFileSync(new URL('../../models/assets/emoji-unet/config.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const config = { ...TEST_CONFIG, resolution: { height: 64, width: 64 }, steps: 12, policy: 'spectral', resizer: 'detail-prior' };
    // Without a spectrum, both need one and say so.
    await expect(collectRun(pipeline.run({ ...config, resizer: 'box-exact' }))).rejects.toMatchObject({ name: 'ConfigError', field: 'policyOptions.spectrum' });
    await expect(collectRun(pipeline.run({ ...config, policy: 'none' }))).rejects.toMatchObject({ name: 'ConfigError', field: 'resizerOptions.spectrum' });
    container.register(PowerSpectrumToken, { useValue: parsePowerSpectrum(json['spectrum']) });
    const { start, changes, done } = await collectRun(pipeline.run(config));
    expect(start.plan.steps[0]!.level).toBeGreaterThan(0);
    expect(changes.length).toBeGreaterThan(0);
    expect(done.image.data.every(Number.isFinite)).toBe(true);
    const budget = await collectRun(pipeline.run({ ...config, policy: 'budget', policyOptions: { fraction: 0.5 }, resizer: 'box-exact' }));
    expect(budget.start.plan.flopFraction).toBeLessThanOrEqual(0.5);
    expect(budget.done.stats.flopFraction).toBeCloseTo(budget.start.plan.flopFraction, 12);
  });

  it('appends the adaptive policy hook: it may only upshift earlier than the plan', async () => {
    const { start, changes, done } = await collectRun(pipeline.run({ ...TEST_CONFIG, steps: 16, policy: 'adaptive', policyOptions: { threshold: 0.001 } }));
    const planned = start.plan.steps.map((s) => s.level);
    done.stats.levels.forEach((level, i) => expect(level).toBeLessThanOrEqual(planned[i]!));
    for (const c of changes) expect(c.to).toBeLessThan(c.from);
    expect(changes.some((c) => typeof c.cause === 'object' && c.cause.hook === 'adaptive')).toBe(true);
  });

  it('runs other samplers, schedules and resizers end to end, with planned FLOPs = measured FLOPs', async () => {
    for (const [sampler, schedule, resizer] of [
      ['heun', 'karras', 'dct-exact'],
      ['dpmpp-2m', 'vp-cosine', 'box-exact'],
      ['ddpm', 'exponential', 'bilinear'],
      ['dpmpp-2m-sde', 'flow-matching', 'box-exact'],
    ] as const) {
      const { done, start } = await collectRun(pipeline.run({ ...TEST_CONFIG, policy: 'pyramid', sampler, schedule, resizer }));
      expect(done.image.data.every(Number.isFinite)).toBe(true);
      expect(done.stats.modelCalls).toBe(sampler === 'heun' ? 2 * 8 - 1 : 8);
      expect(done.stats.flops).toBe(start.plan.flops);
    }
  });
});
