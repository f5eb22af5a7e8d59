import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, createRunCache } from './run-cache.js';
import type { RunRecord } from './run-with-progress.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'upshift-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = (value: number): RunRecord =>
  ({
    start: { type: 'start', plan: { policy: 'none', steps: [], flops: 2, fullResolutionFlops: 2, flopFraction: 1 }, config: { seed: 1 }, backend: 'cpu' },
    done: {
      type: 'done',
      image: { data: Float32Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => value + i / 7), shape: [2, 2, 2, 3] },
      stats: { steps: 1, levels: [0], flopFraction: 1, flops: 2, ms: 3, modelCalls: 1 },
    },
    steps: [{ index: 0, level: 0, sigma: 1, flops: 2, ms: 3, modelCalls: 1 }],
    changes: [],
    wallMs: 4,
  }) as unknown as RunRecord;

describe('run cache', () => {
  it('round-trips a run bit for bit, keyed by config and model regardless of key order', async () => {
    const cache = createRunCache(join(dir, 'a'));
    const key = { config: { policy: 'fixed', seed: 3, classLabels: [0, 1] }, model: 'sha256:abc' };
    expect(await cache.load(key)).toBeUndefined();
    const saved = record(0.25);
    await cache.save(key, 'fixed', saved);
    const loaded = await cache.load({ model: 'sha256:abc', config: { seed: 3, classLabels: [0, 1], policy: 'fixed' } });
    expect(loaded).toBeDefined();
    expect(Array.from(loaded!.done.image.data)).toEqual(Array.from(saved.done.image.data));
    expect(loaded!.done.image.shape).toEqual([2, 2, 2, 3]);
    expect(loaded!.done.stats).toEqual(saved.done.stats);
    expect(loaded!.start).toEqual(saved.start);
    // Another seed, another model: misses.
    expect(await cache.load({ ...key, config: { ...key.config, seed: 4 } })).toBeUndefined();
    expect(await cache.load({ ...key, model: 'sha256:def' })).toBeUndefined();
    expect((await readdir(join(dir, 'a'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ignores an unreadable file with a warning', async () => {
    const cache = createRunCache(join(dir, 'b'));
    const key = { config: { seed: 1 }, model: 'name:m' };
    await cache.save(key, 'none', record(1));
    await writeFile(cache.fileFor(key), '{"format":"upshift-compare-run","version":1,');
    const warnings: string[] = [];
    expect(await cache.load(key, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings[0]).toMatch(/ignoring the cached run .*run-[0-9a-f]{20}\.json/);
  });

  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});
