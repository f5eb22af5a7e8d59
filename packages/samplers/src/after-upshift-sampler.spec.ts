/**
 * Stochastic steps after an upshift: options, bookkeeping (only after an upshift, only for the
 * given number of steps), exact noise on zero data (the latent stays i.i.d. N(0, sigma'^2)),
 * determinism, no leaks. The spectrum on Gaussian data with the real resizers is tested in
 * packages/resizers/src/upshift-gaussian.spec.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createNoiseSource } from '@upshift/core';
import type { Denoiser, Latent, NoiseSource, Sampler, SamplerState } from '@upshift/core';
import { createBoxTestResizer, iidNoiseViolations, noiseStatistics } from '@upshift/testing';
import { AFTER_UPSHIFT_DEFAULTS, resolveAfterUpshiftOptions, withAfterUpshift } from './after-upshift-sampler.js';
import { createDpmPp2mSampler, createEulerSampler, createHeunSampler } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Data that is exactly 0: D(x, sigma) = 0, so a correct step leaves pure N(0, sigma'^2) noise. */
const zero: Denoiser = { name: 'zero', channels: 1, denoise: (x) => tf.zerosLike(x) };

/** Counts the denoiser's calls. */
function counting(inner: Denoiser): Denoiser & { calls: number } {
  const d = { name: inner.name, channels: inner.channels, calls: 0, denoise: (x: tf.Tensor4D, s: number, c: Parameters<Denoiser['denoise']>[2]) => (d.calls++, inner.denoise(x, s, c)) };
  return d;
}

/** Steps `sampler` along `sigmas` at `latent`'s level, returning the final latent (caller owns). */
async function steps<S extends SamplerState>(sampler: Sampler<S>, state: S, latent: Latent, sigmas: readonly number[], denoiser: Denoiser, noise: NoiseSource): Promise<{ latent: Latent; state: S }> {
  let x = latent;
  let s = state;
  for (const next of sigmas) {
    const out = await sampler.step({ denoiser, latent: x, sigmaNext: next, state: s, ctx: { level: x.level }, noise });
    if (x !== latent) x.x.dispose();
    out.denoised.dispose();
    x = out.latent;
    s = out.state;
  }
  return { latent: x, state: s };
}

describe('afterUpshift options', () => {
  it('defaults and validation name the field and value', async () => {
    expect(resolveAfterUpshiftOptions({})).toEqual(AFTER_UPSHIFT_DEFAULTS);
    expect(resolveAfterUpshiftOptions({ steps: 3, mode: 'churn', churn: 0.2 })).toMatchObject({ steps: 3, mode: 'churn', churn: 0.2 });
    expect(() => resolveAfterUpshiftOptions(2)).toThrow(/afterUpshift = 2: must be an object/);
    expect(() => resolveAfterUpshiftOptions({ steps: 0 })).toThrow(/afterUpshift.steps = 0/);
    expect(() => resolveAfterUpshiftOptions({ steps: 1.5 })).toThrow(/afterUpshift.steps = 1.5/);
    expect(() => resolveAfterUpshiftOptions({ mode: 'sde' })).toThrow(/afterUpshift.mode = "?sde"?/);
    expect(() => resolveAfterUpshiftOptions({ eta: 0 })).toThrow(/afterUpshift.eta = 0/);
    expect(() => resolveAfterUpshiftOptions({ eta: 1.5 })).toThrow(/afterUpshift.eta = 1.5/);
    expect(() => resolveAfterUpshiftOptions({ churn: -0.1 })).toThrow(/afterUpshift.churn = -0.1/);
    expect(() => resolveAfterUpshiftOptions({ stpes: 2 })).toThrow(ConfigError);
    expect(() => resolveAfterUpshiftOptions({ stpes: 2 })).toThrow(/afterUpshift.stpes = 2/);
  });
});

