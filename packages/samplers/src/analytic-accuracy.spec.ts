/**
 * Samplers against the analytic case: Gaussian data x0 ~ N(mu, s^2) per pixel, whose exact
 * denoiser and probability-flow ODE solution are known in closed form (see
 * @upshift/testing `createGaussianDenoiser`).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoiseSource } from '@upshift/core';
import type { Sampler } from '@upshift/core';
import { createGaussianDenoiser, runSampler } from '@upshift/testing';
import {
  createDdimSampler,
  createDdpmSampler,
  createDpmPp2mSampler,
  createDpmPp2mSdeSampler,
  createEulerAncestralSampler,
  createEulerSampler,
  createHeunSampler,
} from './index.js';

const MU = 0.1;
const STD = 0.5;

function karras(n: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return Array.from({ length: n }, (_, i) => (a + (i / (n - 1)) * (b - a)) ** rho);
}

function exponential(n: number, sigmaMin: number, sigmaMax: number): number[] {
  return [...Array.from({ length: n }, (_, i) => Math.exp(Math.log(sigmaMax) + (i / (n - 1)) * Math.log(sigmaMin / sigmaMax))), 0];
}

/** x_T ~ N(mu, s^2 + sigma^2) exactly. */
function initial(seed: number, sigma: number, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(createNoiseSource(seed).normal<tf.Rank.R4>(shape), Math.sqrt(STD * STD + sigma * sigma)), MU) as tf.Tensor4D);
}

function rms(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(a, b)))).dataSync()[0]!);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('deterministic samplers converge to the closed-form PF-ODE solution at their order', () => {
  const d = createGaussianDenoiser({ mean: MU, std: STD, channels: 1 });
  const cases: [string, () => Sampler, number][] = [
    ['euler', () => createEulerSampler(), 1],
    ['ddim (eta 0)', () => createDdimSampler(), 1],
    ['heun', () => createHeunSampler(), 2],
    ['dpmpp-2m', () => createDpmPp2mSampler(), 2],
    ['dpmpp-2m-sde (eta 0)', () => createDpmPp2mSdeSampler({ eta: 0 }), 2],
  ];
  it.each(cases)('%s: error ratio per doubling of steps (16 -> 32 -> 64, Karras 80 -> 0.002) is 2^order', async (_name, make, order) => {
    const sigmaMax = 80;
    const sigmaMin = 0.002;
    const base = tf.memory().numTensors;
    const x = initial(1, sigmaMax, [1, 16, 16, 1]);
    const exact = d.odeSolution(x, sigmaMax, sigmaMin, 0);
    const errors: number[] = [];
    for (const n of [16, 32, 64]) {
      const out = await runSampler({ sampler: make(), denoiser: d, x, sigmas: karras(n, sigmaMin, sigmaMax), noise: createNoiseSource(1) });
      errors.push(rms(out.latent.x, exact));
      out.latent.x.dispose();
    }
    const orders = [Math.log2(errors[0]! / errors[1]!), Math.log2(errors[1]! / errors[2]!)];
    // Measured: euler 0.98 / 0.99, heun 2.20 / 2.10, dpmpp-2m 2.24 / 2.16.
    for (const p of orders) expect(Math.abs(p - order), `observed orders ${orders.join(', ')}, errors ${errors.join(', ')}`).toBeLessThan(0.35);
    expect(errors[2]!).toBeLessThan(order === 1 ? 0.03 : 0.003);
    tf.dispose([x, exact]);
    expect(tf.memory().numTensors).toBe(base);
  });

  it.each(cases)('%s: the full grid (trailing 0) ends at the analytic x0 (64 steps)', async (_name, make, order) => {
    const x = initial(2, 80, [1, 16, 16, 1]);
    const exact = d.odeSolution(x, 80, 0, 0);
    const out = await runSampler({ sampler: make(), denoiser: d, x, sigmas: [...karras(64, 0.002, 80), 0], noise: createNoiseSource(1) });
    expect(rms(out.latent.x, exact)).toBeLessThan(order === 1 ? 0.03 : 0.003);
    tf.dispose([x, exact, out.latent.x]);
  });
});

