import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { container as rootContainer } from 'tsyringe';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createNoiseSource, PowerSpectrumToken, ResizerFactory } from '@upshift/core';
import type { Resizer } from '@upshift/core';
import { createSpectralGaussianField } from '@upshift/testing';
import { BilinearResizer } from './bilinear-resizer.js';
import { createBoxExactResizer } from './box-exact-resizer.js';
import { createDctExactResizer } from './dct-exact-resizer.js';
import { DetailPriorResizer, detailPriorResizerFactory } from './detail-prior-resizer.js';
import { registerResizers } from './register-resizers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rand = (shape: number[], seed: number) => createNoiseSource(seed).normal<tf.Rank.R4>(shape);
const dot = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(a, b)).dataSync()[0] as number);
const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

const exactPairs: [string, () => Resizer][] = [
  ['box-exact', createBoxExactResizer],
  ['dct-exact', createDctExactResizer],
];

describe.each(exactPairs)('%s pair algebra', (_name, make) => {
  const r = make();

  it('U = 4 D^T (adjoint identity <U x, y> = 4 <x, D y>) and D U = I', () => {
    const x = rand([2, 8, 12, 3], 1);
    const y = rand([2, 16, 24, 3], 2);
    const ux = r.resizeSignal(x, 1, 0);
    const dy = r.resizeSignal(y, 0, 1);
    expect(dot(ux, y)).toBeCloseTo(4 * dot(x, dy), 2);
    const dux = r.resizeSignal(ux, 0, 1);
    expect(maxAbs(dux, x)).toBeLessThan(1e-5);
    tf.dispose([x, y, ux, dy, dux]);
  });

  it('up then down returns the same latent (the added noise has no coarse component)', () => {
    const x = rand([2, 8, 8, 1], 3);
    const hi = r.resize({ x, level: 2, sigma: 0.7 }, 0, { noise: createNoiseSource(4) });
    const back = r.resize(hi, 2, { noise: createNoiseSource(5) });
    expect(back.sigma).toBeCloseTo(0.7, 12);
    expect(maxAbs(back.x, x)).toBeLessThan(1e-5);
    tf.dispose([x, hi.x, back.x]);
  });

  it('a two-level jump equals two single-level ones with z_1 = 2 D z (coupled noise)', () => {
    const before = tf.memory().numTensors;
    const x = rand([1, 8, 8, 2], 6);
    const z = rand([1, 32, 32, 2], 7);
    const z1 = tf.tidy(() => tf.mul(r.resizeSignal(z, 0, 1), 2) as tf.Tensor4D);
    const once = r.resize({ x, level: 2, sigma: 0.5 }, 0, { noise: createNoiseSource(8), targetNoise: z });
    const mid = r.resize({ x, level: 2, sigma: 0.5 }, 1, { noise: createNoiseSource(8), targetNoise: z1 });
    const twice = r.resize(mid, 0, { noise: createNoiseSource(8), targetNoise: z });
    expect(once.sigma).toBe(2);
    expect(maxAbs(once.x, twice.x)).toBeLessThan(1e-5);
    tf.dispose([x, z, z1, once.x, mid.x, twice.x]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic: same seed, bit-identical output', () => {
    const x = rand([1, 8, 8, 1], 9);
    const a = r.resize({ x, level: 1, sigma: 1 }, 0, { noise: createNoiseSource(10) });
    const b = r.resize({ x, level: 1, sigma: 1 }, 0, { noise: createNoiseSource(10) });
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    tf.dispose([x, a.x, b.x]);
  });

  it('same level: a copy, caller keeps the input', () => {
    const x = rand([1, 4, 4, 1], 11);
    const same = r.resize({ x, level: 1, sigma: 1 }, 1, { noise: createNoiseSource(1) });
    expect(same.x).not.toBe(x);
    expect(maxAbs(same.x, x)).toBe(0);
    tf.dispose([x, same.x]);
  });

  it('bad inputs are ConfigErrors and leak nothing', () => {
    const before = tf.memory().numTensors;
    const x = rand([1, 6, 6, 1], 12);
    expect(() => r.resize({ x, level: 0, sigma: 1 }, 2, { noise: createNoiseSource(1) })).toThrow(ConfigError);
    expect(() => r.resize({ x, level: 0, sigma: 1 }, -1, { noise: createNoiseSource(1) })).toThrow(/toLevel = -1/);
    expect(() => r.resize({ x, level: 0, sigma: Number.NaN }, 0, { noise: createNoiseSource(1) })).toThrow(/latent.sigma/);
    const wrong = rand([1, 6, 6, 1], 13);
    expect(() => r.resize({ x, level: 1, sigma: 1 }, 0, { noise: createNoiseSource(1), targetNoise: wrong })).toThrow(
      /targetNoise.shape/,
    );
    tf.dispose([x, wrong]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('box pair specifics', () => {
  it('down is 2x2 average pooling and up is nearest', () => {
    const r = createBoxExactResizer();
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const d = r.resizeSignal(x, 0, 1);
    expect(Array.from(d.dataSync())).toEqual([2.5]);
    const u = r.resizeSignal(tf.tensor4d([1, 2], [1, 1, 2, 1]), 1, 0);
    expect(Array.from(u.dataSync())).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    tf.dispose([x, d, u]);
  });
});

describe('dct pair specifics', () => {
  it('U D is the low-pass projection: a low DCT frequency passes, the highest is removed', () => {
    const r = createDctExactResizer();
    const n = 16;
    const wave = (k: number) =>
      tf.tensor4d(
        Float32Array.from({ length: n * n }, (_, i) => Math.cos((Math.PI * (2 * (i % n) + 1) * k) / (2 * n))),
        [1, n, n, 1],
      );
    const low = wave(3);
    const high = wave(12);
    const lowBack = r.resizeSignal(r.resizeSignal(low, 0, 1), 1, 0);
    const highBack = r.resizeSignal(r.resizeSignal(high, 0, 1), 1, 0);
    expect(maxAbs(lowBack, low)).toBeLessThan(1e-5);
    expect(tf.tidy(() => tf.max(tf.abs(highBack)).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([low, high, lowBack, highBack]);
  });
});

describe('detail-prior', () => {
  const field = createSpectralGaussianField({ side: 32, exponent: 3.3, pixelVariance: 0.4 });
  const spectrum = field.powerSpectrum(3);

  it('adds out-of-band variance S(f) + sigma^2 and keeps the in-band part untouched', () => {
    const r = new DetailPriorResizer(spectrum);
    const std = r.detailStd(32, 32, 1);
    // in-band block untouched, out-of-band std = sqrt(S(f)) (log-log interpolation of a power law is exact)
    expect(std[3 * 32 + 5]).toBe(0);
    expect(std[20 * 32 + 3]).toBeCloseTo(Math.sqrt(field.coefficientVariance[20 * 32 + 3] as number), 5);
    const lo = { x: tf.zeros([64, 16, 16, 1]) as tf.Tensor4D, level: 1, sigma: 0 };
    const hi = r.resize(lo, 0, { noise: createNoiseSource(21) });
    // With sigma = 0 the output is the prior sample alone: per-coefficient variance S outside the block.
    const coef = tf.tidy(() => {
      const c = tf.tensor2d(Float32Array.from(
        { length: 32 * 32 },
        (_, i) => Math.cos((Math.PI * (2 * (i % 32) + 1) * Math.floor(i / 32)) / 64) * Math.sqrt(2 / 32) * (i < 32 ? Math.SQRT1_2 : 1),
      ), [32, 32]);
      const x = tf.reshape(hi.x, [64, 32, 32]);
      const rows = tf.matMul(tf.reshape(x, [64 * 32, 32]), c, false, true);
      const t = tf.transpose(tf.reshape(rows, [64, 32, 32]), [0, 2, 1]);
      const cols = tf.matMul(tf.reshape(t, [64 * 32, 32]), c, false, true);
      return tf.mean(tf.square(tf.reshape(cols, [64, 32, 32])), 0).dataSync();
    });
    let inBand = 0;
    let ratio = 0;
    let count = 0;
    for (let a = 0; a < 32; a++) {
      for (let b = 0; b < 32; b++) {
        // cols holds (C X C^T)^T, so coefficient (a, b) sits at b * 32 + a
        const v = coef[b * 32 + a] as number;
        if (a < 16 && b < 16) inBand = Math.max(inBand, v);
        else {
          ratio += v / (field.coefficientVariance[a * 32 + b] as number);
          count++;
        }
      }
    }
    expect(inBand).toBeLessThan(1e-10);
    // mean of 768 ratios, each a chi-square(64)/64 (se 0.18): mean se ~ 0.0064
    expect(ratio / count).toBeGreaterThan(1 - 4 * 0.0064);
    expect(ratio / count).toBeLessThan(1 + 4 * 0.0064);
    tf.dispose([lo.x, hi.x]);
  });

  it('factory takes the spectrum from options or the PowerSpectrum token, else ConfigError', () => {
    const c = rootContainer.createChildContainer();
    expect(() => detailPriorResizerFactory.create({}, c)).toThrow(/resizerOptions.spectrum/);
    expect(() => detailPriorResizerFactory.create({ spectrum, strength: -1 }, c)).toThrow(/resizerOptions.strength = -1/);
    expect(() => detailPriorResizerFactory.create({ spectrum: { levels: [] } }, c)).toThrow(/resizerOptions.spectrum.levels/);
    expect(detailPriorResizerFactory.create({ spectrum }, c)).toBeInstanceOf(DetailPriorResizer);
    c.register(PowerSpectrumToken, { useValue: spectrum });
    expect((detailPriorResizerFactory.create(undefined, c) as DetailPriorResizer).spectrum).toBe(spectrum);
  });
});

describe('registerResizers', () => {
  it('registers the four factories by name; each rejects unknown options', async () => {
    const c = registerResizers(rootContainer.createChildContainer());
    const factories = c.resolveAll(ResizerFactory);
    expect(factories.map((f) => f.name)).toEqual(['box-exact', 'dct-exact', 'detail-prior', 'bilinear']);
    for (const f of factories) {
      expect(() => f.create({ nope: 1 }, c)).toThrow(/resizerOptions.nope = 1/);
      expect(() => f.create(5, c)).toThrow(ConfigError);
    }
    const made = await factories[3]!.create(undefined, c);
    expect(made).toBeInstanceOf(BilinearResizer);
    expect(made.exact).toBe(false);
  });
});
