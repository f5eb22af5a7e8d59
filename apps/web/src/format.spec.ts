import { describe, expect, it } from 'vitest';
import { formatDb, formatFlops, formatFraction, formatMs } from './format.js';

describe('format', () => {
  it('prints times in ms below a second, else seconds', () => {
    expect(formatMs(849.6)).toBe('850 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(NaN)).toBe('—');
  });

  it('prints fractions, decibels and FLOPs', () => {
    expect(formatFraction(0.52349)).toBe('0.523');
    expect(formatDb(17.456)).toBe('17.46 dB');
    expect(formatDb(Infinity)).toBe('∞ dB');
    expect(formatFlops(4_021_813_248)).toBe('4.02 GFLOP');
    expect(formatFlops(240_611_328)).toBe('240.61 MFLOP');
    expect(formatFlops(12)).toBe('12 FLOP');
  });
});
