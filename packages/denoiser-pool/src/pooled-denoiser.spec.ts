import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import workerpool from 'workerpool';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DenoiserWorkerError, UpshiftError, createNoiseSource } from '@upshift/core';
import type { DenoiserContext, DenoiserPoolSpec } from '@upshift/core';
import { createDenoiserPoolProvider } from './denoiser-pool-provider.js';
import { PooledDenoiser } from './pooled-denoiser.js';
import { splitRows } from './row-split.js';
import { createAffineModel } from './test-models.js';
import type { AffineOptions } from './test-models.js';
import { nodeWorkerStart } from './worker-runtime.js';

const SCRIPT = new URL('./test-pool-worker.ts', import.meta.url);
const local = createAffineModel();

/** A pool of `workers` over the test worker, keeping the workerpool handle (to kill a thread). */
async function startPool(workers: number, options: AffineOptions = {}) {
  const start = nodeWorkerStart(SCRIPT);
  const pool = workerpool.pool(start.path, { minWorkers: workers, maxWorkers: workers, workerType: 'thread', workerThreadOpts: { execArgv: [...start.execArgv!] } });
  const spec: DenoiserPoolSpec = { model: 'affine', modelOptions: options, backend: 'cpu' };
  const denoiser = await PooledDenoiser.start({ pool, terminate: () => new Promise((r) => void pool.terminate(true).then(() => r())), spec, workers, local });
  return { pool, denoiser };
}

const input = (n: number, side = 8): tf.Tensor4D => tf.tidy(() => tf.mul(createNoiseSource(n).normal<tf.Rank.R4>([n, side, side, 3]), 2) as tf.Tensor4D);

