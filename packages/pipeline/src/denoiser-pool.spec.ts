/**
 * The denoiser pool through the pipeline (worker threads, the random-weights UNet fixture on
 * wasm): the same images bit for bit as the single-thread run for every sampler and for batch
 * splits that do not divide evenly, workers reused across runs, a model error and a worker that
 * dies mid-run on the error channel with everything freed, cancellation mid-call, no tensors
 * left in the main thread or the workers, and a process that exits after `dispose`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DenoiserWorkerError } from '@upshift/core';
import type { DenoiserPool, StartEvent } from '@upshift/core';
import { typeScriptLoaderUrl } from '@upshift/denoiser-pool';
import { Pipeline } from './pipeline.js';
import { collectRun } from './collect-run.js';
import { RANDOM_UNET, createPoolTestContainer } from './test-pool-kit.js';

/** The one shared scenario: 3 images (one unconditional), guidance 2, a pyramid of levels, 4 steps. */
const SCENARIO = {
  model: 'emoji-unet',
  modelOptions: { path: RANDOM_UNET },
  backend: 'wasm',
  steps: 4,
  seed: 5,
  batch: 3,
  classLabels: [0, null, 2],
  guidance: 2,
  policy: 'pyramid',
} as const;

const SAMPLERS = ['euler', 'heun', 'ddim', 'ddpm', 'euler-ancestral', 'dpmpp-2m', 'dpmpp-2m-sde'] as const;

let pipeline: Pipeline;
const logs: string[] = [];
let baseline: number;

async function image(config: object): Promise<{ data: number[]; start: StartEvent }> {
  const { done, start } = await collectRun(pipeline.run(config, { log: (m) => logs.push(m) }));
  return { data: Array.from(done.image.data), start };
}

/** Every worker of every pool holds exactly its model's weights. */
async function expectWorkersClean(): Promise<void> {
  for (const pool of pipeline.pools()) {
    const memory = await pool.workerMemory();
    expect(memory).toHaveLength(pool.workers);
    for (const m of memory) expect(m.numTensors, `worker ${m.workerId}`).toBe(m.modelTensors);
  }
}

beforeAll(async () => {
  pipeline = new Pipeline(createPoolTestContainer());
  await collectRun(pipeline.run({ ...SCENARIO, steps: 1 })); // load the local model, activate wasm
  baseline = tf.memory().numTensors;
}, 120_000);

afterAll(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
});

