import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, combineGuidance, createNoiseSource, guidanceRowLabels } from '@upshift/core';
import type { DenoiserContext } from '@upshift/core';
import { loadModel } from './load-model.js';
import type { UNetDenoiser } from './unet-denoiser.js';
import { edmCoefficients } from './unet-denoiser.js';
import { countUNetFlops } from './unet-flops.js';
import { fixtureDir, useWasmBackend } from './test-fixtures.js';

let model: UNetDenoiser;
const noise = createNoiseSource(11);
const input = (n: number, side: number): tf.Tensor4D => noise.normal<tf.Rank.R4>([n, side, side, 3]);

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Number of conv_in-shaped convolutions (one per UNet forward pass) in `f`. */
async function forwardPasses(f: () => tf.Tensor): Promise<number> {
  const info = await tf.profile(f);
  return info.kernels.filter((k) => k.name === 'FusedConv2D' && k.inputShapes[1]?.join() === '3,3,3,8').length;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = await loadModel(fixtureDir('random-unet'));
});
afterAll(() => model.dispose());

describe('UNetDenoiser', () => {
  it('EDM coefficients: c_skip + c_out^2 / sd^2 = 1 and sigma -> 0 gives the identity', () => {
    const c = edmCoefficients(0.7, 0.5);
    expect(c.cSkip).toBeCloseTo(0.25 / (0.49 + 0.25), 12);
    expect(c.cOut).toBeCloseTo((0.7 * 0.5) / Math.sqrt(0.74), 12);
    expect(c.cIn).toBeCloseTo(1 / Math.sqrt(0.74), 12);
    expect(c.cNoise).toBeCloseTo(Math.log(0.7) / 4, 12);
    expect(c.cSkip + (c.cOut * c.cOut) / 0.25).toBeCloseTo(1, 12);
    const x = input(1, 8);
    const y = model.denoise(x, 0, { level: 0 });
    expect(maxAbsDiff(x, y)).toBe(0);
    tf.dispose([x, y]);
  });

  it('neither leaks tensors nor disposes its input', () => {
    const x = input(2, 16);
    const before = tf.memory().numTensors;
    const y = model.denoise(x, 1.5, { level: 0, classLabels: [1, null], guidance: 2 });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(x.isDisposed).toBe(false);
    expect(y.shape).toEqual([2, 16, 16, 3]);
    tf.dispose([x, y]);
  });

  it('classifier-free guidance = D_u + w (D_c - D_u), in ONE batched forward pass', async () => {
    const x = input(2, 16);
    const ctx: DenoiserContext = { level: 1, classLabels: [0, 2] };
    const dc = model.denoise(x, 0.8, ctx);
    const du = model.denoise(x, 0.8, { level: 1 });
    const guided = model.denoise(x, 0.8, { ...ctx, guidance: 3 });
    const expected = tf.tidy(() => tf.add(du, tf.mul(tf.sub(dc, du), 3)));
    expect(maxAbsDiff(dc, du)).toBeGreaterThan(1e-2); // labels matter
    expect(maxAbsDiff(guided, expected)).toBeLessThan(1e-4);
    expect(await forwardPasses(() => model.denoise(x, 0.8, { ...ctx, guidance: 3 }))).toBe(1);
    // Null labels: both halves would be identical, so guidance is the plain unconditional call.
    const nullGuided = model.denoise(x, 0.8, { level: 1, classLabels: [null, null], guidance: 3 });
    expect(maxAbsDiff(nullGuided, du)).toBe(0);
    tf.dispose([x, dc, du, guided, expected, nullGuided]);
  });

  it('batch items are independent; a sigma array equals per-item calls', () => {
    const x = input(2, 8);
    const [x0, x1] = tf.split(x, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
    const both = model.denoise(x, [0.3, 4], { level: 2, classLabels: [2, null] });
    const y0 = model.denoise(x0, 0.3, { level: 2, classLabels: [2] });
    const y1 = model.denoise(x1, 4, { level: 2, classLabels: [null] });
    expect(maxAbsDiff(both, tf.concat([y0, y1], 0))).toBeLessThan(1e-5);
    tf.dispose([x, x0, x1, both, y0, y1]);
  });

  it.each(['cpu', 'wasm'])(
    '%s: rows of a batch are computed independently, bit for bit (any split of a guided call, combined with combineGuidance, equals the call)',
    async (backend) => {
      // A worker pool relies on this to give the single-thread numbers exactly.
      if (backend === 'wasm') await useWasmBackend();
      const m = backend === 'wasm' ? await loadModel(fixtureDir('random-unet')) : model;
      try {
        const labels = [0, null, 2];
        const x = input(3, 16);
        const guided = m.denoise(x, 1.7, { level: 0, classLabels: labels, guidance: 2.5 });
        // The doubled batch the guided call runs: the items with their labels, then unconditional.
        const rows = tf.concat([x, x], 0) as tf.Tensor4D;
        const rowLabels = guidanceRowLabels(labels);
        for (const cuts of [[0, 6], [0, 3, 6], [0, 1, 3, 6], [0, 1, 2, 3, 4, 5, 6]]) {
          const parts = cuts.slice(1).map((end, k) => {
            const start = cuts[k]!;
            const part = tf.slice(rows, [start, 0, 0, 0], [end - start, 16, 16, 3]) as tf.Tensor4D;
            const y = m.denoise(part, 1.7, { level: 0, classLabels: rowLabels.slice(start, end), guidance: 1 });
            part.dispose();
            return y;
          });
          const all = tf.concat(parts, 0) as tf.Tensor4D;
          const [dc, du] = tf.split(all, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
          const combined = combineGuidance(dc, du, 2.5);
          expect(Array.from(combined.dataSync()), `split ${cuts.join(',')}`).toEqual(Array.from(guided.dataSync()));
          tf.dispose([...parts, all, dc, du, combined]);
        }
        tf.dispose([x, guided, rows]);
      } finally {
        if (m !== model) m.dispose();
        await tf.setBackend('cpu');
      }
    },
  );

  it('validates its inputs with ConfigError naming the field', () => {
    const x = input(2, 8);
    const field = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).field;
      }
      return 'no error';
    };
    const before = tf.memory().numTensors;
    expect(field(() => model.denoise(x, 1, { level: 3 }))).toBe('level');
    expect(field(() => model.denoise(x, 1, { level: 0, classLabels: [1] }))).toBe('classLabels');
    expect(field(() => model.denoise(x, 1, { level: 0, classLabels: [1, 3] }))).toBe('classLabels[1]');
    expect(field(() => model.denoise(x, -1, { level: 0 }))).toBe('sigma');
    expect(field(() => model.denoise(x, [1], { level: 0 }))).toBe('sigma');
    expect(field(() => model.denoise(x, 1, { level: 0, guidance: Number.NaN }))).toBe('guidance');
    const odd = tf.zeros([1, 12, 12, 3]) as tf.Tensor4D;
    expect(field(() => model.denoise(odd, 1, { level: 0 }))).toBe('x.shape');
    const gray = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expect(field(() => model.denoise(gray, 1, { level: 0 }))).toBe('x.shape');
    tf.dispose([odd, gray]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('counts FLOPs from the config; guidance with a real label doubles them', () => {
    const one = countUNetFlops(model.config.architecture, 32, 32);
    expect(one).toBe(model.config.flops!['0']);
    expect(model.flops(32, 32, 3)).toBe(3 * one);
    expect(model.flops(32, 32, 3, { level: 0, classLabels: [0, null, 1], guidance: 4 })).toBe(6 * one);
    expect(model.flops(32, 32, 3, { level: 0, classLabels: null, guidance: 4 })).toBe(3 * one);
    expect(model.flops(32, 32, 3, { level: 0, classLabels: [0, 1, 2], guidance: 1 })).toBe(3 * one);
    expect(() => model.flops(0, 32, 1)).toThrow(ConfigError);
  });

  it('gives the same result on wasm as on cpu for a guided batch of 2 (per-head attention, batched norms)', async () => {
    const x = input(2, 16);
    const ctx: DenoiserContext = { level: 0, classLabels: [1, null], guidance: 2.5 };
    const onCpu = model.denoise(x, [0.5, 3], ctx);
    const ref = onCpu.dataSync().slice();
    onCpu.dispose();
    const values = x.dataSync().slice();
    x.dispose();
    await useWasmBackend();
    try {
      const wasmModel = await loadModel(fixtureDir('random-unet'));
      const before = tf.memory().numTensors;
      const xw = tf.tensor4d(values, [2, 16, 16, 3]);
      const y = wasmModel.denoise(xw, [0.5, 3], ctx);
      const got = y.dataSync();
      tf.dispose([xw, y]);
      expect(tf.memory().numTensors).toBe(before);
      wasmModel.dispose();
      let num = 0;
      let den = 0;
      for (let i = 0; i < ref.length; i++) {
        num += (got[i]! - ref[i]!) ** 2;
        den += ref[i]! ** 2;
      }
      expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
