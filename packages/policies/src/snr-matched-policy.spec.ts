import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PolicyContext, PowerSpectrum } from '@upshift/core';
import { ConfigError } from '@upshift/core';
import { parseModelConfig } from '@upshift/models';
import { createKarrasSchedule } from '@upshift/schedules';
import { buildPlan } from './build-plan.js';
import { registerPolicies, POLICY_FACTORIES } from './register-policies.js';
import { createSnrMatchedPolicy, discardedEnergy, resolveSnrMatchedPolicyOptions, snrMatchedPolicyFactory } from './snr-matched-policy.js';

/**
 * A 4 x 4 spectrum by hand: rings round(|f| 4) hold 1 (DC), 8 (|f| = 1/4 and the diagonals
 * 0.354), 6 (|f| = 1/2, 0.559) and 1 (the corner 0.707) coefficients, with power 9, 1, 0.5, 0.25.
 * Above level 1's Nyquist (1/4): (6 x 0.5 + 0.25) / 16 = 0.203125 per pixel; above level 2's
 * (1/8): (8 + 3 + 0.25) / 16 = 0.703125.
 */
const SMALL: PowerSpectrum = { source: 'hand-made', downOperator: 'box', pixelVariance: 1, levels: [{ level: 0, side: 4, frequencies: [0, 0.25, 0.5, 0.75], power: [9, 1, 0.5, 0.25] }] };
const ctx = (sigmas: number[], extra: Partial<PolicyContext> = {}): PolicyContext => ({
  sigmas,
  resolution: { height: 64, width: 64 },
  maxLevel: 2,
  flopsAt: (k) => 100 / 4 ** k,
  spectrum: SMALL,
  ...extra,
});

describe('snr-matched policy', () => {
  it('discarded energy per pixel above each level, by hand', () => {
    const e = discardedEnergy(SMALL, 2);
    expect(e[0]).toBe(0);
    expect(e[1]).toBeCloseTo(0.203125, 12);
    expect(e[2]).toBeCloseTo(0.703125, 12);
  });

  it('runs each step at the deepest level whose discarded energy is <= ratio x sigma^2 (hand-computed switch points)', () => {
    // ratio 0.01: level 2 while sigma^2 >= 70.3125 (sigma >= 8.385), level 1 while sigma >= 4.507.
    const sigmas = [20, 8.4, 8.38, 4.51, 4.5, 1, 0];
    const levels = createSnrMatchedPolicy(resolveSnrMatchedPolicyOptions({ ratio: 0.01 })).levels(ctx(sigmas));
    expect(levels).toEqual([2, 2, 1, 1, 0, 0]);
    expect(buildPlan('snr-matched', levels, ctx(sigmas)).flopFraction).toBeCloseTo((2 * 6.25 + 2 * 25 + 2 * 100) / 600, 12);
    // capped by maxLevel; a larger ratio coarsens later steps too
    expect(createSnrMatchedPolicy({ ratio: 0.01, maxLevel: 1 }).levels(ctx(sigmas))).toEqual([1, 1, 1, 1, 0, 0]);
    expect(createSnrMatchedPolicy({ ratio: 0.5 }).levels(ctx(sigmas))).toEqual([2, 2, 2, 2, 2, 1]);
  });

  it('on the shipped emoji spectrum: the discarded shares match DESIGN.md (8 % above 16 x 16, 1.7 % above 32 x 32) and 20 Karras steps go 3 -> 2 -> 1 -> 0', () => {
    const config = parseModelConfig(JSON.parse(readFileSync(new URL('../../models/assets/emoji-unet/config.json', import.meta.url), 'utf8')));
    const spectrum = config.spectrum as PowerSpectrum;
    const e = discardedEnergy(spectrum, 3);
    const variance = e.length > 0 ? spectrum.pixelVariance : 1;
    expect(e[2]! / variance).toBeGreaterThan(0.06);
    expect(e[2]! / variance).toBeLessThan(0.1);
    expect(e[1]! / variance).toBeGreaterThan(0.012);
    expect(e[1]! / variance).toBeLessThan(0.022);
    const sigmas = createKarrasSchedule().sigmas(20);
    const levels = createSnrMatchedPolicy().levels({ ...ctx(sigmas), maxLevel: 3, spectrum });
    // non-increasing, every level used, the last steps at full resolution
    for (let i = 1; i < levels.length; i++) expect(levels[i]!).toBeLessThanOrEqual(levels[i - 1]!);
    expect(new Set(levels)).toEqual(new Set([3, 2, 1, 0]));
    // each step's level is exactly the rule
    levels.forEach((k, i) => {
      const s2 = sigmas[i]! ** 2;
      if (k < 3) expect(e[k + 1]!).toBeGreaterThan(0.001 * s2);
      if (k > 0) expect(e[k]!).toBeLessThanOrEqual(0.001 * s2);
    });
  });

  it('rejects bad options and a missing spectrum naming the field, and is registered', () => {
    expect(() => resolveSnrMatchedPolicyOptions({ ratio: 0 })).toThrow(ConfigError);
    expect(() => resolveSnrMatchedPolicyOptions({ ratio: 11 })).toThrow(/policyOptions.ratio/);
    expect(() => resolveSnrMatchedPolicyOptions({ nope: 1 })).toThrow(/policyOptions/);
    expect(() => createSnrMatchedPolicy().levels(ctx([5, 1, 0], { spectrum: undefined }))).toThrow(/policyOptions.spectrum/);
    expect(POLICY_FACTORIES).toContain(snrMatchedPolicyFactory);
    expect(typeof registerPolicies).toBe('function');
  });
});
