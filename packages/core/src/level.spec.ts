import { describe, expect, it } from 'vitest';
import { maxLevelFor, resolutionAtLevel, sigmaAtFull, sigmaAtLevel } from './level.js';
import { logSnrToSigma, sigmaToLogSnr } from './noise-level.js';

describe('levels', () => {
  it('divides the side by 2^k and errors when not divisible', () => {
    expect(resolutionAtLevel({ height: 64, width: 32 }, 2)).toEqual({ height: 16, width: 8 });
    expect(() => resolutionAtLevel({ height: 60, width: 64 }, 3)).toThrow(/resolution.height = 60/);
  });

  it('halves sigma per level (logSNR + 2 ln 2)', () => {
    expect(sigmaAtLevel(8, 2)).toBe(2);
    expect(sigmaAtFull(2, 2)).toBe(8);
    expect(sigmaToLogSnr(sigmaAtLevel(3, 1)) - sigmaToLogSnr(3)).toBeCloseTo(2 * Math.log(2), 12);
    expect(logSnrToSigma(sigmaToLogSnr(0.37))).toBeCloseTo(0.37, 12);
  });

  it('finds the deepest level', () => {
    expect(maxLevelFor({ height: 64, width: 64 }, 8)).toBe(3);
    expect(maxLevelFor({ height: 48, width: 64 })).toBe(4);
  });
});
