/**
 * The statistics every exact resizer promises: pure noise in, i.i.d. N(0, sigma_out^2) out.
 * 524,288 values per check: the variance ratio has standard error sqrt(2 / N) = 0.20 %, each
 * 2x2 phase 0.39 %, each correlation ~1 / sqrt(N / 4) = 0.28 %; at 4 standard errors every
 * tolerance is below 2 %, so a 2 % error in variance or correlation fails (asserted below).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoiseSource } from '@upshift/core';
import type { Latent, Resizer } from '@upshift/core';
import { iidNoiseViolations, noiseStatistics } from '@upshift/testing';
import { BilinearResizer } from './bilinear-resizer.js';
import { createBoxExactResizer } from './box-exact-resizer.js';
import { createDctExactResizer } from './dct-exact-resizer.js';

const Z = 4;
const FULL: [number, number, number, number] = [32, 64, 64, 4];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function noiseAt(level: number, sigma: number, seed: number): Latent {
  const f = 2 ** level;
  const shape = [FULL[0], FULL[1] / f, FULL[2] / f, FULL[3]];
  const x = tf.tidy(() => tf.mul(createNoiseSource(seed).normal(shape), sigma) as tf.Tensor4D);
  return { x, level, sigma };
}

function violations(latent: Latent): string[] {
  return iidNoiseViolations(noiseStatistics(latent.x, latent.sigma), Z);
}

const exact: [string, () => Resizer][] = [
  ['box-exact', createBoxExactResizer],
  ['dct-exact', createDctExactResizer],
];

describe('exact resizers keep pure noise i.i.d.', () => {
  it('the test is sharp enough to see a 2 % error', () => {
    const stats = noiseStatistics(noiseAt(0, 1, 1).x, 1);
    expect(stats.samples).toBe(524288);
    expect(Z * stats.varianceRatioSe).toBeLessThan(0.02);
    expect(Z * stats.phaseVarianceRatioSe).toBeLessThan(0.02);
    expect(Z * stats.correlationSe).toBeLessThan(0.02);
    // and a 2 % variance error is caught
    const scaled = tf.mul(noiseAt(0, 1, 1).x, Math.sqrt(1.02)) as tf.Tensor4D;
    expect(iidNoiseViolations(noiseStatistics(scaled, 1), Z).length).toBeGreaterThan(0);
    tf.dispose(scaled);
  });

  describe.each(exact)('%s', (_name, make) => {
    it('up one level: sigma doubles, noise i.i.d. N(0, sigma_hi^2)', () => {
      const before = tf.memory().numTensors;
      const lo = noiseAt(1, 0.5, 2);
      const hi = make().resize(lo, 0, { noise: createNoiseSource(3) });
      expect(hi.sigma).toBe(1);
      expect(hi.level).toBe(0);
      expect(hi.x.shape).toEqual(FULL);
      expect(violations(hi)).toEqual([]);
      tf.dispose([lo.x, hi.x]);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('up two levels in one go: sigma x4, noise i.i.d.', () => {
      const lo = noiseAt(2, 0.25, 4);
      const hi = make().resize(lo, 0, { noise: createNoiseSource(5) });
      expect(hi.sigma).toBe(1);
      expect(violations(hi)).toEqual([]);
      tf.dispose([lo.x, hi.x]);
    });

    it('coupled up (targetNoise): still exact', () => {
      const lo = noiseAt(1, 0.5, 6);
      const z = noiseAt(0, 1, 7);
      const hi = make().resize(lo, 0, { noise: createNoiseSource(8), targetNoise: z.x });
      expect(violations(hi)).toEqual([]);
      expect(z.x.isDisposed).toBe(false);
      tf.dispose([lo.x, hi.x, z.x]);
    });

    it('down: sigma halves, noise i.i.d.; down-then-up returns the original sigma and i.i.d. noise', () => {
      const r = make();
      const x = noiseAt(0, 2, 9);
      const lo = r.resize(x, 1, { noise: createNoiseSource(10) });
      expect(lo.sigma).toBe(1);
      expect(lo.level).toBe(1);
      const lo2 = { ...lo, x: tf.concat([lo.x, r.resize(noiseAt(0, 2, 11), 1, { noise: createNoiseSource(10) }).x], 0) as tf.Tensor4D };
      expect(violations(lo2)).toEqual([]);
      const back = r.resize(lo, 0, { noise: createNoiseSource(12) });
      expect(back.sigma).toBe(2);
      expect(violations(back)).toEqual([]);
      tf.dispose([x.x, lo.x, lo2.x, back.x]);
    });
  });
});

describe('the naive bilinear baseline fails the same check', () => {
  it('bilinear up: noise too weak and correlated', () => {
    const lo = noiseAt(1, 0.5, 16);
    const hi = new BilinearResizer().resize(lo, 0, { noise: createNoiseSource(17) });
    expect(hi.sigma).toBe(1);
    const stats = noiseStatistics(hi.x, hi.sigma);
    // bilinear x2 with weights (3/4, 1/4) per axis keeps (9/16 + 1/16)^2 = 0.39 of sigma_lo^2,
    // i.e. 0.098 of the claimed sigma_hi^2 = 4 sigma_lo^2 (a bit more at the clamped borders).
    expect(stats.varianceRatio).toBeGreaterThan(0.0976);
    expect(stats.varianceRatio).toBeLessThan(0.11);
    // neighbours share most of their noise: covariance ~0.09 sigma_hi^2 against a tolerance of ~0.011
    expect(stats.correlations.blockHorizontal).toBeGreaterThan(0.05);
    expect(iidNoiseViolations(stats, Z).length).toBeGreaterThan(3);
    tf.dispose([lo.x, hi.x]);
  });
});