describe('denoiser pool: equality with the single-thread run', () => {
  it.each(SAMPLERS)('%s: two workers give the single-thread image bit for bit', async (sampler) => {
    const single = await image({ ...SCENARIO, sampler, workers: 1 });
    const pooled = await image({ ...SCENARIO, sampler, workers: 2 });
    expect(single.start.workers).toBe(1);
    expect(pooled.start.workers).toBe(2);
    expect(pooled.start.config['workers']).toBe(2);
    expect(pooled.data).toEqual(single.data);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 60_000);

  it('reuses the workers across runs: the pool was started (and the model loaded in each worker) once', () => {
    expect(logs.filter((l) => l.startsWith('workers: starting 2 worker threads'))).toHaveLength(1);
    expect(pipeline.pools().map((p) => p.workers)).toEqual([2]);
  });

  const splits: [number, number, number][] = [
    // [batch, guidance, workers]: rows = batch (x2 guided), split in contiguous ranges
    [1, 1, 2], // 1 row: runs on this thread (a pool would idle)
    [1, 2, 2], // 2 rows: the halves of one guided image, one per worker
    [3, 1, 2], // 2 + 1
    [3, 2, 2], // 3 + 3
    [9, 1, 2], // 5 + 4
    [9, 2, 2], // 9 + 9
    [3, 1, 3], // 1 + 1 + 1
    [9, 2, 3], // 6 + 6 + 6
  ];
  it.each(splits)('batch %i, guidance %i, %i workers: the single-thread image bit for bit', async (batch, guidance, workers) => {
    const config = { ...SCENARIO, sampler: 'euler', steps: 2, batch, guidance, classLabels: Array.from({ length: batch }, (_, i) => (i % 4 === 3 ? null : i % 3)) };
    const single = await image({ ...config, workers: 1 });
    const pooled = await image({ ...config, workers });
    expect(pooled.start.workers).toBe(Math.min(workers, batch * (guidance === 1 ? 1 : 2)) > 1 ? Math.min(workers, batch * (guidance === 1 ? 1 : 2)) : 1);
    expect(pooled.data).toEqual(single.data);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 60_000);

  it('a checkpoint taken on two workers resumes on this thread (and back) bit for bit', async () => {
    const config = { ...SCENARIO, sampler: 'dpmpp-2m' };
    const whole = await image({ ...config, workers: 1 });
    const taken = await collectRun(pipeline.run({ ...config, workers: 2 }, { checkpoints: { everySteps: 2 } }));
    expect(taken.start.workers).toBe(2);
    expect(Array.from(taken.done.image.data)).toEqual(whole.data);
    const checkpoint = taken.checkpoints[0]!.checkpoint;
    const resumed = await collectRun(pipeline.run({ ...config, workers: 1 }, { resumeFrom: checkpoint }));
    expect(Array.from(resumed.done.image.data)).toEqual(whole.data);
    const single = await collectRun(pipeline.run({ ...config, workers: 1 }, { checkpoints: { everySteps: 2 } }));
    const back = await collectRun(pipeline.run({ ...config, workers: 2 }, { resumeFrom: single.checkpoints[0]!.checkpoint }));
    expect(back.start.workers).toBe(2);
    expect(Array.from(back.done.image.data)).toEqual(whole.data);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 60_000);

  it('leaves no tensors in the main thread or in any worker (each worker reports tf.memory())', async () => {
    expect(tf.memory().numTensors).toBe(baseline);
    expect(pipeline.pools().length).toBeGreaterThanOrEqual(2);
    await expectWorkersClean();
  });
});

describe('denoiser pool: failures and cancellation', () => {
  const faulty = (options: object, workers = 2) => ({ ...SCENARIO, model: 'faulty-unet', modelOptions: options, steps: 6, workers });
  /** Tensors on this thread once the faulty model's main-thread copy is cached (it misbehaves only in workers). */
  const warm = async (options: object): Promise<number> => {
    await collectRun(pipeline.run({ ...faulty(options, 1), steps: 1 }));
    return tf.memory().numTensors;
  };

  it('a model error in a worker reaches the run error channel; main and workers are freed; the pool goes on', async () => {
    const before = await warm({ throwAt: 3 });
    const error = await collectRun(pipeline.run(faulty({ throwAt: 3 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DenoiserWorkerError);
    expect((error as DenoiserWorkerError).workerErrorName).toBe('ConfigError');
    expect((error as Error).message).toMatch(/model failure in a worker \(test\)/);
    await pipeline.whenIdle();
    expect(tf.memory().numTensors).toBe(before);
    await expectWorkersClean();
  }, 60_000);

  it('a worker that dies mid-run reaches the error channel (WorkerStopped); everything is freed; the next run works', async () => {
    const before = await warm({ exitAt: 2 });
    const error = await collectRun(pipeline.run(faulty({ exitAt: 2 }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DenoiserWorkerError);
    expect((error as DenoiserWorkerError).workerErrorName).toBe('WorkerStopped');
    expect((error as Error).message).toMatch(/exit code 3/);
    await pipeline.whenIdle();
    expect(tf.memory().numTensors).toBe(before);
    const single = await image({ ...SCENARIO, sampler: 'heun', workers: 1 });
    const pooled = await image({ ...SCENARIO, sampler: 'heun', workers: 2 });
    expect(pooled.data).toEqual(single.data);
  }, 60_000);

  it('a model that cannot load in the workers fails the run before its first step', async () => {
    const before = await warm({ failLoad: true });
    const types: string[] = [];
    const error = await new Promise<unknown>((resolve) =>
      pipeline.run(faulty({ failLoad: true }, 3)).subscribe({ next: (e) => types.push(e.type), error: resolve, complete: () => resolve(undefined) }),
    );
    expect(error).toBeInstanceOf(DenoiserWorkerError);
    expect((error as Error).message).toMatch(/ModelLoadError: .*load failure in a worker \(test\)/);
    expect(types).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('cancel mid-run: the run ends at once (not after the running forward passes), no further call reaches a worker, nothing leaks', async () => {
    const slow = faulty({ delayMs: 400 });
    const before = await warm({ delayMs: 400 });
    let steps = 0;
    const known = new Set(pipeline.pools());
    const sub = pipeline.run({ ...slow, steps: 20 }).subscribe((e) => {
      if (e.type === 'step') steps++;
    });
    while (steps < 1) await new Promise((r) => setTimeout(r, 10));
    const pool: DenoiserPool | undefined = pipeline.pools().find((p) => !known.has(p));
    await new Promise((r) => setTimeout(r, 100)); // inside the second step's model call
    const t0 = performance.now();
    sub.unsubscribe();
    await pipeline.whenIdle();
    expect(performance.now() - t0).toBeLessThan(300);
    expect(steps).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // The running requests finish on their workers; nothing more is sent.
    await new Promise((r) => setTimeout(r, 1000));
    expect(pool).toBeDefined();
    const served = (await pool!.workerMemory()).reduce((a, m) => a + m.calls, 0);
    await new Promise((r) => setTimeout(r, 600));
    expect((await pool!.workerMemory()).reduce((a, m) => a + m.calls, 0)).toBe(served);
    await expectWorkersClean();
  }, 60_000);

  it('an impossible explicit worker count is a ConfigError before any model loads; "auto" falls back', async () => {
    const error = await collectRun(pipeline.run({ ...SCENARIO, workers: 2, backend: 'cpu' }, { denoiser: { name: 'mine', channels: 3, denoise: (x) => x.clone() } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('workers');
    await expect(collectRun(pipeline.run({ ...SCENARIO, workers: 0 }))).rejects.toThrow('Invalid workers = 0: must be >= 1');
    await expect(collectRun(pipeline.run({ ...SCENARIO, workers: 'many' }))).rejects.toThrow('Invalid workers = "many": must be "auto" or an integer in [1, 256]');
    const auto = await image({ ...SCENARIO, batch: 1, classLabels: null, guidance: 1, steps: 1, workers: 'auto' });
    expect(auto.start.workers).toBe(1); // one row per call: a pool would idle
  }, 60_000);
});

describe('denoiser pool: shutdown', () => {
  it('the process exits by itself after dispose (no worker or other handle left)', async () => {
    const script = fileURLToPath(new URL('./test-exit-after-dispose.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', typeScriptLoaderUrl(), script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 60_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code, `stderr: ${err}`).toBe(0);
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ workers: 2, shape: [2, 32, 32, 3], pools: 1 });
  }, 90_000);
});
