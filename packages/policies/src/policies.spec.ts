import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { container as rootContainer } from 'tsyringe';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, PolicyFactory, logSnrToSigma } from '@upshift/core';
import type { NoiseSchedule, PolicyContext, PowerSpectrum, StepHookContext, UpshiftPlan } from '@upshift/core';
import { ADAPTIVE_EMOJI_UNET_CALIBRATED, AdaptiveUpshiftHook, createAdaptivePolicy, resolveAdaptivePolicyOptions, topBandSnr } from './adaptive-policy.js';
import { buildPlan } from './build-plan.js';
import { createBottleneckPolicy, resolveBottleneckPolicyOptions } from './bottleneck-policy.js';
import { createBudgetPolicy, resolveBudgetPolicyOptions, solveBudget } from './budget-policy.js';
import { createFixedPolicy, resolveFixedPolicyOptions } from './fixed-policy.js';
import { createNonePolicy } from './none-policy.js';
import { createPyramidPolicy, resolvePyramidPolicyOptions } from './pyramid-policy.js';
import { registerPolicies } from './register-policies.js';
import { bandLoss, spectralBins } from './spectral-model.js';
import { createSpectralPolicy, resolveSpectralPolicyOptions } from './spectral-policy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIGMAS = [10, 8, 6, 4, 3, 2, 1, 0.5, 0];
const SPECTRUM: PowerSpectrum = {
  source: 'hand-made',
  downOperator: 'box',
  pixelVariance: 1,
  levels: [{ level: 0, side: 64, frequencies: [0, 0.1, 0.2, 0.3, 0.4], power: [100, 10, 1, 0.1, 0.01] }],
};
/** 64 x 64, cost proportional to pixels (100 per call at full resolution). */
const ctx = (extra: Partial<PolicyContext> = {}): PolicyContext => ({
  sigmas: SIGMAS,
  resolution: { height: 64, width: 64 },
  maxLevel: 3,
  flopsAt: (k) => 100 / 4 ** k,
  spectrum: SPECTRUM,
  ...extra,
});
const linearT: NoiseSchedule = { name: 'linear-t', sigmaMin: 0.1, sigmaMax: 10, sigmas: () => SIGMAS, tToSigma: (t) => 10 * t };
const plan = (name: string, levels: number[], c = ctx()): UpshiftPlan => buildPlan(name, levels, c);

describe('buildPlan', () => {
  it('sums FLOPs per step and relates them to the full-resolution plan', () => {
    const p = plan('x', [2, 2, 1, 1, 0, 0, 0, 0]);
    expect(p.steps.map((s) => s.flops)).toEqual([6.25, 6.25, 25, 25, 100, 100, 100, 100]);
    expect(p.steps[2]).toMatchObject({ index: 2, sigma: 6, sigmaNext: 4, level: 1 });
    expect(p.flops).toBe(462.5);
    expect(p.fullResolutionFlops).toBe(800);
    expect(p.flopFraction).toBeCloseTo(462.5 / 800, 12);
    expect(buildPlan('x', [0, 0, 0, 0, 0, 0, 0, 0], ctx(), 2).flops).toBe(1600);
  });

  it('uses per-step call costs when the context has them (guidance limited to an interval)', () => {
    // guided (100 per call at level 0) on the first 3 steps, unguided (half) after
    const c = ctx({ flopsAtStep: (i, k) => (i < 3 ? 100 : 50) / 4 ** k });
    const p = buildPlan('x', [2, 2, 1, 1, 0, 0, 0, 0], c);
    expect(p.steps.map((s) => s.flops)).toEqual([6.25, 6.25, 25, 12.5, 50, 50, 50, 50]);
    expect(p.fullResolutionFlops).toBe(3 * 100 + 5 * 50);
    expect(p.flopFraction).toBeCloseTo(250 / 550, 12);
  });

  it('rejects a wrong number of levels or levels beyond maxLevel', () => {
    expect(() => plan('x', [0, 0])).toThrow(ConfigError);
    expect(() => plan('x', [4, 0, 0, 0, 0, 0, 0, 0])).toThrow(/levels\[0\] = 4/);
  });
});

