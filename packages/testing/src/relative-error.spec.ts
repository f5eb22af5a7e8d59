import { describe, expect, it } from 'vitest';
import { relativeError, relativeErrorBeyond } from './relative-error.js';

describe('relativeError', () => {
  it('is the relative L2 distance, 0 for equal inputs, Infinity for NaN or a length mismatch', () => {
    expect(relativeError([1, 2, 2], [1, 2, 2])).toBe(0);
    expect(relativeError([3, 4], [0, 5])).toBeCloseTo(Math.sqrt(9 + 1) / 5, 12);
    expect(relativeError([NaN], [1])).toBe(Infinity);
    expect(relativeError([1, 2], [1])).toBe(Infinity);
    expect(relativeError([1], [0])).toBe(Infinity);
  });

  it('relativeErrorBeyond normalises by the part that is not a multiple of the input', () => {
    // expected = 100 * input + small network part; a 10% error in that part must show as 0.1,
    // where plain relative error would call it ~1e-3.
    const input = [1, -1, 2, 0.5];
    const net = [0.1, 0.2, -0.1, 0.3];
    const expected = input.map((x, i) => 100 * x + net[i]!);
    const actual = expected.map((e, i) => e + 0.1 * net[i]!);
    expect(relativeError(actual, expected)).toBeLessThan(2e-3);
    // The projection removes the part of `net` along `input` too, so the ratio is near, not at, 0.1.
    expect(relativeErrorBeyond(actual, expected, input)).toBeGreaterThan(0.1);
    expect(relativeErrorBeyond(expected, expected, input)).toBe(0);
  });
});
