/**
 * A `compare` set larger than one model batch runs in chunks: chunk k holds images
 * `[k * size, (k + 1) * size)` of the set, with their class labels, and the seed
 * `seed + k` — as `generate --batch 9 --seed 0`, `--seed 1`, ... would make them. A batch of 36
 * images (72 model inputs with guidance) needs more than the 4 GB a wasm backend can address;
 * chunks of 9 do not. The chunks' records are merged into one record of the whole set.
 */
import { ConfigError } from '@upshift/core';
import type { RunRecord } from './run-with-progress.js';

/** One chunk of a set. */
export interface SetChunk {
  /** Offset added to the set's seed. */
  readonly index: number;
  readonly labels: readonly (number | null)[];
}

/** Splits `labels` (one per image of the set) into chunks of at most `size`. */
export function chunkSet(labels: readonly (number | null)[], size: number): SetChunk[] {
  if (!(Number.isInteger(size) && size >= 1)) throw new ConfigError('--batch', size, 'must be a positive integer');
  const chunks: SetChunk[] = [];
  for (let k = 0; k * size < labels.length; k++) chunks.push({ index: k, labels: labels.slice(k * size, (k + 1) * size) });
  return chunks;
}

/** The seeds a set with base seed `seed` uses, as text ("4" or "4-7"). */
export function seedRange(seed: number, chunks: number): string {
  return chunks === 1 ? String(seed) : `${seed}-${seed + chunks - 1}`;
}

/**
 * One record of the whole set: images concatenated in chunk order; FLOPs, time and model calls
 * summed; levels per step from the first chunk (all chunks share the plan; an adaptive policy's
 * per-chunk decisions stay in `steps`); steps and resolution changes concatenated.
 */
export function mergeChunkRecords(records: readonly RunRecord[]): RunRecord {
  if (records.length === 0) throw new ConfigError('chunks', 0, 'a set needs at least one chunk');
  if (records.length === 1) return records[0]!;
  const first = records[0]!;
  const [, h, w, c] = first.done.image.shape;
  const n = records.reduce((s, r) => s + r.done.image.shape[0], 0);
  const data = new Float32Array(n * h * w * c);
  let offset = 0;
  for (const r of records) {
    data.set(r.done.image.data, offset);
    offset += r.done.image.data.length;
  }
  const sum = (f: (r: RunRecord) => number): number => records.reduce((s, r) => s + f(r), 0);
  const flopsByLevel: Record<number, number> = {};
  for (const r of records) for (const [level, flops] of Object.entries(r.done.stats.flopsByLevel)) flopsByLevel[Number(level)] = (flopsByLevel[Number(level)] ?? 0) + flops;
  const flops = sum((r) => r.done.stats.flops);
  const fullFlops = sum((r) => r.start.plan.fullResolutionFlops);
  return {
    start: {
      ...first.start,
      plan: { ...first.start.plan, flops: sum((r) => r.start.plan.flops), fullResolutionFlops: fullFlops, flopFraction: sum((r) => r.start.plan.flops) / fullFlops },
    },
    done: {
      ...first.done,
      image: { data, shape: [n, h, w, c] },
      stats: { ...first.done.stats, flops, ms: sum((r) => r.done.stats.ms), modelCalls: sum((r) => r.done.stats.modelCalls), flopsByLevel, flopFraction: flops / fullFlops },
    },
    steps: records.flatMap((r) => r.steps),
    changes: records.flatMap((r) => r.changes),
    wallMs: sum((r) => r.wallMs),
  };
}
