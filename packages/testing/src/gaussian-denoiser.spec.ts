import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createNoiseSource } from '@upshift/core';
import { createGaussianDenoiser, gaussianOdeScale, gaussianOdeSolution } from './gaussian-denoiser.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createGaussianDenoiser', () => {
  it('is the posterior mean: its MSE is the Wiener MMSE v sigma^2 / (v + sigma^2), lower than nearby gains', () => {
    const mu = 0.2;
    const std = 0.5;
    const sigma = 0.7;
    const n = 65536;
    const noise = createNoiseSource(1);
    const d = createGaussianDenoiser({ mean: mu, std, channels: 1 });
    const base = tf.memory().numTensors;
    const x0 = tf.tidy(() => tf.add(tf.mul(noise.normal<tf.Rank.R4>([1, 256, 256, 1]), std), mu));
    const x = tf.tidy(() => tf.add(x0, tf.mul(noise.normal<tf.Rank.R4>([1, 256, 256, 1]), sigma)) as tf.Tensor4D);
    const mse = (gainScale: number) =>
      tf.tidy(() => {
        const dx = d.denoise(x, sigma, { level: 0 });
        const pred = tf.add(tf.mul(tf.sub(dx, mu), gainScale), mu);
        return tf.mean(tf.square(tf.sub(pred, x0))).dataSync()[0]!;
      });
    const v = std * std;
    const mmse = (v * sigma * sigma) / (v + sigma * sigma);
    // 65536 samples: the relative std error of an MSE estimate is ~0.55 %.
    expect(Math.abs(mse(1) / mmse - 1)).toBeLessThan(0.02);
    expect(mse(1)).toBeLessThan(mse(0.9));
    expect(mse(1)).toBeLessThan(mse(1.1));
    expect(x.isDisposed).toBe(false);
    x0.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(base);
  });

  it('returns x at sigma 0 and mu at very large sigma', () => {
    const d = createGaussianDenoiser({ mean: -0.3, std: 2, channels: 3 });
    const x = tf.fill([1, 2, 2, 3], 5) as tf.Tensor4D;
    expect(Array.from(d.denoise(x, 0, { level: 0 }).dataSync())).toEqual(new Array(12).fill(5));
    d.denoise(x, 1e6, { level: 0 }).dataSync().forEach((v) => expect(v).toBeCloseTo(-0.3, 5));
    x.dispose();
  });

  it('uses box-pooled statistics at level k: per-pixel mean pooled, variance pooled / 4^k', () => {
    const mean = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [4, 4, 1]);
    const std = tf.fill([4, 4, 1], 2) as tf.Tensor3D;
    const d = createGaussianDenoiser({ mean, std, channels: 1 });
    mean.dispose();
    std.dispose();
    const s1 = d.statsAt(1);
    expect(Array.from((s1.mean as tf.Tensor).dataSync())).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(Array.from((s1.variance as tf.Tensor).dataSync())).toEqual([1, 1, 1, 1]);
    const s2 = d.statsAt(2);
    expect(Array.from((s2.mean as tf.Tensor).dataSync())).toEqual([8.5]);
    expect(Array.from((s2.variance as tf.Tensor).dataSync())).toEqual([0.25]);
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    // gain at level 1, sigma 1: 1 / (1 + 1) = 0.5, so D(0) = mean / 2.
    expect(Array.from(d.denoise(x, 1, { level: 1 }).dataSync())).toEqual([1.75, 2.75, 5.75, 6.75]);
    x.dispose();
    const scalar = createGaussianDenoiser({ mean: 0.1, std: 0.5, channels: 1 });
    expect(scalar.statsAt(3)).toEqual({ mean: 0.1, variance: 0.25 / 64 });
  });

  it('level statistics match pooled i.i.d. samples (Monte Carlo)', () => {
    const d = createGaussianDenoiser({ mean: 0.2, std: 0.5, channels: 1 });
    const x0 = tf.tidy(() => tf.add(tf.mul(createNoiseSource(3).normal<tf.Rank.R4>([1, 512, 512, 1]), 0.5), 0.2) as tf.Tensor4D);
    const pooled = tf.tidy(() => tf.avgPool(x0, 2, 2, 'valid'));
    const { mean, variance } = tf.tidy(() => tf.moments(pooled));
    const v = variance.dataSync()[0]!;
    expect(mean.dataSync()[0]).toBeCloseTo(0.2, 2);
    // 65536 pooled samples; 2 % tolerance on the variance (std error 0.55 %).
    expect(Math.abs(v / (d.statsAt(1).variance as number) - 1)).toBeLessThan(0.02);
    tf.dispose([x0, pooled, mean, variance]);
  });

  it('honours custom levelStats and frees its tensors on dispose', () => {
    const base = tf.memory().numTensors;
    const d = createGaussianDenoiser({
      channels: 2,
      levelStats: (level) => ({ mean: tf.tensor1d([level, -level]), variance: 1 }),
    });
    const x = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
    const y = d.denoise(x, 1, { level: 2 });
    expect(Array.from(y.dataSync())).toEqual([1, -1]);
    tf.dispose([x, y]);
    d.dispose();
    expect(tf.memory().numTensors).toBe(base);
    expect(() => d.statsAt(0)).toThrow(/after dispose/);
  });

  it('rejects bad options with ConfigError', () => {
    expect(() => createGaussianDenoiser({ std: 0 })).toThrow(ConfigError);
    expect(() => createGaussianDenoiser({ channels: 0 })).toThrow(ConfigError);
    const wrong = tf.ones([2]);
    expect(() => createGaussianDenoiser({ mean: wrong, channels: 3 })).toThrow(/mean/);
    wrong.dispose();
    const d = createGaussianDenoiser();
    const x = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
    expect(() => d.denoise(x, -1, { level: 0 })).toThrow(ConfigError);
    expect(() => d.denoise(x, 1, { level: -1 })).toThrow(ConfigError);
    x.dispose();
  });
});

describe('closed-form PF-ODE solution', () => {
  it('solves dx/dsigma = (x - D(x, sigma)) / sigma (finite differences) and composes', () => {
    const v = 0.3;
    const mu = -0.1;
    const d = createGaussianDenoiser({ mean: mu, std: Math.sqrt(v), channels: 1 });
    const stats = d.statsAt(0);
    const x = tf.tensor4d([3, -2, 0.5], [1, 1, 3, 1]);
    const sigma = 1.7;
    const h = 1e-2;
    const at = (s: number) => gaussianOdeSolution(x, 4, s, stats).dataSync();
    const plus = at(sigma + h);
    const minus = at(sigma - h);
    const here = gaussianOdeSolution(x, 4, sigma, stats);
    const den = d.denoise(here, sigma, { level: 0 }).dataSync();
    const hv = here.dataSync();
    for (let i = 0; i < 3; i++) {
      const deriv = (plus[i]! - minus[i]!) / (2 * h);
      expect(deriv).toBeCloseTo((hv[i]! - den[i]!) / sigma, 3);
    }
    const direct = gaussianOdeSolution(x, 4, 0.2, stats).dataSync();
    const twoStep = d.odeSolution(here, sigma, 0.2, 0).dataSync();
    for (let i = 0; i < 3; i++) expect(twoStep[i]!).toBeCloseTo(direct[i]!, 5);
    expect(gaussianOdeScale(v, 4, 0)).toBeCloseTo(Math.sqrt(v / (v + 16)), 14);
    tf.dispose([x, here]);
  });
});
