/**
 * The samplers' level-change runs again, now with the shipped exact resizers instead of the
 * stand-in of @upshift/testing (issue: "a run whose level changes mid-way, using the exact
 * resizer, still ends at the analytic answer when the upshift happens at high noise").
 *
 * Data: i.i.d. Gaussian pixels N(mu, s^2). Through either down operator (rows orthogonal with
 * norm 1/2, constants kept) level-k data is again i.i.d. N(mu, s^2 / 4^k), so the same exact
 * denoiser serves box and DCT, and the PF-ODE acts component by component in any orthonormal
 * basis: the coarse part `D^2 x` of the final sample must equal `D^2` of the same-seed
 * full-resolution answer, and from the last upshift on the run is a full-resolution PF-ODE
 * with a closed-form end point. DPM++(2M) carries its x0 history across the switches with the
 * resizer's own `resizeSignal` (U = 4 D^T).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoiseSource } from '@upshift/core';
import type { Sampler } from '@upshift/core';
import { createDpmPp2mSampler, createHeunSampler } from '@upshift/samplers';
import { createGaussianDenoiser, runSampler, spyOnResizer } from '@upshift/testing';
import { createBoxExactResizer } from './box-exact-resizer.js';
import { createDctExactResizer } from './dct-exact-resizer.js';

const MU = 0.1;
const STD = 0.5;
const SHAPE: [number, number, number, number] = [16, 32, 32, 1];

function karras(n: number, sigmaMin = 0.002, sigmaMax = 80, rho = 7): number[] {
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return [...Array.from({ length: n }, (_, i) => (a + (i / (n - 1)) * (b - a)) ** rho), 0];
}

const rms = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(a, b)))).dataSync()[0] as number);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each([
  ['box-exact', createBoxExactResizer],
  ['dct-exact', createDctExactResizer],
] as const)('%s in a sampler run that upshifts 2 -> 1 -> 0 at sigma 20 and 5', (_name, makeResizer) => {
  const d = createGaussianDenoiser({ mean: MU, std: STD, channels: 1 });
  const sigmas = karras(40);
  const levels = sigmas.slice(0, -1).map((s) => (s > 20 ? 2 : s > 5 ? 1 : 0));

  it.each([
    ['heun', () => createHeunSampler(), 0.005, 0],
    ['dpmpp-2m (history resized)', () => createDpmPp2mSampler(), 0.01, 2],
    ['dpmpp-2m (first order after a switch)', () => createDpmPp2mSampler({ onLevelChange: 'first-order' }), 0.01, 0],
  ] as [string, () => Sampler, number, number][])('%s ends at the analytic answer', async (_s, makeSampler, tol, signalResizes) => {
    const base = tf.memory().numTensors;
    const inner = makeResizer();
    const resizer = spyOnResizer(inner);
    const xT = tf.tidy(() => tf.add(tf.mul(createNoiseSource(1).normal<tf.Rank.R4>(SHAPE), Math.sqrt(STD * STD + 80 * 80)), MU) as tf.Tensor4D);
    const start = inner.resizeSignal(xT, 0, levels[0]!);
    const out = await runSampler({ sampler: makeSampler(), denoiser: d, x: start, sigmas, levels, resizer, noise: createNoiseSource(2) });
    expect(out.latent.level).toBe(0);
    expect(out.latent.x.shape).toEqual(SHAPE);
    expect(resizer.signalResizes).toBe(signalResizes);
    const upshifted = resizer.last!;
    const sigmaU = sigmas[levels.indexOf(0)]!;
    expect(upshifted.sigma).toBeCloseTo(sigmaU, 12);

    // 1. From the last upshift on it is a full-resolution PF-ODE with a closed-form end point.
    const fromSwitch = d.odeSolution(upshifted.x, sigmaU, 0, 0);
    expect(rms(out.latent.x, fromSwitch)).toBeLessThan(tol);
    // 2. The coarse part is the same-seed full-resolution answer seen through D^2.
    const fullRes = d.odeSolution(xT, 80, 0, 0);
    const [a, b] = [inner.resizeSignal(out.latent.x, 0, 2), inner.resizeSignal(fullRes, 0, 2)];
    expect(rms(a, b)).toBeLessThan(tol);
    // 3. The data distribution: 16384 pixels, std error of the variance 1.1 %; the detail lost
    //    to the switch at sigma 5 is (3/4) s^2 / (s^2 + 25) = 0.7 % of it.
    const { mean, variance } = tf.moments(out.latent.x);
    expect(mean.dataSync()[0]!).toBeCloseTo(MU, 2);
    expect(Math.abs(variance.dataSync()[0]! / (STD * STD) - 1)).toBeLessThan(0.04);

    tf.dispose([xT, start, out.latent.x, upshifted.x, fromSwitch, fullRes, a, b, mean, variance]);
    expect(tf.memory().numTensors).toBe(base);
  });
});