describe('none', () => {
  it('all full resolution, fraction 1', () => {
    expect(plan('none', createNonePolicy().levels(ctx())).flopFraction).toBe(1);
  });
});

describe('fixed', () => {
  it('default: 1/4 side while sigma > 2 (hand-computed: 5 of 8 steps, fraction 0.4140625)', () => {
    const levels = createFixedPolicy().levels(ctx());
    expect(levels).toEqual([2, 2, 2, 2, 2, 0, 0, 0]);
    expect(plan('fixed', levels).flopFraction).toBeCloseTo((5 / 16 + 3) / 8, 12);
  });

  it('accepts logSnr and the seed\'s t form through the schedule', () => {
    expect(createFixedPolicy(resolveFixedPolicyOptions({ logSnr: -2 * Math.log(5) })).levels(ctx())).toEqual([2, 2, 2, 0, 0, 0, 0, 0]);
    expect(createFixedPolicy(resolveFixedPolicyOptions({ t: 0.35, level: 1 })).levels(ctx({ schedule: linearT }))).toEqual([
      1, 1, 1, 1, 0, 0, 0, 0,
    ]);
    expect(logSnrToSigma(-2 * Math.log(5))).toBeCloseTo(5, 12);
  });

  it('bad options are ConfigErrors', () => {
    expect(() => resolveFixedPolicyOptions({ sigma: -1 })).toThrow(/policyOptions.sigma = -1/);
    expect(() => resolveFixedPolicyOptions({ t: 1.5 })).toThrow(/policyOptions.t = 1.5/);
    expect(() => resolveFixedPolicyOptions({ sigma: 2, t: 0.7 })).toThrow(ConfigError);
    expect(() => resolveFixedPolicyOptions({ level: 0.5 })).toThrow(/policyOptions.level/);
    expect(() => resolveFixedPolicyOptions({ threshold: 2 })).toThrow(/policyOptions.threshold/);
    expect(() => createFixedPolicy(resolveFixedPolicyOptions({ level: 4 })).levels(ctx())).toThrow(/policyOptions.level = 4.*maxLevel 3/);
    const noT: NoiseSchedule = { name: 'karras', sigmaMin: 0.002, sigmaMax: 80, sigmas: () => SIGMAS };
    expect(() => createFixedPolicy(resolveFixedPolicyOptions({ t: 0.7 })).levels(ctx({ schedule: noT }))).toThrow(/policyOptions.t = 0.7.*"karras" has no notion of t/);
    expect(() => createFixedPolicy(resolveFixedPolicyOptions({ t: 0.7 })).levels(ctx())).toThrow(/policyOptions.t/);
  });
});

