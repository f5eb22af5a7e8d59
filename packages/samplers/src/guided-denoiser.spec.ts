import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import type { Denoiser, DenoiserContext } from '@upshift/core';
import { usesGuidance, withGuidance } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Predicts x + label (or x - 1 when unconditional), and records the contexts it saw. */
function labelled(): Denoiser & { seen: DenoiserContext[] } {
  const seen: DenoiserContext[] = [];
  return {
    name: 'labelled',
    channels: 1,
    seen,
    denoise(x, _sigma, ctx) {
      seen.push(ctx);
      const offsets = (ctx.classLabels ?? [null]).map((l) => (l === null ? -1 : l));
      return tf.tidy(() => tf.add(x, tf.reshape(tf.tensor1d(offsets.length === x.shape[0] ? offsets : new Array(x.shape[0]).fill(offsets[0])), [x.shape[0], 1, 1, 1])) as tf.Tensor4D);
    },
    flops: (h, w, b) => h * w * b * 10,
  };
}

describe('withGuidance', () => {
  it('combines a conditional and an unconditional call: D_u + w (D_c - D_u)', async () => {
    const inner = labelled();
    const g = withGuidance(inner);
    const x = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const base = tf.memory().numTensors;
    const y = await g.denoise(x, 1, { level: 0, classLabels: [3, 5], guidance: 2 });
    // cond = [3, 5], uncond = [-1, -1]: -1 + 2 (cond + 1) = [7, 11]
    const v = y.dataSync();
    expect(v[0]).toBe(7);
    expect(v[4]).toBe(11);
    expect(inner.seen).toHaveLength(2);
    expect(inner.seen[0]).toMatchObject({ classLabels: [3, 5], guidance: 1 });
    expect(inner.seen[1]).toMatchObject({ classLabels: [null, null], guidance: 1 });
    y.dispose();
    expect(tf.memory().numTensors).toBe(base);
    x.dispose();
  });

  it('is one plain call without guidance (or w = 1), and counts FLOPs of both calls', async () => {
    const inner = labelled();
    const g = withGuidance(inner);
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    (await g.denoise(x, 1, { level: 0, classLabels: [2] })).dispose();
    (await g.denoise(x, 1, { level: 0, classLabels: [2], guidance: 1 })).dispose();
    expect(inner.seen).toHaveLength(2);
    expect(g.flops!(4, 4, 1, { level: 0, guidance: 3 })).toBe(320);
    expect(g.flops!(4, 4, 1, { level: 0 })).toBe(160);
    expect(usesGuidance({ level: 0, guidance: 1 })).toBe(false);
    await expect(g.denoise(x, 1, { level: 0, guidance: Number.NaN })).rejects.toThrow(ConfigError);
    x.dispose();
  });
});
