/**
 * A run whose stored checkpoint cannot be decoded (truncated, garbage) restarts from step 0 with
 * its recorded config and seed and produces the image the uninterrupted run does, bit for bit
 * (cpu backend); the record and the start event say which checkpoint was dropped and why. A
 * checkpoint that decodes but belongs to another run is not silently replaced: the run fails
 * with the CheckpointError naming the field.
 */
import * as tf from '@tensorflow/tfjs-core';
import { container as rootContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { DenoiserFactory } from '@upshift/core';
import { Pipeline, collectRun, decodeCheckpoint, encodeCheckpoint, registerAll } from '@upshift/pipeline';
import type { PipelineConfig } from '@upshift/pipeline';
import { gaussianDenoiserFactory } from '@upshift/testing';
import { MemoryRunStore } from './memory-run-store.js';
import { executeRun, imageSha256 } from './run-executor.js';
import type { RunRecord } from './run-record.js';

const CONFIG = { model: 'gaussian', backend: 'cpu', steps: 8, seed: 5, policy: 'pyramid', sampler: 'dpmpp-2m', resolution: { height: 32, width: 32 } };

describe('a checkpoint that cannot be decoded', () => {
  const container = rootContainer.createChildContainer();
  registerAll(container, { backends: false });
  registerCpuBackend(container);
  container.register(DenoiserFactory, { useValue: gaussianDenoiserFactory });
  const pipeline = new Pipeline(container);
  let reference: string;
  /** A real checkpoint (before step 4) of CONFIG with another seed. */
  let otherRun: Uint8Array;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    reference = imageSha256((await collectRun(pipeline.run(CONFIG))).done.image);
    const { checkpoints } = await collectRun(pipeline.run({ ...CONFIG, seed: 6 }, { checkpoints: { everySteps: 4 } }));
    otherRun = encodeCheckpoint(checkpoints[0]!.checkpoint);
  });
  afterAll(async () => {
    pipeline.dispose();
    await pipeline.whenIdle();
  });

  const execute = async (bytes: Uint8Array) => {
    const store = new MemoryRunStore(60_000);
    const record: RunRecord = { id: 'r1', state: 'queued', config: CONFIG as unknown as PipelineConfig, request: { id: 'q', index: 0, count: 1, key: null }, createdAt: new Date().toISOString(), attempts: 1 };
    await store.create(record);
    await store.putCheckpoint('r1', { bytes, index: 4, level: 0 });
    const before = tf.memory().numTensors;
    const outcome = await executeRun({ pipeline, store, runId: 'r1', worker: 'w2', signal: new AbortController().signal, previewIntervalMs: 1000, checkpointEvery: 2 });
    expect(tf.memory().numTensors).toBe(before);
    return { outcome, record: (await store.get('r1'))!, events: (await store.events('r1')).map((e) => e.event), checkpoint: await store.getCheckpoint('r1') };
  };

  it.each([
    ['truncated', () => otherRun.slice(0, 100)],
    ['garbage', () => new TextEncoder().encode('not a checkpoint at all')],
  ])('%s: the run restarts from step 0 and produces the uninterrupted run\'s image bit for bit; the record and the start event say why', async (_kind, bytes) => {
    const { outcome, record, events, checkpoint } = await execute(bytes());
    expect(outcome).toEqual({ kind: 'done' });
    expect(record.state).toBe('succeeded');
    expect(record.imageSha256).toBe(reference);
    expect(record.discardedCheckpoint).toMatchObject({ index: 4, level: 0 });
    expect(record.discardedCheckpoint!.reason).toMatch(/checkpoint/i);
    const start = events.find((e) => e.type === 'start');
    expect(start).toMatchObject({ resumedAt: 0, discardedCheckpoint: { index: 4, reason: record.discardedCheckpoint!.reason } });
    expect(events.filter((e) => e.type === 'step').map((e) => (e as { index: number }).index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The dropped checkpoint is gone; the one stored now is the restarted run's own.
    expect(decodeCheckpoint(checkpoint!.bytes).index).toBe(checkpoint!.index);
    expect(record.checkpoint!.index).toBe(checkpoint!.index);
  });

  it('a checkpoint that decodes but is another run\'s is not replaced: the run fails naming the field', async () => {
    const { outcome, record } = await execute(otherRun);
    expect(outcome.kind).toBe('failed');
    expect(record.state).toBe('failed');
    expect(record.error).toMatchObject({ name: 'CheckpointError' });
    expect(record.error!.message).toContain('seed');
    expect(record.discardedCheckpoint).toBeUndefined();
  });
});