describe('withAfterUpshift', () => {
  const resizer = createBoxTestResizer();

  it.each([
    ['ancestral', { ...AFTER_UPSHIFT_DEFAULTS, steps: 2 }],
    ['churn', { ...AFTER_UPSHIFT_DEFAULTS, steps: 2, mode: 'churn' as const, churn: 0.4 }],
  ])('%s: after an upshift on zero data the latent stays i.i.d. N(0, sigma^2) at every step', async (_name, options) => {
    const before = tf.memory().numTensors;
    const sampler = withAfterUpshift(createEulerSampler(), options);
    const noise = createNoiseSource(7);
    const start: Latent = { x: tf.tidy(() => tf.mul(noise.normal<tf.Rank.R4>([16, 32, 32, 2]), 1.5) as tf.Tensor4D), level: 1, sigma: 1.5 };
    let state = sampler.onLevelChange(sampler.initState(), { from: 1, to: 0 }, resizer);
    expect(state.remaining).toBe(2);
    const up = resizer.resize(start, 0, { noise });
    start.x.dispose();
    expect(up.sigma).toBe(3);
    let latent = up;
    for (const next of [2.2, 1.4, 0.9]) {
      const out = await sampler.step({ denoiser: zero, latent, sigmaNext: next, state, ctx: { level: 0 }, noise });
      latent.x.dispose();
      out.denoised.dispose();
      latent = out.latent;
      state = out.state;
      expect(latent.sigma).toBe(next);
      expect(iidNoiseViolations(noiseStatistics(latent.x, next), 4)).toEqual([]);
    }
    expect(state.remaining).toBe(0);
    latent.x.dispose();
    sampler.disposeState(state);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the noise really is fresh: an ancestral step moves the latent away from the plain step by sigmaUp', async () => {
    const noise = () => createNoiseSource(11);
    const x: Latent = { x: createNoiseSource(3).normal<tf.Rank.R4>([8, 16, 16, 1]), level: 0, sigma: 2 };
    const plain = createEulerSampler();
    const wrapped = withAfterUpshift(createEulerSampler(), AFTER_UPSHIFT_DEFAULTS);
    const a = await steps(plain, plain.initState(), x, [1], zero, noise());
    const up = wrapped.onLevelChange(wrapped.initState(), { from: 1, to: 0 }, resizer);
    const b = await steps(wrapped, up, x, [1], zero, noise());
    // eta 1 from 2 to 1: sigmaUp = sqrt(1 * (4 - 1) / 4) = 0.866, sigmaDown = 0.5.
    const diff = tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(b.latent.x, tf.mul(a.latent.x, 0.5))))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(0.8);
    expect(diff).toBeLessThan(0.93);
    tf.dispose([x.x, a.latent.x, b.latent.x]);
  });

  it('counts steps only after an upshift (not after a downshift), and is plain after them', async () => {
    const noise = createNoiseSource(5);
    const wrapped = withAfterUpshift(createEulerSampler(), { ...AFTER_UPSHIFT_DEFAULTS, steps: 1 });
    let state = wrapped.initState();
    state = wrapped.onLevelChange(state, { from: 0, to: 1 }, resizer);
    expect(state.remaining).toBe(0);
    const x: Latent = { x: noise.normal<tf.Rank.R4>([2, 8, 8, 1]), level: 0, sigma: 3 };
    // Without a pending stochastic step, the wrapper is bit-identical to the plain sampler.
    const plain = createEulerSampler();
    const d = { name: 'half', channels: 1, denoise: (t: tf.Tensor4D) => tf.mul(t, 0.5) as tf.Tensor4D };
    const a = await steps(plain, plain.initState(), x, [2, 1], d, createNoiseSource(1));
    const b = await steps(wrapped, state, x, [2, 1], d, createNoiseSource(1));
    expect(Array.from(b.latent.x.dataSync())).toEqual(Array.from(a.latent.x.dataSync()));
    tf.dispose([x.x, a.latent.x, b.latent.x]);
  });

  it('is deterministic per seed, keeps the model calls of the wrapped sampler and frees its state', async () => {
    const before = tf.memory().numTensors;
    const run = async (sampler: Sampler<SamplerState>) => {
      const noise = createNoiseSource(9);
      const x: Latent = { x: noise.normal<tf.Rank.R4>([2, 8, 8, 1]), level: 0, sigma: 4 };
      const d = counting({ name: 'half', channels: 1, denoise: (t: tf.Tensor4D) => tf.mul(t, 0.5) as tf.Tensor4D });
      const state = sampler.onLevelChange(sampler.initState(), { from: 2, to: 0 }, resizer);
      const out = await steps(sampler, state, x, [3, 2, 1, 0], d, noise);
      const data = Array.from(out.latent.x.dataSync());
      sampler.disposeState(out.state);
      tf.dispose([x.x, out.latent.x]);
      return { data, calls: d.calls };
    };
    for (const [make, calls] of [
      [() => createEulerSampler(), 4],
      [() => createHeunSampler(), 7],
      [() => createDpmPp2mSampler(), 4],
    ] as const) {
      for (const mode of ['ancestral', 'churn'] as const) {
        const a = await run(withAfterUpshift(make() as Sampler<SamplerState>, { ...AFTER_UPSHIFT_DEFAULTS, mode, steps: 2 }));
        const b = await run(withAfterUpshift(make() as Sampler<SamplerState>, { ...AFTER_UPSHIFT_DEFAULTS, mode, steps: 2 }));
        expect(a.data).toEqual(b.data);
        expect(a.calls).toBe(calls);
        expect(a.data.every(Number.isFinite)).toBe(true);
      }
    }
    const heun = withAfterUpshift(createHeunSampler(), AFTER_UPSHIFT_DEFAULTS);
    expect([heun.modelCalls(2, 1), heun.modelCalls(1, 0)]).toEqual([2, 1]);
    expect(heun.name).toBe('heun');
    expect(heun.stochastic).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