describe('pyramid', () => {
  it('default: 1/4 side above 6.3, 1/2 above 2 (hand-computed fraction 0.484375)', () => {
    const levels = createPyramidPolicy().levels(ctx());
    expect(levels).toEqual([2, 2, 1, 1, 1, 0, 0, 0]);
    expect(plan('pyramid', levels).flopFraction).toBeCloseTo((2 / 16 + 3 / 4 + 3) / 8, 12);
  });

  it('three stages with mixed threshold forms', () => {
    const o = resolvePyramidPolicyOptions({ stages: [{ level: 3, sigma: 9 }, { level: 2, t: 0.5 }, { level: 1, logSnr: 0 }] });
    expect(createPyramidPolicy(o).levels(ctx({ schedule: linearT }))).toEqual([3, 2, 2, 1, 1, 1, 0, 0]);
  });

  it('bad options are ConfigErrors', () => {
    expect(() => resolvePyramidPolicyOptions({ stages: [] })).toThrow(/policyOptions.stages/);
    expect(() => resolvePyramidPolicyOptions({ stages: [{ level: 1, sigma: 9 }, { level: 2, sigma: 2 }] })).toThrow(/stages\[1\].level = 2/);
    expect(() => resolvePyramidPolicyOptions({ stages: [{ level: 2 }] })).toThrow(/stages\[0\].sigma/);
    expect(() => resolvePyramidPolicyOptions({ stages: [{ level: 2, sigma: 0 }] })).toThrow(/stages\[0\].sigma = 0/);
    const inverted = resolvePyramidPolicyOptions({ stages: [{ level: 2, sigma: 1 }, { level: 1, sigma: 5 }] });
    expect(() => createPyramidPolicy(inverted).levels(ctx())).toThrow(/strictly decreasing/);
    const deep = resolvePyramidPolicyOptions({ stages: [{ level: 5, sigma: 9 }] });
    expect(() => createPyramidPolicy(deep).levels(ctx())).toThrow(/stages\[0\].level = 5/);
  });
});

describe('bottleneck', () => {
  it('default: full resolution above sigma 20, 1/2 side while sigma > 2, full at the end', () => {
    const grid = [40, 25, 20, 10, 3, 2, 1, 0];
    const levels = createBottleneckPolicy().levels(ctx({ sigmas: grid }));
    expect(levels).toEqual([0, 0, 1, 1, 1, 0, 0]);
    // 4 full steps (100 each) + 3 half-side steps (25 each) of 7 x 100.
    expect(plan('bottleneck', levels, ctx({ sigmas: grid })).flopFraction).toBeCloseTo((4 * 100 + 3 * 25) / 700, 12);
  });

  it('full first, then a two-stage bottleneck (0 -> 2 -> 1 -> 0), hand-computed fraction', () => {
    const o = resolveBottleneckPolicyOptions({ fullAbove: { sigma: 8 }, stages: [{ level: 2, sigma: 4 }, { level: 1, logSnr: -2 * Math.log(2) }] });
    const levels = createBottleneckPolicy(o).levels(ctx());
    // SIGMAS = [10, 8, 6, 4, 3, 2, 1, 0.5]: 10 full; 8, 6 at 1/4; 4, 3 at 1/2; 2, 1, 0.5 full.
    expect(levels).toEqual([0, 2, 2, 1, 1, 0, 0, 0]);
    expect(plan('bottleneck', levels).flopFraction).toBeCloseTo((4 * 100 + 2 * 6.25 + 2 * 25) / 800, 12);
  });

  it('bad options are ConfigErrors naming the field and value', () => {
    expect(() => resolveBottleneckPolicyOptions({ fullAbove: 20 })).toThrow(/policyOptions.fullAbove = 20/);
    expect(() => resolveBottleneckPolicyOptions({ fullAbove: {} })).toThrow(/policyOptions.fullAbove/);
    expect(() => resolveBottleneckPolicyOptions({ fullAbove: { sigma: -1 } })).toThrow(/policyOptions.fullAbove.sigma = -1/);
    expect(() => resolveBottleneckPolicyOptions({ stages: [] })).toThrow(/policyOptions.stages/);
    expect(() => resolveBottleneckPolicyOptions({ stages: [{ level: 1, sigma: 2 }, { level: 2, sigma: 1 }] })).toThrow(/policyOptions.stages\[1\].level = 2/);
    expect(() => resolveBottleneckPolicyOptions({ bogus: 1 })).toThrow(/policyOptions.bogus = 1/);
    const inverted = resolveBottleneckPolicyOptions({ fullAbove: { sigma: 3 }, stages: [{ level: 1, sigma: 5 }] });
    expect(() => createBottleneckPolicy(inverted).levels(ctx())).toThrow(/policyOptions.stages\[0\] = 5.*below fullAbove \(3\)/);
    const deep = resolveBottleneckPolicyOptions({ stages: [{ level: 4, sigma: 2 }] });
    expect(() => createBottleneckPolicy(deep).levels(ctx())).toThrow(/policyOptions.stages\[0\].level = 4/);
  });
});

