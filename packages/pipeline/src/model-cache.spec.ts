/**
 * The Pipeline's model cache across backends: weights live on the backend that loaded them, so
 * switching backend must free the previous backend's copy (the web demo kept both: 474 tensors
 * for a 237-tensor model) — at once when no run uses it, else when the last run using it ends.
 * The random-weights UNet fixture at 8 x 8 keeps this fast; its weights are real tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { container as globalContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { loadModel } from '@upshift/models';
import { collectRun } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import { registerAll } from './register-all.js';

const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));
const CONFIG = { model: 'emoji-unet', modelOptions: { path: RANDOM_UNET }, steps: 2, seed: 1, resolution: { height: 8, width: 8 }, classLabels: 1 };

let baseline: number;
let weights: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
  const model = await loadModel(RANDOM_UNET);
  weights = tf.memory().numTensors - baseline;
  model.dispose?.();
  expect(tf.memory().numTensors).toBe(baseline);
  expect(weights).toBeGreaterThan(10);
});

afterAll(async () => {
  await tf.setBackend('cpu');
  expect(tf.memory().numTensors).toBe(baseline);
});

function pipeline(): Pipeline {
  const c = globalContainer.createChildContainer();
  registerAll(c, { backends: false });
  registerCpuBackend(c);
  registerWasmBackend(c);
  return new Pipeline(c);
}

describe('Pipeline model cache across backends', () => {
  it('keeps one copy of the weights: switching backend frees the previous backend\'s model', async () => {
    const p = pipeline();
    const logs: string[] = [];
    const log = (line: string) => logs.push(line);
    try {
      await collectRun(p.run({ ...CONFIG, backend: 'cpu' }, { log }));
      expect(tf.memory().numTensors).toBe(baseline + weights);
      await collectRun(p.run({ ...CONFIG, backend: 'cpu' }, { log })); // cached: loaded once
      expect(logs.filter((l) => l.startsWith('model: loading'))).toHaveLength(1);

      await collectRun(p.run({ ...CONFIG, backend: 'wasm' }, { log }));
      expect(tf.memory().numTensors).toBe(baseline + weights);
      expect(logs).toContain('model: freeing "emoji-unet" on cpu (the run uses wasm)');

      await collectRun(p.run({ ...CONFIG, backend: 'cpu' }, { log }));
      expect(tf.memory().numTensors).toBe(baseline + weights);
      expect(logs.filter((l) => l.startsWith('model: loading'))).toHaveLength(3);
    } finally {
      p.dispose();
    }
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('a model still in use by a run is freed when that run ends, not under it', async () => {
    const p = pipeline();
    try {
      // Start a cpu run and, while it is between steps, start a wasm run: the cpu model is
      // evicted from the cache but the cpu run keeps using it until it ends.
      const first = new Promise<void>((resolve, reject) => {
        let second: Promise<unknown> | undefined;
        p.run({ ...CONFIG, backend: 'cpu', steps: 3 }).subscribe({
          next: (event) => {
            if (event.type === 'step' && event.index === 0) second = collectRun(p.run({ ...CONFIG, backend: 'wasm', steps: 1 }));
          },
          error: reject,
          complete: () => void second!.then(() => resolve(), reject),
        });
      });
      await first;
      await p.whenIdle();
      expect(tf.memory().numTensors).toBe(baseline + weights);
    } finally {
      p.dispose();
    }
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
