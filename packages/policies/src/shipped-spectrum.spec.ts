/**
 * The policies on what ships: the spectrum stored with the emoji model
 * (packages/models/assets/emoji-unet/config.json, read through @upshift/models' config parser
 * as the pipeline does), the model's own FLOP table, and real schedules from
 * @upshift/schedules for the seed's "t > 0.7" form.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PolicyContext, PowerSpectrum } from '@upshift/core';
import { parseModelConfig } from '@upshift/models';
import { createKarrasSchedule, createVpCosineSchedule } from '@upshift/schedules';
import { buildPlan } from './build-plan.js';
import { solveBudget } from './budget-policy.js';
import { createFixedPolicy, FIXED_POLICY_DEFAULTS, resolveFixedPolicyOptions } from './fixed-policy.js';
import { highestResolvedFrequency, nyquistAt, spectralBins } from './spectral-model.js';
import { createSpectralPolicy, SPECTRAL_POLICY_DEFAULTS } from './spectral-policy.js';

const config = parseModelConfig(JSON.parse(readFileSync(new URL('../../models/assets/emoji-unet/config.json', import.meta.url), 'utf8')));
const spectrum = config.spectrum as PowerSpectrum;
const flops = (config as unknown as { flops: Record<string, number> }).flops;
const karras = createKarrasSchedule();

/** The pipeline's context for the shipped model at 64 x 64 (4 levels: maxLevel 3). */
const ctxFor = (steps: number, schedule = karras): PolicyContext => ({
  sigmas: schedule.sigmas(steps),
  resolution: { height: 64, width: 64 },
  maxLevel: 3,
  flopsAt: (k) => flops[String(k)] as number,
  schedule,
  spectrum,
});

describe('spectral policy on the shipped emoji spectrum', () => {
  it('the shipped config carries a usable spectrum (4 levels, box, power falling with f)', () => {
    expect(spectrum.levels.map((l) => l.side)).toEqual([64, 32, 16, 8]);
    expect(spectrum.downOperator).toBe('box');
    const p = spectrum.levels[0]!.power;
    // a power law ~f^-3.3: three decades down from the first to the tenth bin
    expect(p[1]! / p[10]!).toBeGreaterThan(100);
  });

  it('switch sigmas are where the first frequency beyond each Nyquist reaches SNR 0.01 (~13.9, ~6.0, ~1.95)', () => {
    const bins = spectralBins(spectrum);
    const thr = SPECTRAL_POLICY_DEFAULTS.threshold;
    // Hand rule: level k is allowed iff sigma^2 >= max over f > Nyquist(k) of S(f) / threshold.
    const switchSigma = (k: number) => Math.sqrt(Math.max(...bins.filter((b) => b.frequency > nyquistAt(k)).map((b) => b.power)) / thr);
    const s = [1, 2, 3].map(switchSigma);
    // From the shipped bins: S(17/64) = 0.0382, S(9/64) = 0.362, S(5/64) = 1.93.
    expect(s[0]).toBeCloseTo(1.95, 1);
    expect(s[1]).toBeCloseTo(6.0, 1);
    expect(s[2]).toBeCloseTo(13.9, 1);
    // The policy's level at every sigma agrees with the hand rule.
    const policy = createSpectralPolicy();
    const ctx = ctxFor(30);
    const levels = policy.levels(ctx);
    ctx.sigmas.slice(0, -1).forEach((sigma, i) => {
      const expected = sigma > s[2]! ? 3 : sigma > s[1]! ? 2 : sigma > s[0]! ? 1 : 0;
      expect(levels[i], `step ${i}, sigma ${sigma}`).toBe(expected);
      // every resolved frequency fits under a coarse level's Nyquist (level 0 holds everything)
      if (levels[i]! > 0) expect(highestResolvedFrequency(bins, sigma, thr)).toBeLessThanOrEqual(nyquistAt(levels[i]!));
    });
  });

  it('30 Karras steps (the pipeline default): 3 x9, 2 x3, 1 x4, 0 x14 at FLOP fraction 0.509', () => {
    const ctx = ctxFor(30);
    const levels = createSpectralPolicy().levels(ctx);
    const counts = [3, 2, 1, 0].map((k) => levels.filter((l) => l === k).length);
    expect(counts).toEqual([9, 3, 4, 14]);
    // monotone: only upshifts, coarse at high noise, full resolution at the end
    for (let i = 1; i < levels.length; i++) expect(levels[i]!).toBeLessThanOrEqual(levels[i - 1]!);
    const plan = buildPlan('spectral', levels, ctx);
    expect(plan.flopFraction).toBeCloseTo(0.5093, 4);
    // every step below sigma ~1.95 runs at full resolution: no detail the data has above the
    // noise is ever dropped
    ctx.sigmas.slice(0, -1).forEach((sigma, i) => {
      if (sigma < 1.9) expect(levels[i]).toBe(0);
    });
  });

  it('a stricter threshold upshifts earlier and costs more; a looser one saves more', () => {
    const ctx = ctxFor(30);
    const fraction = (threshold: number) => buildPlan('spectral', createSpectralPolicy({ threshold }).levels(ctx), ctx).flopFraction;
    expect(fraction(0.001)).toBeGreaterThan(fraction(0.01));
    expect(fraction(0.1)).toBeLessThan(fraction(0.01));
  });

  it('the budget policy on the shipped spectrum meets 0.5 and plans only upshifts', () => {
    const ctx = ctxFor(30);
    const s = solveBudget({ fraction: 0.5 }, ctx);
    expect(s.flopFraction).toBeLessThanOrEqual(0.5);
    expect(s.flopFraction).toBeGreaterThan(0.45);
    for (let i = 1; i < s.levels.length; i++) expect(s.levels[i]!).toBeLessThanOrEqual(s.levels[i - 1]!);
  });
});

