/**
 * The pipeline with the real shipped model ("emoji-unet", 8 M parameters) on the wasm backend:
 * 4 steps of a pyramid plan (1/4 side, then a two-level jump to full resolution), guidance on.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { container as globalContainer } from 'tsyringe';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { Pipeline } from './pipeline.js';
import { collectRun } from './collect-run.js';
import { registerAll } from './register-all.js';

describe('Pipeline with the shipped emoji-unet on wasm', () => {
  it('runs end to end: plan, image shape and range, the model loaded once, no leaks', async () => {
    const container = globalContainer.createChildContainer();
    registerAll(container, { backends: false });
    registerWasmBackend(container);
    const pipeline = new Pipeline(container);
    await tf.setBackend('cpu'); // a defined baseline; the run switches to wasm
    const before = tf.memory().numTensors;
    const logs: string[] = [];
    const config = { model: 'emoji-unet', backend: 'wasm', steps: 4, policy: 'pyramid', seed: 3, batch: 1, classLabels: 6, guidance: 2 };

    const first = await collectRun(pipeline.run(config, { log: (m) => logs.push(m) }));
    expect(first.start.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const levels = first.start.plan.steps.map((s) => s.level);
    expect(levels[0]).toBe(2);
    expect(levels.at(-1)).toBe(0);
    expect(first.start.plan.flopFraction).toBeLessThan(1);
    expect(first.changes.length).toBeGreaterThan(0);
    expect(first.done.stats.levels).toEqual(levels);
    // The UNet counts its FLOPs analytically: one level-0 call with guidance is ~2 x 4.0 GFLOP.
    expect(first.start.plan.steps.at(-1)!.flops).toBeGreaterThan(7e9);

    const { data, shape } = first.done.image;
    expect(shape).toEqual([1, 64, 64, 3]);
    expect(data.every(Number.isFinite)).toBe(true);
    let inside = 0;
    let sum = 0;
    let sq = 0;
    for (const v of data) {
      if (v >= -1.1 && v <= 1.1) inside++;
      sum += v;
      sq += v * v;
    }
    const mean = sum / data.length;
    const std = Math.sqrt(sq / data.length - mean * mean);
    expect(inside / data.length).toBeGreaterThan(0.98); // images live in [-1, 1]
    expect(std).toBeGreaterThan(0.1); // not collapsed to a flat image
    expect(std).toBeLessThan(1);

    const afterFirst = tf.memory().numTensors;
    expect(afterFirst).toBeGreaterThan(before); // the cached weights
    const second = await collectRun(pipeline.run(config, { log: (m) => logs.push(m) }));
    expect(Array.from(second.done.image.data)).toEqual(Array.from(data)); // same seed, same image
    expect(tf.memory().numTensors).toBe(afterFirst); // a run frees everything it made
    expect(logs.filter((m) => m.startsWith('model: loading'))).toHaveLength(1);

    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