async function values(t: tf.Tensor | Promise<tf.Tensor>): Promise<number[]> {
  const tensor = await t;
  const v = Array.from(await tensor.data());
  tensor.dispose();
  return v;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('splitRows', () => {
  it.each([
    [1, 2, [[0, 1]]],
    [3, 2, [[0, 2], [2, 3]]],
    [9, 2, [[0, 5], [5, 9]]],
    [18, 2, [[0, 9], [9, 18]]],
    [6, 4, [[0, 2], [2, 4], [4, 5], [5, 6]]],
    [2, 8, [[0, 1], [1, 2]]],
  ])('%i rows over %i workers: %j', (rows, workers, expected) => {
    const ranges = splitRows(rows, workers);
    expect(ranges).toEqual(expected);
    expect(ranges.reduce((a, [s, e]) => a + (e - s), 0)).toBe(rows);
  });

  it('rejects a non-positive count', () => {
    expect(() => splitRows(0, 2)).toThrow(/rows/);
    expect(() => splitRows(3, 0)).toThrow(/workers/);
  });
});

describe('PooledDenoiser (two worker threads, the affine test model)', () => {
  let pool: Awaited<ReturnType<typeof startPool>>;
  beforeAll(async () => {
    pool = await startPool(2);
  }, 60_000);
  afterAll(async () => {
    pool.denoiser.dispose();
    await pool.denoiser.closed;
  });

  it('loads the model once on each worker at start', () => {
    expect(pool.denoiser.loaded).toHaveLength(2);
    expect(new Set(pool.denoiser.loaded.map((r) => r.workerId)).size).toBe(2);
    expect(pool.denoiser.loaded.every((r) => r.model === 'affine' && r.backend === 'cpu')).toBe(true);
  });

  const cases: [number, DenoiserContext][] = [1, 3, 9].flatMap((n) => [
    [n, { level: 1, classLabels: Array.from({ length: n }, (_, i) => (i % 3 === 2 ? null : i % 4)) }],
    [n, { level: 1, classLabels: Array.from({ length: n }, (_, i) => (i % 3 === 2 ? null : i % 4)), guidance: 2.5 }],
  ]);
  it.each(cases)('batch %i, %j: bit for bit the local model, input untouched, no leak', async (n, ctx) => {
    const x = input(n);
    const before = Array.from(x.dataSync());
    const baseline = tf.memory().numTensors;
    const expected = await values(local.denoise(x, 0.7, ctx));
    const got = await values(pool.denoiser.denoise(x, 0.7, ctx));
    expect(got).toEqual(expected);
    expect(Array.from(x.dataSync())).toEqual(before);
    expect(tf.memory().numTensors).toBe(baseline);
    x.dispose();
  });

  it('spreads a guided call of one image over both workers (its two halves)', async () => {
    const before = await pool.denoiser.workerMemory();
    const x = input(1);
    await values(pool.denoiser.denoise(x, 1, { level: 0, classLabels: [2], guidance: 3 }));
    x.dispose();
    const after = await pool.denoiser.workerMemory();
    const served = after.map((a) => a.calls - before.find((b) => b.workerId === a.workerId)!.calls);
    expect(served).toEqual([1, 1]);
  });

  it('leaves no tensors in the workers (each worker reports tf.memory())', async () => {
    const memory = await pool.denoiser.workerMemory();
    expect(memory).toHaveLength(2);
    for (const m of memory) {
      expect(m.backend).toBe('cpu');
      expect(m.calls).toBeGreaterThan(0);
      // The affine model holds no weights: nothing may be left after its calls.
      expect(m.numTensors).toBe(m.modelTensors);
    }
  });

  it('validates its input before any work, with ConfigError naming the field', async () => {
    const x = input(2);
    await expect(pool.denoiser.denoise(x, 1, { level: 0, classLabels: [1] })).rejects.toThrow(ConfigError);
    await expect(pool.denoiser.denoise(x, Number.NaN, { level: 0 })).rejects.toThrow(/sigma/);
    x.dispose();
  });

  it('cancel: pending requests of an aborted call never run; the call rejects at once with the reason', async () => {
    const slow = await startPool(1, { delayMs: 300 });
    try {
      const x = input(2);
      const first = slow.denoiser.denoise(x, 1, { level: 0 }); // 2 rows on 1 worker: one running, then the next
      const abort = new AbortController();
      const second = slow.denoiser.denoise(x, 1, { level: 0 }, { signal: abort.signal }); // queued behind the first
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      abort.abort(new UpshiftError('cancelled (test)'));
      await expect(second).rejects.toThrow('cancelled (test)');
      expect(performance.now() - t0).toBeLessThan(100);
      await values(first);
      const [m] = await slow.denoiser.workerMemory();
      expect(m!.calls).toBe(1); // the first call's single request; the second's never ran
      // An abort mid-call: the running request finishes on its worker, the call rejects now.
      const abort2 = new AbortController();
      const third = slow.denoiser.denoise(x, 1, { level: 0 }, { signal: abort2.signal });
      await new Promise((r) => setTimeout(r, 50));
      const t1 = performance.now();
      abort2.abort(new UpshiftError('cancelled mid-call (test)'));
      await expect(third).rejects.toThrow('cancelled mid-call (test)');
      expect(performance.now() - t1).toBeLessThan(100);
      x.dispose();
      expect(tf.memory().numTensors).toBe(0);
    } finally {
      slow.denoiser.dispose();
      await slow.denoiser.closed;
    }
  }, 60_000);
});

describe('PooledDenoiser failures', () => {
  it('a model error in a worker rejects the call with DenoiserWorkerError (its name and message); the pool goes on', async () => {
    const p = await startPool(2, { throwAt: 2 });
    try {
      const x = input(2);
      await values(p.denoiser.denoise(x, 1, { level: 0 })); // call 1 on both workers
      const error = await p.denoiser.denoise(x, 1, { level: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DenoiserWorkerError);
      expect((error as DenoiserWorkerError).workerErrorName).toBe('ConfigError');
      expect((error as Error).message).toMatch(/a denoiser worker failed: ConfigError: Invalid affine.call = 2: model failure \(test\)/);
      expect(tf.memory().numTensors).toBe(1); // x only
      const again = await values(p.denoiser.denoise(x, 1, { level: 0 }));
      expect(again).toEqual(await values(local.denoise(x, 1, { level: 0 })));
      x.dispose();
      expect((await p.denoiser.workerMemory()).every((m) => m.numTensors === 0)).toBe(true);
    } finally {
      p.denoiser.dispose();
      await p.denoiser.closed;
    }
  }, 60_000);

  it('a worker that dies during a call rejects it with DenoiserWorkerError("WorkerStopped"); a replacement takes over', async () => {
    const p = await startPool(2, { exitAt: 1 });
    try {
      const x = input(4);
      const error = await p.denoiser.denoise(x, 1, { level: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DenoiserWorkerError);
      expect((error as DenoiserWorkerError).workerErrorName).toBe('WorkerStopped');
      expect((error as Error).message).toMatch(/stopped during a model call \(exit code 3\)/);
      expect(tf.memory().numTensors).toBe(1);
      // The pool is whole again: two workers answer (the replacement loads the model on its first call).
      expect(await p.denoiser.workerMemory()).toHaveLength(2);
      x.dispose();
    } finally {
      p.denoiser.dispose();
      await p.denoiser.closed;
    }
  }, 60_000);

  it('a worker killed from outside mid-call (thread terminated) rejects the call; the pool heals and stays exact', async () => {
    const p = await startPool(2, { delayMs: 400 });
    try {
      const x = input(2);
      const call = p.denoiser.denoise(x, 1, { level: 0, classLabels: [0, 1] });
      await new Promise((r) => setTimeout(r, 100));
      const handlers = (p.pool as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers;
      await handlers[0]!.worker.terminate();
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DenoiserWorkerError);
      expect((error as DenoiserWorkerError).workerErrorName).toBe('WorkerStopped');
      expect(tf.memory().numTensors).toBe(1);
      const again = await values(p.denoiser.denoise(x, 1, { level: 0, classLabels: [0, 1] }));
      expect(again).toEqual(await values(local.denoise(x, 1, { level: 0, classLabels: [0, 1] })));
      const memory = await p.denoiser.workerMemory();
      expect(memory.map((m) => m.numTensors)).toEqual([0, 0]);
      x.dispose();
    } finally {
      p.denoiser.dispose();
      await p.denoiser.closed;
    }
  }, 60_000);

  it('a model that cannot load in the workers fails the start, after stopping them', async () => {
    await expect(startPool(2, { failLoad: true })).rejects.toThrow(/a denoiser worker failed: ModelLoadError: .*load failure \(test\)/);
  }, 60_000);

  it('dispose: pending and new calls reject, closed resolves', async () => {
    const p = await startPool(1, { delayMs: 200 });
    const x = input(2);
    const call = p.denoiser.denoise(x, 1, { level: 0 });
    await new Promise((r) => setTimeout(r, 20));
    p.denoiser.dispose();
    await expect(call).rejects.toThrow(/disposed/);
    await p.denoiser.closed;
    await expect(p.denoiser.denoise(x, 1, { level: 0 })).rejects.toThrow(/disposed/);
    x.dispose();
    expect(tf.memory().numTensors).toBe(0);
  }, 60_000);
});

describe('createDenoiserPoolProvider', () => {
  it('validates its options with ConfigError naming pool.<field>', () => {
    expect(() => createDenoiserPoolProvider({})).toThrow(/pool.script/);
    expect(() => createDenoiserPoolProvider({ script: 'w.js', maxAutoWorkers: 0 })).toThrow(/pool.maxAutoWorkers = 0/);
    expect(() => createDenoiserPoolProvider({ script: 'w.js', wrokers: 2 })).toThrow(/pool.wrokers/);
  });

  it('reports this machine\'s cores for "auto" (capped by maxAutoWorkers) and runs CPU backends only', async () => {
    const { availableParallelism } = await import('node:os');
    const provider = createDenoiserPoolProvider({ script: SCRIPT });
    expect(provider.name).toBe('worker-threads');
    expect(provider.cores()).toBe(availableParallelism());
    expect(createDenoiserPoolProvider({ script: SCRIPT, maxAutoWorkers: 1 }).cores()).toBe(1);
    await expect(provider.create({ model: 'affine', backend: 'webgpu' }, 2, local)).rejects.toThrow(/backend = "webgpu"/);
  });

  it('starts a pool from a .ts worker script under the test runner (the TypeScript loader is added)', async () => {
    const start = nodeWorkerStart(SCRIPT);
    expect(start.execArgv).toContain('--import');
    expect(start.execArgv!.at(-1)).toMatch(/@oxc-node\/core\/register\.mjs$/);
    expect(nodeWorkerStart('/x/worker.js').execArgv).toBeUndefined();
    const provider = createDenoiserPoolProvider({ script: SCRIPT });
    const pool = await provider.create({ model: 'affine', backend: 'cpu' }, 2, local);
    try {
      const x = input(3);
      expect(await values(pool.denoise(x, 0.5, { level: 0 }))).toEqual(await values(local.denoise(x, 0.5, { level: 0 })));
      x.dispose();
    } finally {
      pool.dispose();
      await pool.closed;
    }
  }, 60_000);
});