describe('fixed policy: the seed\'s "t > 0.7" through a real schedule', () => {
  it('on the cosine schedule t = 0.7 is sigma 1.98 (logSNR -1.37), the default threshold', () => {
    const cosine = createVpCosineSchedule();
    const sigma07 = cosine.tToSigma(0.7);
    expect(sigma07).toBeCloseTo(1.981, 3);
    expect(-2 * Math.log(sigma07)).toBeCloseTo(-1.367, 3);
    const ctx = ctxFor(30, cosine);
    const byT = createFixedPolicy(resolveFixedPolicyOptions({ t: 0.7 })).levels(ctx);
    const bySigma = createFixedPolicy({ level: 2, threshold: { sigma: sigma07 } }).levels(ctx);
    expect(byT).toEqual(bySigma);
    expect(byT).toEqual(createFixedPolicy(FIXED_POLICY_DEFAULTS).levels(ctx));
    // steps at t > 0.7 run at 1/4 side, the rest at full resolution
    ctx.sigmas.slice(0, -1).forEach((sigma, i) => expect(byT[i]).toBe(cosine.sigmaToT(sigma) > 0.7 ? 2 : 0));
    expect(byT.filter((l) => l === 2).length).toBeGreaterThan(0);
    expect(byT.filter((l) => l === 0).length).toBeGreaterThan(0);
  });

  it('the same t means a different noise level on another schedule (why thresholds are noise levels)', () => {
    // Karras' t is its ramp, not a diffusion time: t = 0.7 there is sigma ~12.4, six times the
    // cosine schedule's, and the policy converts through whichever schedule the run uses.
    const sigmaK = karras.tToSigma(0.7);
    expect(sigmaK / createVpCosineSchedule().tToSigma(0.7)).toBeGreaterThan(6);
    const ctx = ctxFor(30);
    const byT = createFixedPolicy(resolveFixedPolicyOptions({ t: 0.7 })).levels(ctx);
    expect(byT).toEqual(createFixedPolicy({ level: 2, threshold: { sigma: sigmaK } }).levels(ctx));
    expect(byT).not.toEqual(createFixedPolicy(FIXED_POLICY_DEFAULTS).levels(ctx));
  });
});