describe('spectral', () => {
  it('hand-computed switch points: f resolved when S(f)/sigma^2 > 0.01', () => {
    // f = 0.1 resolved below sigma 31.6, 0.2 below 10, 0.3 below 3.16, 0.4 below 1.
    const levels = createSpectralPolicy().levels(ctx());
    expect(levels).toEqual([2, 1, 1, 1, 0, 0, 0, 0]);
    expect(plan('spectral', levels).flopFraction).toBeCloseTo((1 / 16 + 3 / 4 + 4) / 8, 12);
    // threshold 1 resolves less: 0.1 below sigma 3.16, 0.2 below 1 (strictly), 0.3 below 0.32,
    // so even the last step (sigma 0.5) runs at 1/2 side
    expect(createSpectralPolicy(resolveSpectralPolicyOptions({ threshold: 1 })).levels(ctx())).toEqual([3, 3, 3, 3, 2, 2, 2, 1]);
    // capped
    // threshold 0.1 capped at 1/2 side: 0.3 (beyond its Nyquist 0.25) resolves only below sigma 1
    expect(createSpectralPolicy(resolveSpectralPolicyOptions({ threshold: 0.1, maxLevel: 1 })).levels(ctx())).toEqual([
      1, 1, 1, 1, 1, 1, 1, 0,
    ]);
  });

  it('bad options and missing / empty spectra are ConfigErrors', () => {
    expect(() => resolveSpectralPolicyOptions({ threshold: 0 })).toThrow(/policyOptions.threshold = 0/);
    expect(() => resolveSpectralPolicyOptions({ threshold: -1 })).toThrow(ConfigError);
    expect(() => resolveSpectralPolicyOptions({ spectrum: { levels: [] } })).toThrow(/policyOptions.spectrum.levels/);
    expect(() => createSpectralPolicy().levels(ctx({ spectrum: undefined }))).toThrow(/policyOptions.spectrum/);
    expect(() => createSpectralPolicy().levels(ctx({ spectrum: { ...SPECTRUM, levels: [] } }))).toThrow(/spectrum.levels/);
    expect(() => createSpectralPolicy(resolveSpectralPolicyOptions({ maxLevel: 4 })).levels(ctx())).toThrow(/policyOptions.maxLevel = 4/);
  });
});

