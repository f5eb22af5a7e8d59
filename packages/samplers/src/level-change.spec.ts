/**
 * Runs that change level mid-way (the stand-in exact box resizer of @upshift/testing; the
 * same bookkeeping as the pipeline: sigma / 2^level at each level, `onLevelChange` on a
 * switch). For i.i.d. Gaussian pixels the box-pooled part of the PF-ODE solution does not care
 * at which level it was integrated, and the detail the coarse levels lack is drowned by the
 * noise when the upshift happens at high noise, so the run must still end at the analytic
 * answer.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoiseSource } from '@upshift/core';
import type { Latent, Sampler, SamplerState } from '@upshift/core';
import { createBoxTestResizer, createGaussianDenoiser, runSampler, spyOnResizer } from '@upshift/testing';
import { createDpmPp2mSampler, createEulerSampler, createHeunSampler } from './index.js';

const MU = 0.1;
const STD = 0.5;
const SHAPE: [number, number, number, number] = [16, 32, 32, 1];

function karras(n: number, sigmaMin = 0.002, sigmaMax = 80, rho = 7): number[] {
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return [...Array.from({ length: n }, (_, i) => (a + (i / (n - 1)) * (b - a)) ** rho), 0];
}

function pool(x: tf.Tensor4D, levels: number): tf.Tensor4D {
  return tf.tidy(() => {
    let t = x;
    for (let i = 0; i < levels; i++) t = tf.avgPool(t, 2, 2, 'valid');
    return t === x ? x.clone() : t;
  });
}

function rms(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(a, b)))).dataSync()[0]!);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a run that upshifts mid-way ends at the analytic answer', () => {
  const d = createGaussianDenoiser({ mean: MU, std: STD, channels: 1 });
  const sigmas = karras(40);
  /** Level per step: 2 while sigma > 20, 1 while sigma > 5, then 0. */
  const levels = sigmas.slice(0, -1).map((s) => (s > 20 ? 2 : s > 5 ? 1 : 0));

  const samplers: [string, () => Sampler, number][] = [
    ['heun', () => createHeunSampler(), 0.005],
    ['dpmpp-2m (history resized)', () => createDpmPp2mSampler(), 0.01],
    ['dpmpp-2m (first order after a switch)', () => createDpmPp2mSampler({ onLevelChange: 'first-order' }), 0.01],
  ];
  // (Euler is left out: at 40 steps its own first-order error, not the switch, dominates.)

  it.each(samplers)('%s: levels 2 -> 1 -> 0, upshifts at sigma 20 and 5', async (_name, make, tol) => {
    const base = tf.memory().numTensors;
    const xT = tf.tidy(() => tf.add(tf.mul(createNoiseSource(1).normal<tf.Rank.R4>(SHAPE), Math.sqrt(STD * STD + 80 * 80)), MU) as tf.Tensor4D);
    const start = pool(xT, levels[0]!);
    const resizer = spyOnResizer(createBoxTestResizer());
    const out = await runSampler({ sampler: make(), denoiser: d, x: start, sigmas, levels, resizer, noise: createNoiseSource(2) });
    expect(out.latent.level).toBe(0);
    expect(out.latent.x.shape).toEqual(SHAPE);
    const upshifted = resizer.last!;
    expect(upshifted.level).toBe(0);
    const sigmaU = sigmas[levels.indexOf(0)]!;
    expect(upshifted.sigma).toBeCloseTo(sigmaU, 12);

    // 1. From the last upshift on it is a full-resolution PF-ODE: exact answer from that state.
    const fromSwitch = d.odeSolution(upshifted.x, sigmaU, 0, 0);
    expect(rms(out.latent.x, fromSwitch)).toBeLessThan(tol);
    // 2. The coarse content is the same-seed full-resolution answer, pooled (sigma halving right).
    const fullRes = d.odeSolution(xT, 80, 0, 0);
    const [a, b] = [pool(out.latent.x, 2), pool(fullRes, 2)];
    expect(rms(a, b)).toBeLessThan(tol);
    // 3. The distribution is the data's: the missing detail was drowned at sigma 5 >> s.
    const { mean, variance } = tf.moments(out.latent.x);
    expect(mean.dataSync()[0]!).toBeCloseTo(MU, 2);
    // 16384 pixels: std error of the variance 1.1 %; expected deficit (3/4) s^2 / (s^2 + 25) = 0.7 %.
    expect(Math.abs(variance.dataSync()[0]! / (STD * STD) - 1)).toBeLessThan(0.04);

    tf.dispose([xT, start, out.latent.x, upshifted.x, fromSwitch, fullRes, a, b, mean, variance]);
    expect(tf.memory().numTensors).toBe(base);
  });

  it('the same run upshifted at low noise (sigma 0.3) visibly loses detail variance (the test can fail)', async () => {
    const lateLevels = sigmas.slice(0, -1).map((s) => (s > 0.3 ? 1 : 0));
    const xT = tf.tidy(() => tf.add(tf.mul(createNoiseSource(1).normal<tf.Rank.R4>(SHAPE), Math.sqrt(STD * STD + 80 * 80)), MU) as tf.Tensor4D);
    const start = pool(xT, 1);
    const out = await runSampler({ sampler: createHeunSampler(), denoiser: d, x: start, sigmas, levels: lateLevels, resizer: createBoxTestResizer(), noise: createNoiseSource(2) });
    const { variance } = tf.moments(out.latent.x);
    // Expected: s^2 / 4 + (3/4) s^2 * 0.09 / (0.25 + 0.09) -> ratio 0.45.
    expect(variance.dataSync()[0]! / (STD * STD)).toBeLessThan(0.6);
    tf.dispose([xT, start, out.latent.x, variance]);
  });
});

