/**
 * DCT-II matrices for the spectral down operator, defined exactly as the training tools do
 * (tools/train/common.py `dct_down_matrix`, tools/dataset/build_dataset.py `dct_down`): the
 * 1-D operator is `d = Cm^T [I 0] Cn / sqrt(2)` with `Cn` the orthonormal DCT-II matrix of size
 * n and m = n / 2, computed in float64 and rounded once to float32. Then `d d^T = I / 2`, so the
 * separable 2-D operator `D = d (x) d` has `D D^T = I / 4`.
 */
import { ConfigError } from '@upshift/core';

/** Orthonormal DCT-II matrix of size n (row-major, float64): `C C^T = I`. */
export function dctMatrix(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError('dctMatrix.n', n, 'must be a positive integer');
  const c = new Float64Array(n * n);
  const scale = Math.sqrt(2 / n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      c[k * n + i] = Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n)) * scale * (k === 0 ? Math.SQRT1_2 : 1);
    }
  }
  return c;
}

/**
 * The 1-D DCT low-pass down matrix `d` (n/2 x n, row-major, float64):
 * `d = Cm^T [I 0] Cn / sqrt(2)`, i.e. keep the n/2 lowest DCT frequencies and return to the
 * pixel domain on the coarse grid.
 */
export function dctDownMatrix64(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) {
    throw new ConfigError('dctDownMatrix.n', n, 'must be an even integer >= 2');
  }
  const m = n / 2;
  const cn = dctMatrix(n);
  const cm = dctMatrix(m);
  const d = new Float64Array(m * n);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += (cm[k * m + a] as number) * (cn[k * n + b] as number);
      d[a * n + b] = s / Math.SQRT2;
    }
  }
  return d;
}

const downCache = new Map<number, Float32Array>();
const upCache = new Map<number, Float32Array>();

/** `d` for size n rounded to float32 (n/2 x n, row-major), cached per size. */
export function dctDownMatrix(n: number): Float32Array {
  let d = downCache.get(n);
  if (!d) {
    d = Float32Array.from(dctDownMatrix64(n));
    downCache.set(n, d);
  }
  return d;
}

/**
 * The 1-D up matrix `2 d^T` (n x n/2, row-major, float32), so the 2-D up is `U = 4 D^T`
 * (tools/train/common.py `up_signal`: `2 * einsum(d^T)` per axis, in float32).
 */
export function dctUpMatrix(n: number): Float32Array {
  let u = upCache.get(n);
  if (!u) {
    const d = dctDownMatrix(n);
    const m = n / 2;
    u = new Float32Array(n * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < n; b++) u[b * m + a] = 2 * (d[a * n + b] as number);
    upCache.set(n, u);
  }
  return u;
}