describe('budget', () => {
  it('hand-computed with one level: fraction 0.5 -> first 6 steps at 1/2 side (fraction 0.4375)', () => {
    const s = solveBudget(resolveBudgetPolicyOptions({ fraction: 0.5, maxLevel: 1 }), ctx());
    expect(s.levels).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect(s.flopFraction).toBeCloseTo(0.4375, 12);
  });

  it('fraction 1 keeps full resolution; 1/16 forces all steps to 1/4 side', () => {
    expect(createBudgetPolicy(resolveBudgetPolicyOptions({ fraction: 1 })).levels(ctx())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(createBudgetPolicy(resolveBudgetPolicyOptions({ fraction: 1 / 16 })).levels(ctx())).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('is the least-loss plan within the budget (checked against brute force over all monotone plans)', () => {
    const bins = spectralBins(SPECTRUM);
    const n = SIGMAS.length - 1;
    for (const fraction of [0.2, 0.35, 0.5, 0.7, 0.9]) {
      const s = solveBudget({ fraction, maxLevel: 2 }, ctx());
      let best = Number.POSITIVE_INFINITY;
      for (let r1 = 0; r1 <= n; r1++) {
        for (let r2 = 0; r2 <= r1; r2++) {
          const levels = Array.from({ length: n }, (_, i) => (i < r2 ? 2 : i < r1 ? 1 : 0));
          if (plan('b', levels).flopFraction > fraction + 1e-12) continue;
          best = Math.min(best, bandLoss(bins, 1, SIGMAS, r1) + bandLoss(bins, 2, SIGMAS, r2));
        }
      }
      expect(s.flopFraction).toBeLessThanOrEqual(fraction + 1e-12);
      expect(s.loss).toBeCloseTo(best, 9);
    }
  });

  it('bad options are ConfigErrors', () => {
    expect(() => resolveBudgetPolicyOptions({ fraction: 0 })).toThrow(/policyOptions.fraction = 0/);
    expect(() => resolveBudgetPolicyOptions({ fraction: 1.5 })).toThrow(/policyOptions.fraction = 1.5/);
    expect(() => createBudgetPolicy({ fraction: 2 })).toThrow(ConfigError);
    expect(() => solveBudget({ fraction: 0.05 }, ctx())).toThrow(/below the cheapest plan/);
    expect(() => solveBudget({ fraction: 0.5, maxLevel: 4 }, ctx({ maxLevel: 2 }))).toThrow(/policyOptions.maxLevel = 4/);
    expect(() => solveBudget({ fraction: 0.5 }, ctx({ spectrum: undefined }))).toThrow(/policyOptions.spectrum/);
  });
});

describe('adaptive', () => {
  const hookCtx = (denoised: tf.Tensor4D, over: Partial<StepHookContext> = {}): StepHookContext => ({
    index: 1,
    sigma: 8,
    sigmaNext: 6,
    level: 2,
    nextLevel: 2,
    maxLevel: 3,
    x: denoised,
    denoised,
    plan: plan('adaptive', [2, 2, 2, 2, 2, 2, 0, 0]),
    ...over,
  });

  it('fallback plan: start level while sigma > fullBelowSigma', () => {
    expect(createAdaptivePolicy().levels(ctx())).toEqual([2, 2, 2, 2, 2, 2, 0, 0]);
    expect(createAdaptivePolicy(resolveAdaptivePolicyOptions({ startLevel: 1, fullBelowSigma: 4 })).levels(ctx())).toEqual([
      1, 1, 1, 0, 0, 0, 0, 0,
    ]);
  });

  it('top-band SNR: a checkerboard of amplitude a has Haar energy a^2', async () => {
    const checker = tf.tensor4d(Array.from({ length: 64 }, (_, i) => ((i % 8) + Math.floor(i / 8)) % 2 ? 0.5 : -0.5), [1, 8, 8, 1]);
    expect(await topBandSnr(checker, 1)).toBeCloseTo(0.25 / 0.75, 5);
    const flat = tf.fill([1, 8, 8, 1], 3) as tf.Tensor4D;
    expect(await topBandSnr(flat, 1)).toBe(0);
    tf.dispose([checker, flat]);
  });

  it('hook: upshifts one level when the prediction has detail above the noise, never downshifts', async () => {
    const before = tf.memory().numTensors;
    const hook = createAdaptivePolicy().hook!(ctx()) as AdaptiveUpshiftHook;
    const smooth = tf.fill([1, 16, 16, 1], 0.2) as tf.Tensor4D;
    expect(await hook.afterStep(hookCtx(smooth))).toBeUndefined();
    const detail = tf.tensor4d(Array.from({ length: 256 }, (_, i) => ((i % 16) + Math.floor(i / 16)) % 2 ? 1 : -1), [1, 16, 16, 1]);
    // sigmaNext 6 at level 2: per-pixel 1.5, noise band energy 0.75 * 2.25; detail energy 1 -> SNR 0.59 > 0.05
    expect(await hook.afterStep(hookCtx(detail))).toEqual({ level: 1 });
    expect(hook.decisions).toHaveLength(1);
    // plan already at full resolution next: nothing to change
    expect(await hook.afterStep(hookCtx(detail, { nextLevel: 0 }))).toBeUndefined();
    // plan says 2 but we are at 1 after an earlier upshift, no detail: stay at 1 (no downshift)
    expect(await hook.afterStep(hookCtx(smooth, { level: 1, nextLevel: 2 }))).toEqual({ level: 1 });
    // a high threshold keeps the plan
    expect(await new AdaptiveUpshiftHook(10).afterStep(hookCtx(detail))).toBeUndefined();
    tf.dispose([smooth, detail]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('calibrated on the shipped model: jumps 1/4 side -> full resolution after the last step above sigma 20', async () => {
    const before = tf.memory().numTensors;
    // Karras 20 steps on (0.002, 80], the sweep's grid (steps 3, 4, 5 start at 31.88, 22.79, 16.02)
    const sigmas = Array.from({ length: 20 }, (_, i) => (80 ** (1 / 7) + (i / 19) * (0.002 ** (1 / 7) - 80 ** (1 / 7))) ** 7).concat(0);
    const options = resolveAdaptivePolicyOptions({ ...ADAPTIVE_EMOJI_UNET_CALIBRATED });
    expect(options).toEqual(ADAPTIVE_EMOJI_UNET_CALIBRATED);
    const policy = createAdaptivePolicy(options);
    // fallback plan: 1/4 side while sigma > 5 (8 steps), then full resolution
    const levels = policy.levels(ctx({ sigmas, maxLevel: 3 }));
    expect(levels).toEqual([...Array(8).fill(2), ...Array(12).fill(0)]);
    const hook = policy.hook!(ctx({ sigmas, maxLevel: 3 })) as AdaptiveUpshiftHook;
    // a checkerboard of amplitude a at per-pixel noise s has band SNR a^2 / (0.75 s^2): the sweep's
    // statistics at 1/4 side were <= 0.76e-3 after step 3 and >= 1.56e-3 after step 4 (all seeds)
    const withSnr = (snr: number, sigmaNext: number) => {
      const a = Math.sqrt(snr * 0.75) * (sigmaNext / 4);
      return tf.tensor4d(Array.from({ length: 256 }, (_, i) => (((i % 16) + Math.floor(i / 16)) % 2 ? a : -a)), [1, 16, 16, 1]);
    };
    const at3 = withSnr(0.76e-3, sigmas[4]!);
    const at4 = withSnr(1.56e-3, sigmas[5]!);
    const step = (index: number, denoised: tf.Tensor4D) => hookCtx(denoised, { index, sigma: sigmas[index]!, sigmaNext: sigmas[index + 1]!, level: 2, nextLevel: 2 });
    expect(await hook.afterStep(step(3, at3))).toBeUndefined();
    expect(await hook.afterStep(step(4, at4))).toEqual({ level: 0 });
    expect(hook.decisions).toEqual([{ index: 5, level: 0, snr: expect.closeTo(1.56e-3, 6) }]);
    // at full resolution while the fallback plan still says 1/4 side: stays at full resolution
    expect(await hook.afterStep(hookCtx(at4, { index: 5, sigma: sigmas[5]!, sigmaNext: sigmas[6]!, level: 0, nextLevel: 2 }))).toEqual({ level: 0 });
    expect(await hook.afterStep(hookCtx(at4, { index: 8, sigma: sigmas[8]!, sigmaNext: sigmas[9]!, level: 0, nextLevel: 0 }))).toBeUndefined();
    // the default (one level at a time) would only go to 1/2 side there
    expect(await new AdaptiveUpshiftHook(1e-3).afterStep(step(4, at4))).toEqual({ level: 1 });
    tf.dispose([at3, at4]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad options are ConfigErrors', () => {
    expect(() => resolveAdaptivePolicyOptions({ upshiftTo: 2, startLevel: 2 })).toThrow(/policyOptions.upshiftTo = 2/);
    expect(() => resolveAdaptivePolicyOptions({ upshiftTo: -1 })).toThrow(/policyOptions.upshiftTo = -1/);
    expect(() => resolveAdaptivePolicyOptions({ threshold: 0 })).toThrow(/policyOptions.threshold = 0/);
    expect(() => resolveAdaptivePolicyOptions({ startLevel: 0 })).toThrow(/policyOptions.startLevel = 0/);
    expect(() => createAdaptivePolicy(resolveAdaptivePolicyOptions({ startLevel: 4 })).levels(ctx())).toThrow(/startLevel = 4/);
  });
});

describe('every policy at its defaults fits a run that allows fewer levels', () => {
  // e.g. 16x16 or 48x32 with a UNet that needs sides that are multiples of 8: maxLevel 1.
  const defaults: [string, () => { levels(c: PolicyContext): number[] }][] = [
    ['none', () => createNonePolicy()],
    ['fixed', () => createFixedPolicy(resolveFixedPolicyOptions(undefined))],
    ['pyramid', () => createPyramidPolicy(resolvePyramidPolicyOptions(undefined))],
    ['spectral', () => createSpectralPolicy(resolveSpectralPolicyOptions(undefined))],
    ['budget', () => createBudgetPolicy(resolveBudgetPolicyOptions(undefined))],
    ['adaptive', () => createAdaptivePolicy(resolveAdaptivePolicyOptions(undefined))],
  ];

  it.each(defaults)('%s at maxLevel 1 and 0 stays within it', (name, make) => {
    for (const maxLevel of [1, 0]) {
      const c = ctx({ maxLevel, resolution: maxLevel === 1 ? { height: 16, width: 16 } : { height: 8, width: 8 } });
      if (name === 'budget' && maxLevel === 0) {
        // Half the FLOPs cannot be met without a coarser level: said, naming the fraction.
        expect(() => make().levels(c)).toThrow(/policyOptions.fraction = 0.5: is below the cheapest plan \(no coarser level fits 8x8/);
        continue;
      }
      const levels = make().levels(c);
      expect(levels).toHaveLength(SIGMAS.length - 1);
      expect(Math.max(...levels), `${name} at maxLevel ${maxLevel}`).toBeLessThanOrEqual(maxLevel);
      expect(() => plan(name, levels, c)).not.toThrow();
    }
  });

  it('fixed and pyramid cap their default levels (the shape is kept), explicit levels still must fit', () => {
    expect(createFixedPolicy().levels(ctx({ maxLevel: 1 }))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(createPyramidPolicy().levels(ctx({ maxLevel: 1 }))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(createPyramidPolicy().levels(ctx({ maxLevel: 0 }))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => createFixedPolicy(resolveFixedPolicyOptions({ level: 2 })).levels(ctx({ maxLevel: 1 }))).toThrow(/policyOptions.level = 2.*maxLevel 1/);
    const explicit = resolvePyramidPolicyOptions({ stages: [{ level: 2, sigma: 6.3 }, { level: 1, sigma: 2 }] });
    expect(() => createPyramidPolicy(explicit).levels(ctx({ maxLevel: 1 }))).toThrow(/stages\[0\].level = 2.*maxLevel 1/);
  });
});

describe('registerPolicies', () => {
  it('registers the eight factories by name; each validates its options', async () => {
    const c = registerPolicies(rootContainer.createChildContainer());
    const factories = c.resolveAll(PolicyFactory);
    expect(factories.map((f) => f.name)).toEqual(['none', 'fixed', 'pyramid', 'spectral', 'adaptive', 'budget', 'bottleneck', 'snr-matched']);
    for (const f of factories) {
      expect(() => f.create({ bogus: true }, c)).toThrow(/policyOptions.bogus = true/);
      expect(() => f.create('x', c)).toThrow(ConfigError);
      const p = await f.create(undefined, c);
      expect(p.name).toBe(f.name);
      expect(p.levels(ctx())).toHaveLength(8);
    }
  });
});
