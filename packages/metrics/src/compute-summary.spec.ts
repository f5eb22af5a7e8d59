import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { compareToBaseline, flopFraction, summarizeMs, summarizeSteps, timeRatio } from './compute-summary.js';
import { createComputeMeter } from './compute-meter.js';

describe('compute accounting', () => {
  const steps = [
    { level: 2, flops: 1, ms: 10 },
    { level: 2, flops: 1, ms: 30 },
    { level: 1, flops: 4, ms: 20, modelCalls: 2 },
    { level: 0, flops: 16, ms: 100 },
  ];

  it('summarizes ms like numpy (linear-interpolated percentiles)', () => {
    const s = summarizeMs([10, 30, 20, 100]);
    expect(s).toMatchObject({ count: 4, total: 160, mean: 40, median: 25, min: 10, max: 100 });
    // np.percentile([10, 20, 30, 100], 90) = 30 + 0.7 * 70
    expect(s.p90).toBeCloseTo(79, 12);
  });

  it('sums per level, ascending', () => {
    const s = summarizeSteps(steps);
    expect(s.flops).toBe(22);
    expect(s.modelCalls).toBe(5);
    expect(s.byLevel.map((l) => [l.level, l.steps, l.flops, l.ms.total])).toEqual([
      [0, 1, 16, 100],
      [1, 1, 4, 20],
      [2, 2, 2, 40],
    ]);
  });

  it('computes fractions against a baseline and rejects a zero baseline', () => {
    expect(flopFraction(22, 64)).toBeCloseTo(0.34375, 12);
    expect(timeRatio(160, 640)).toBe(0.25);
    expect(compareToBaseline({ flops: 22, ms: 160 }, { flops: 64, ms: 640 })).toEqual({ flopFraction: 0.34375, timeRatio: 0.25, speedup: 4 });
    expect(() => flopFraction(1, 0)).toThrow(ConfigError);
    expect(() => timeRatio(1, Number.NaN)).toThrow(/baselineMs/);
  });

  it('meter records and totals per level, rejecting bad records', () => {
    const meter = createComputeMeter();
    for (const s of steps) meter.record({ ...s, modelCalls: s.modelCalls ?? 1 });
    expect(meter.totals()).toEqual({ flops: 22, ms: 160, modelCalls: 5, flopsByLevel: { 0: 16, 1: 4, 2: 2 } });
    expect(() => meter.record({ level: 0, flops: -1, ms: 0, modelCalls: 1 })).toThrow(/compute.flops/);
    expect(meter.records).toHaveLength(4);
  });
});
