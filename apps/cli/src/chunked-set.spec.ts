import { describe, expect, it } from 'vitest';
import { chunkSet, mergeChunkRecords, seedRange } from './chunked-set.js';
import type { RunRecord } from './run-with-progress.js';

const record = (n: number, value: number, flops: number): RunRecord =>
  ({
    start: { type: 'start', plan: { policy: 'fixed', steps: [], flops, fullResolutionFlops: 2 * flops, flopFraction: 0.5 }, config: {}, backend: 'wasm', workers: 1 },
    done: {
      type: 'done',
      image: { data: new Float32Array(n * 2 * 2 * 3).fill(value), shape: [n, 2, 2, 3] },
      stats: { steps: 2, levels: [1, 0], flopFraction: 0.5, flops, ms: 10 * n, modelCalls: 2, flopsByLevel: { 0: flops / 2, 1: flops / 2 } },
    },
    steps: [{ index: 0, level: 1, sigma: 2, flops: flops / 2, ms: 1, modelCalls: 1 }, { index: 1, level: 0, sigma: 1, flops: flops / 2, ms: 1, modelCalls: 1 }],
    changes: [],
    wallMs: 100,
  }) as unknown as RunRecord;

describe('chunked sets', () => {
  it('splits labels into chunks of the batch size, chunk k offsetting the seed by k', () => {
    const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1];
    const chunks = chunkSet(labels, 9);
    expect(chunks.map((c) => [c.index, c.labels])).toEqual([[0, labels.slice(0, 9)], [1, [0, 1]]]);
    expect(chunkSet(labels, 20)).toHaveLength(1);
    expect(() => chunkSet(labels, 0)).toThrow(/--batch/);
    expect(seedRange(4, 4)).toBe('4-7');
    expect(seedRange(4, 1)).toBe('4');
  });

  it('merges chunk records: images in order, costs summed, fractions of the sums', () => {
    const merged = mergeChunkRecords([record(2, 0.5, 100), record(1, -0.5, 60)]);
    expect(merged.done.image.shape).toEqual([3, 2, 2, 3]);
    expect(Array.from(merged.done.image.data.slice(0, 24)).every((v) => v === 0.5)).toBe(true);
    expect(Array.from(merged.done.image.data.slice(24)).every((v) => v === -0.5)).toBe(true);
    expect(merged.done.stats).toMatchObject({ flops: 160, ms: 30, modelCalls: 4, flopFraction: 0.5, levels: [1, 0], flopsByLevel: { 0: 80, 1: 80 } });
    expect(merged.start.plan).toMatchObject({ flops: 160, fullResolutionFlops: 320, flopFraction: 0.5 });
    expect(merged.steps).toHaveLength(4);
    expect(merged.wallMs).toBe(200);
    const one = record(1, 0, 10);
    expect(mergeChunkRecords([one])).toBe(one);
    expect(() => mergeChunkRecords([])).toThrow(/at least one chunk/);
  });
});
