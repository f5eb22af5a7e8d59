/**
 * Float64 reference matrices of the resolution operators, written from their definitions
 * (independently of @upshift/resizers) for exact second-moment analysis in tests: the
 * orthonormal DCT-II, the one-level down operators d ('box': 2-tap average; 'dct':
 * Cm^T [I 0] Cn / sqrt 2), their ups 2 d^T, and bilinear upsampling with half-pixel centres.
 * 2-D operators on row-major flattened square images are Kronecker products `a (x) a`.
 */
import { fromRows, kron, matmul, transpose, zeros } from './dense-matrix.js';
import type { DenseMatrix } from './dense-matrix.js';

/** Down operator names the reference matrices know. */
export type ReferenceDownOperator = 'box' | 'dct';

/** Orthonormal DCT-II matrix C of size n (C C^T = I). */
export function dct1d(n: number): DenseMatrix {
  const c = zeros(n, n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      c.data[k * n + i] = Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n)) * Math.sqrt(2 / n) * (k === 0 ? Math.SQRT1_2 : 1);
    }
  }
  return c;
}

/** One-level 1-D down matrix (n/2 x n) with d d^T = I / 2. */
export function down1d(op: ReferenceDownOperator, n: number): DenseMatrix {
  const m = n / 2;
  if (op === 'box') {
    const d = zeros(m, n);
    for (let a = 0; a < m; a++) {
      d.data[a * n + 2 * a] = 0.5;
      d.data[a * n + 2 * a + 1] = 0.5;
    }
    return d;
  }
  const cm = dct1d(m);
  const cn = dct1d(n);
  const head = fromRows(m, n, cn.data.subarray(0, m * n));
  const d = matmul(transpose(cm), head);
  for (let i = 0; i < d.data.length; i++) d.data[i] = (d.data[i] as number) / Math.SQRT2;
  return d;
}

/** 1-D down over `levels` levels from side n (n / 2^levels x n). */
export function downLevels1d(op: ReferenceDownOperator, n: number, levels: number): DenseMatrix {
  let d = identityLike(n);
  let side = n;
  for (let i = 0; i < levels; i++) {
    d = matmul(down1d(op, side), d);
    side /= 2;
  }
  return d;
}

/** 1-D up over `levels` levels to side n: (2^levels) (d^(levels))^T (n x n / 2^levels). */
export function upLevels1d(op: ReferenceDownOperator, n: number, levels: number): DenseMatrix {
  const t = transpose(downLevels1d(op, n, levels));
  const f = 2 ** levels;
  for (let i = 0; i < t.data.length; i++) t.data[i] = (t.data[i] as number) * f;
  return t;
}

/** 1-D bilinear upsampling by `factor` with half-pixel centres and clamped edges (nIn*factor x nIn). */
export function bilinearUp1d(nIn: number, factor: number): DenseMatrix {
  const nOut = nIn * factor;
  const b = zeros(nOut, nIn);
  for (let i = 0; i < nOut; i++) {
    const s = (i + 0.5) / factor - 0.5;
    const lo = Math.floor(s);
    const frac = s - lo;
    const clamp = (j: number) => Math.min(nIn - 1, Math.max(0, j));
    b.data[i * nIn + clamp(lo)] = (b.data[i * nIn + clamp(lo)] as number) + (1 - frac);
    b.data[i * nIn + clamp(lo + 1)] = (b.data[i * nIn + clamp(lo + 1)] as number) + frac;
  }
  return b;
}

/** The 2-D operator of a 1-D one on square images: a (x) a. */
export function separable2d(a: DenseMatrix): DenseMatrix {
  return kron(a, a);
}

function identityLike(n: number): DenseMatrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}
