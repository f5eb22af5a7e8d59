/**
 * Policies against the exact theory of an upshifted Euler run on Gaussian data with a power-law
 * spectrum (32 x 32, S ~ f^-3.3; @upshift/testing `predictFinalCoefficientVariance`, DCT pair):
 * the spectral policy's default plan is near-lossless, and the budget policy, at the same FLOP
 * fraction as a fixed plan, loses no more power than it.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyContext } from '@upshift/core';
import { bandPowers, createSpectralGaussianField, predictFinalCoefficientVariance } from '@upshift/testing';
import { buildPlan } from './build-plan.js';
import { solveBudget } from './budget-policy.js';
import { createFixedPolicy } from './fixed-policy.js';
import { createSpectralPolicy } from './spectral-policy.js';

const field = createSpectralGaussianField({ side: 32, exponent: 3.3, pixelVariance: 0.4 });
const karras = (steps: number, lo = 0.002, hi = 80, rho = 7) => [
  ...Array.from({ length: steps }, (_, i) => (hi ** (1 / rho) + (i / (steps - 1)) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho),
  0,
];
const SIGMAS = karras(24);
const ctx: PolicyContext = {
  sigmas: SIGMAS,
  resolution: { height: 32, width: 32 },
  maxLevel: 2,
  flopsAt: (k) => 1024 / 4 ** k,
  spectrum: field.powerSpectrum(3),
};
const FULL = bandPowers(predictFinalCoefficientVariance({ field, op: 'dct', upshift: 'exact', sigmas: SIGMAS, levels: SIGMAS.slice(1).map(() => 0) }), 32, 3, false);

/** Per-band power kept relative to the full-resolution run, and the total relative loss. */
function kept(levels: number[]): { bands: number[]; lost: number } {
  const b = bandPowers(predictFinalCoefficientVariance({ field, op: 'dct', upshift: 'exact', sigmas: SIGMAS, levels }), 32, 3, false);
  const total = FULL.reduce((s, v) => s + v, 0);
  return { bands: b.map((v, k) => v / (FULL[k] as number)), lost: FULL.reduce((s, v, k) => s + v - (b[k] as number), 0) / total };
}

describe('policies on Gaussian data (exact theory)', () => {
  it('spectral (default threshold 0.01) keeps > 98 % of every band and saves compute', () => {
    const levels = createSpectralPolicy().levels(ctx);
    const { bands } = kept(levels);
    for (const b of bands) expect(b).toBeGreaterThan(0.98);
    const fraction = buildPlan('spectral', levels, ctx).flopFraction;
    expect(fraction).toBeLessThan(0.8);
    console.info(`spectral plan: fraction ${fraction.toFixed(3)}, bands kept ${bands.map((b) => b.toFixed(4))}`);
  });

  it.each([0.5, 1.5])('budget at the FLOP fraction of "1/4 side while sigma > %f" loses no more than that plan', (sigma) => {
    const fixedLevels = createFixedPolicy({ level: 2, threshold: { sigma } }).levels(ctx);
    const fraction = buildPlan('fixed', fixedLevels, ctx).flopFraction;
    const budget = solveBudget({ fraction }, ctx);
    expect(budget.flopFraction).toBeLessThanOrEqual(fraction + 1e-12);
    const a = kept(fixedLevels);
    const b = kept(budget.levels);
    console.info(`fraction ${fraction.toFixed(3)}: fixed loses ${(100 * a.lost).toFixed(3)} %, budget ${(100 * b.lost).toFixed(3)} % (levels ${budget.levels.join('')})`);
    expect(b.lost).toBeLessThanOrEqual(a.lost + 1e-9);
  });
});