describe('onLevelChange of the x0 history', () => {
  const d = createGaussianDenoiser({ mean: MU, std: STD, channels: 1 });

  async function twoSteps<S extends SamplerState>(sampler: Sampler<S>) {
    const x = tf.tidy(() => tf.add(tf.mul(createNoiseSource(5).normal<tf.Rank.R4>([1, 8, 8, 1]), 10), MU) as tf.Tensor4D);
    let latent: Latent = { x, level: 1, sigma: 10 };
    let state = sampler.initState();
    for (const next of [6, 4]) {
      const out = await sampler.step({ denoiser: d, latent, sigmaNext: next, state, ctx: { level: 1 }, noise: createNoiseSource(1) });
      latent.x.dispose();
      out.denoised.dispose();
      latent = out.latent;
      state = out.state;
    }
    return { latent, state };
  }

  it('"resize" moves the previous x0 with resizer.resizeSignal and keeps the second-order step', async () => {
    const sampler = createDpmPp2mSampler();
    const resizer = createBoxTestResizer();
    const { latent, state } = await twoSteps(sampler);
    const prevLow = state.previousDenoised!.clone();
    const moved = sampler.onLevelChange(state, { from: 1, to: 0 }, resizer);
    expect(resizer.signalResizes).toBe(1);
    expect(state.previousDenoised!.isDisposed).toBe(true);
    const expectedPrev = tf.tidy(() => tf.image.resizeNearestNeighbor(prevLow, [16, 16]));
    expect(Array.from(moved.previousDenoised!.dataSync())).toEqual(Array.from(expectedPrev.dataSync()));
    expect(moved.previousStepSize).toBe(state.previousStepSize);

    // The next step at level 0 uses the 2M extrapolation with the resized history.
    const hi = resizer.resize(latent, 0, { noise: createNoiseSource(3) });
    const out = await sampler.step({ denoiser: d, latent: hi, sigmaNext: 5, state: moved, ctx: { level: 0 }, noise: createNoiseSource(1) });
    const h = Math.log(8 / 5);
    const r = Math.log(6 / 4) / h;
    const expected = tf.tidy(() => {
      const den = d.denoise(hi.x, 8, { level: 0 });
      const dEff = tf.sub(tf.mul(den, 1 + 1 / (2 * r)), tf.mul(expectedPrev, 1 / (2 * r)));
      return tf.add(tf.mul(hi.x, 5 / 8), tf.mul(dEff, 1 - 5 / 8));
    });
    expect(rms(out.latent.x, expected)).toBeLessThan(1e-5);
    tf.dispose([prevLow, expectedPrev, latent.x, hi.x, out.latent.x, out.denoised, expected]);
    sampler.disposeState(out.state);
  });

  it('"first-order" drops the history: the next step equals Euler / DDIM', async () => {
    const sampler = createDpmPp2mSampler({ onLevelChange: 'first-order' });
    const resizer = createBoxTestResizer();
    const { latent, state } = await twoSteps(sampler);
    const moved = sampler.onLevelChange(state, { from: 1, to: 0 }, resizer);
    expect(resizer.signalResizes).toBe(0);
    expect(moved.previousDenoised).toBeNull();
    expect(state.previousDenoised!.isDisposed).toBe(true);
    const hi = resizer.resize(latent, 0, { noise: createNoiseSource(3) });
    const out = await sampler.step({ denoiser: d, latent: hi, sigmaNext: 5, state: moved, ctx: { level: 0 }, noise: createNoiseSource(1) });
    const euler = await createEulerSampler().step({ denoiser: d, latent: hi, sigmaNext: 5, state: { kind: 'euler', stepIndex: 0 }, ctx: { level: 0 }, noise: createNoiseSource(1) });
    expect(rms(out.latent.x, euler.latent.x)).toBeLessThan(1e-6);
    // ...and the step after it is second order again (history at the new level).
    expect(out.state.previousDenoised!.shape).toEqual([1, 16, 16, 1]);
    tf.dispose([latent.x, hi.x, out.latent.x, out.denoised, euler.latent.x, euler.denoised]);
    sampler.disposeState(out.state);
  });

  it('a history left at the old level is a clear error, not a silent broadcast', async () => {
    const sampler = createDpmPp2mSampler();
    const resizer = createBoxTestResizer();
    const { latent, state } = await twoSteps(sampler);
    const hi = resizer.resize(latent, 0, { noise: createNoiseSource(3) });
    await expect(sampler.step({ denoiser: d, latent: hi, sigmaNext: 5, state, ctx: { level: 0 }, noise: createNoiseSource(1) })).rejects.toThrow(/onLevelChange/);
    expect(state.previousDenoised!.isDisposed).toBe(false);
    sampler.disposeState(state);
    tf.dispose([latent.x, hi.x]);
  });
});
