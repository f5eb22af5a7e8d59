import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from './load-model.js';
import { estimateUNetForwardBytes, largestUNetTensorBytes } from './unet-memory.js';
import { fixtureDir } from './test-fixtures.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('estimateUNetForwardBytes', () => {
  // [fixture, side, batch, level]; guidance 2 doubles the model batch.
  const cases: ['random-unet' | 'tiny-unet', number, number, number][] = [
    ['random-unet', 32, 2, 0],
    ['random-unet', 16, 3, 1],
    ['tiny-unet', 32, 2, 0],
  ];

  it.each(['cpu', 'wasm'])('bounds the peak tfjs measures for a guided forward on %s (within 0.9x..2x)', async (backend) => {
    await tf.setBackend(backend);
    for (const [name, side, batch, level] of cases) {
      const model = await loadModel(fixtureDir(name));
      const x = tf.randomNormal([batch, side, side, 3]) as tf.Tensor4D;
      const base = tf.memory().numBytes;
      const profile = await tf.profile(() => model.denoise(x, 1.5, { level, classLabels: new Array<number>(batch).fill(1), guidance: 2 }));
      (profile.result as tf.Tensor).dispose();
      const measured = profile.peakBytes - base;
      const estimate = estimateUNetForwardBytes(model.config.architecture, side, side, 2 * batch, level);
      expect(estimate / measured, `${backend} ${name} ${side}px batch ${batch}: estimate ${estimate}, measured ${measured}`).toBeGreaterThan(0.9);
      expect(estimate / measured, `${backend} ${name} ${side}px batch ${batch}`).toBeLessThan(2);
      x.dispose();
      model.dispose();
    }
  });

  it('scales with the batch and the pixels; the largest tensor is a part of it', async () => {
    const { config } = await loadModel(fixtureDir('tiny-unet')).then((m) => (m.dispose(), m));
    const arch = config.architecture;
    expect(estimateUNetForwardBytes(arch, 32, 32, 6, 0)).toBeCloseTo(6 * estimateUNetForwardBytes(arch, 32, 32, 1, 0), -2);
    expect(estimateUNetForwardBytes(arch, 64, 64, 1, 0)).toBeGreaterThan(4 * estimateUNetForwardBytes(arch, 32, 32, 1, 0));
    const largest = largestUNetTensorBytes(arch, 64, 64, 4);
    expect(largest).toBeGreaterThanOrEqual(4 * 4 * 64 * 64 * 3 * arch.channels[0]!); // qkv-size tensors at full resolution
    expect(largest).toBeLessThan(estimateUNetForwardBytes(arch, 64, 64, 4, 0));
  });
});