describe('ancestral samplers reproduce the data distribution over many samples', () => {
  const d = createGaussianDenoiser({ mean: MU, std: STD, channels: 1 });
  // 65536 i.i.d. pixels: std error of the variance 0.55 %, of the mean 0.002.
  const shape: [number, number, number, number] = [4, 128, 128, 1];
  const sigmaMax = 20;

  async function moments(sampler: Sampler, steps: number, seed: number): Promise<{ mean: number; varianceRatio: number }> {
    const x = initial(seed, sigmaMax, shape);
    const out = await runSampler({ sampler, denoiser: d, x, sigmas: exponential(steps, 0.005, sigmaMax), noise: createNoiseSource(seed + 1) });
    const m = tf.tidy(() => {
      const { mean, variance } = tf.moments(out.latent.x);
      return [mean.dataSync()[0]!, variance.dataSync()[0]! / (STD * STD)];
    });
    tf.dispose([x, out.latent.x]);
    return { mean: m[0]!, varianceRatio: m[1]! };
  }

  it('euler-ancestral = ddim(eta 1) = ddpm(posterior): the same step in sigma space, bit for bit', async () => {
    const x = initial(3, 20, [1, 8, 8, 1]);
    const run = async (s: Sampler) => {
      const out = await runSampler({ sampler: s, denoiser: d, x, sigmas: exponential(6, 0.01, 20), noise: createNoiseSource(4) });
      const v = Array.from(out.latent.x.dataSync());
      out.latent.x.dispose();
      return v;
    };
    const a = await run(createEulerAncestralSampler());
    const b = await run(createDdimSampler({ eta: 1 }));
    const c = await run(createDdpmSampler());
    for (let i = 0; i < a.length; i++) {
      expect(b[i]!).toBeCloseTo(a[i]!, 5);
      expect(c[i]!).toBeCloseTo(a[i]!, 5);
    }
    x.dispose();
  });

  it('euler-ancestral: mean exact, variance within 8 % at 128 log-uniform steps, bias halves per doubling (weak order 1)', async () => {
    const runs: { mean: number; varianceRatio: number }[] = [];
    for (const n of [32, 64, 128]) runs.push(await moments(createEulerAncestralSampler(), n, 10));
    for (const r of runs) expect(Math.abs(r.mean - MU)).toBeLessThan(0.01);
    // Measured variance / s^2: 0.775, 0.871, 0.940. The plug-in x0 drops the posterior
    // uncertainty of x0 from each transition, a deficit of O(h) in total.
    const bias = runs.map((r) => Math.abs(r.varianceRatio - 1));
    expect(bias[2]!, `variance ratios ${runs.map((r) => r.varianceRatio).join(', ')}`).toBeLessThan(0.08);
    expect(bias[0]! / bias[1]!).toBeGreaterThan(1.6);
    expect(bias[1]! / bias[2]!).toBeGreaterThan(1.6);
  });

  it('dpmpp-2m-sde (eta 1): mean exact and variance within 2 % at 64 log-uniform steps', async () => {
    // Measured: variance / s^2 = 1.0046.
    const r = await moments(createDpmPp2mSdeSampler(), 64, 20);
    expect(Math.abs(r.mean - MU)).toBeLessThan(0.01);
    expect(Math.abs(r.varianceRatio - 1), `variance ratio ${r.varianceRatio}`).toBeLessThan(0.02);
  });

  it('ddpm (beta variance): mean exact and variance within 5 % at 128 log-uniform steps', async () => {
    // Measured: variance / s^2 = 1.025 (the beta variance over-disperses at finite steps).
    const r = await moments(createDdpmSampler({ variance: 'beta' }), 128, 30);
    expect(Math.abs(r.mean - MU)).toBeLessThan(0.01);
    expect(Math.abs(r.varianceRatio - 1), `variance ratio ${r.varianceRatio}`).toBeLessThan(0.05);
  });
});
