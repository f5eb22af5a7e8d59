import { describe, expect, it } from 'vitest';
import { ConfigError, createNoiseSource } from '@upshift/core';
import {
  createFlowMatchingSchedule,
  createVpCosineSchedule,
  flowTToSigma,
  inverseTimeShift,
  logSnrAtLevel,
  resolutionShift,
  shiftLogSnr,
  shiftSigma,
  sigmaBetweenLevels,
  sigmaToFlowT,
  sigmaToLogSnr,
  sigmasAtLevel,
  timeShift,
} from './index.js';

describe('resolution shift (simple diffusion)', () => {
  it('one level down halves sigma and adds 2 ln 2 to logSNR', () => {
    expect(sigmaBetweenLevels(8, 0, 1)).toBe(4);
    expect(sigmaBetweenLevels(8, 0, 3)).toBe(1);
    expect(sigmaBetweenLevels(1, 2, 0)).toBe(4);
    expect(logSnrAtLevel(sigmaToLogSnr(8), 0, 1)).toBeCloseTo(sigmaToLogSnr(4), 12);
    expect(logSnrAtLevel(0, 0, 2)).toBeCloseTo(4 * Math.log(2), 12);
    expect(sigmasAtLevel([80, 2, 0], 2)).toEqual([20, 0.5, 0]);
    expect(() => logSnrAtLevel(0, -1, 0)).toThrow(ConfigError);
    expect(resolutionShift(64, 256)).toBe(4);
  });
  it('matches 2x2 average pooling of i.i.d. noise (Monte Carlo, 2^16 blocks)', () => {
    const noise = createNoiseSource(7).normalArray(4 * 65536);
    const sigma = 3;
    let sum2 = 0;
    for (let b = 0; b < 65536; b++) {
      const m = (sigma * (noise[4 * b]! + noise[4 * b + 1]! + noise[4 * b + 2]! + noise[4 * b + 3]!)) / 4;
      sum2 += m * m;
    }
    // std error of the variance estimate: sqrt(2 / 65536) = 0.55 %; 2 % tolerance.
    expect(Math.sqrt(sum2 / 65536) / sigmaBetweenLevels(sigma, 0, 1)).toBeCloseTo(1, 1);
    expect(Math.abs(sum2 / 65536 / (sigma / 2) ** 2 - 1)).toBeLessThan(0.02);
  });
});

describe('SD3 / Flux time shift', () => {
  it('is sigma * shift in sigma space and logSNR - 2 ln shift', () => {
    for (const t of [0.1, 0.5, 0.9]) {
      expect(flowTToSigma(timeShift(t, 3))).toBeCloseTo(3 * flowTToSigma(t), 10);
      expect(inverseTimeShift(timeShift(t, 3), 3)).toBeCloseTo(t, 12);
    }
    expect(timeShift(0, 3)).toBe(0);
    expect(timeShift(1, 3)).toBe(1);
    expect(shiftSigma(2, 3)).toBe(6);
    expect(shiftLogSnr(sigmaToLogSnr(2), 3)).toBeCloseTo(sigmaToLogSnr(6), 12);
    expect(() => timeShift(0.5, 0)).toThrow(ConfigError);
    expect(() => timeShift(1.5, 2)).toThrow(ConfigError);
    expect(sigmaToFlowT(flowTToSigma(0.25))).toBeCloseTo(0.25, 14);
  });
  it('the flow-matching schedule uses it: tToSigma(t) = sigma of the shifted time', () => {
    const s = createFlowMatchingSchedule({ shift: 3 });
    for (const t of [0.2, 0.6]) expect(s.tToSigma(t)).toBeCloseTo(flowTToSigma(timeShift(t, 3)), 10);
  });
  it('a shift > 1 spends more steps at high noise with the same endpoints', () => {
    const plain = createVpCosineSchedule().sigmas(20);
    const shifted = createVpCosineSchedule({ shift: 4 }).sigmas(20);
    expect(shifted[0]).toBe(plain[0]);
    expect(shifted[19]).toBe(plain[19]);
    expect(shifted[10]!).toBeGreaterThan(plain[10]!);
  });
});
