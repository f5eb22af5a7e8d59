import { describe, expect, it } from 'vitest';
import { dctDownMatrix, dctDownMatrix64, dctMatrix, dctUpMatrix } from './dct-matrix.js';

// numpy float32 of tools/dataset/build_dataset.py's d = cm.T @ cn[:n//2] / sqrt(2) for n = 8.
const NUMPY_D8 = [
  0.594399631023407, 0.3660295009613037, 0.09183791279792786, -0.04641226306557655, -0.030228478834033012,
  0.02286306582391262, 0.019269531592726707, -0.01775890216231346, -0.1365322470664978, 0.1819578856229782,
  0.47233325242996216, 0.43530482053756714, 0.14133591949939728, -0.08703423291444778, -0.06725691258907318,
  0.05989149957895279, 0.05989149957895279, -0.06725691258907318, -0.08703423291444778, 0.14133591949939728,
  0.43530482053756714, 0.47233325242996216, 0.1819578856229782, -0.1365322470664978, -0.01775890216231346,
  0.019269531592726707, 0.02286306582391262, -0.030228478834033012, -0.04641226306557655, 0.09183791279792786,
  0.3660295009613037, 0.594399631023407,
];

describe('DCT matrices', () => {
  it('DCT-II is orthonormal', () => {
    const n = 16;
    const c = dctMatrix(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (c[i * n + k] as number) * (c[j * n + k] as number);
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('matches the training tools bit for bit (float32 of the float64 definition), n = 8', () => {
    expect(Array.from(dctDownMatrix(8))).toEqual(NUMPY_D8);
  });

  it('matches numpy summaries for n = 64 (sum 32, sum of squares 16, two entries)', () => {
    const d = dctDownMatrix(64);
    expect(d.reduce((s, v) => s + v, 0)).toBeCloseTo(32.000000111875124, 5);
    expect(d[5 * 64 + 17]).toBe(Math.fround(-0.027767912));
    expect(d[31 * 64 + 0]).toBe(Math.fround(-0.0002712674));
  });

  it.each([4, 8, 32, 64])('d d^T = I / 2 for n = %i (so D D^T = I / 4 in 2-D)', (n) => {
    const d = dctDownMatrix64(n);
    const m = n / 2;
    let worst = 0;
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (d[a * n + k] as number) * (d[b * n + k] as number);
        worst = Math.max(worst, Math.abs(s - (a === b ? 0.5 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('the up matrix is exactly 2 d^T in float32', () => {
    const d = dctDownMatrix(8);
    const u = dctUpMatrix(8);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 8; b++) expect(u[b * 4 + a]).toBe(2 * (d[a * 8 + b] as number));
  });

  it('rejects odd sizes', () => {
    expect(() => dctDownMatrix64(7)).toThrow(/dctDownMatrix.n = 7/);
  });
});
