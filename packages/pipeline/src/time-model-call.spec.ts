/** Pipeline.timeModelCall: one timed model call of a run's model, for time estimates. */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from '@upshift/models';
import { Pipeline } from './pipeline.js';
import { collectRun } from './collect-run.js';
import { createTestContainer } from './test-kit.js';

const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));

describe('Pipeline.timeModelCall', () => {
  it("times the run's (cached) model at a level, counting its FLOPs, and frees what it made", async () => {
    await tf.setBackend('cpu');
    const pipeline = new Pipeline(createTestContainer());
    const config = { model: 'emoji-unet', modelOptions: { path: RANDOM_UNET }, backend: 'cpu', resolution: { height: 32, width: 32 }, classLabels: 1, guidance: 2, steps: 2 };
    const logs: string[] = [];
    await collectRun(pipeline.run(config, { log: (m) => logs.push(m) }));
    const before = tf.memory().numTensors;
    const timed = await pipeline.timeModelCall(config, 1, 3);
    expect(tf.memory().numTensors).toBe(before);
    const reference = await loadModel(RANDOM_UNET);
    // 3 images at 16x16 with guidance: twice the unguided count.
    expect(timed.flops).toBe(reference.flops(16, 16, 3, { level: 1, classLabels: [1, 1, 1], guidance: 2 }));
    expect(timed.flops).toBe(2 * reference.flops(16, 16, 3));
    reference.dispose();
    expect(timed.ms).toBeGreaterThan(0);
    expect(timed.ms).toBeLessThan(30_000);
    // The run's cached model was used: it was loaded once.
    expect(logs.filter((l) => l.startsWith('model: loading'))).toHaveLength(1);
    pipeline.dispose();
    await expect(pipeline.timeModelCall(config)).rejects.toThrow(/disposed/);
  });
});
