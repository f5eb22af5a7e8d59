/**
 * Small float64 dense linear algebra for exact second-moment analysis in tests: row-major
 * matrices, products, Kronecker products and a cyclic Jacobi symmetric eigendecomposition
 * (Golub & Van Loan, Matrix Computations, Alg. 8.5.3). Sizes up to a few hundred.
 */

/** A row-major float64 matrix. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A zero matrix. */
export function zeros(rows: number, cols: number): DenseMatrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** The identity. */
export function identity(n: number): DenseMatrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** A matrix from a row-major array. */
export function fromRows(rows: number, cols: number, data: ArrayLike<number>): DenseMatrix {
  return { rows, cols, data: Float64Array.from(data) };
}

/** A^T. */
export function transpose(a: DenseMatrix): DenseMatrix {
  const t = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j] as number;
  return t;
}

/** A B. */
export function matmul(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} by ${b.rows}x${b.cols}`);
  const c = zeros(a.rows, b.cols);
  const { data: ad } = a;
  const { data: bd } = b;
  const cd = c.data;
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = ad[i * a.cols + k] as number;
      if (aik === 0) continue;
      const bo = k * n;
      const co = i * n;
      for (let j = 0; j < n; j++) cd[co + j] = (cd[co + j] as number) + aik * (bd[bo + j] as number);
    }
  }
  return c;
}

/** A + B (same shape), optionally scaled: A + s B. */
export function add(a: DenseMatrix, b: DenseMatrix, s = 1): DenseMatrix {
  const c = zeros(a.rows, a.cols);
  for (let i = 0; i < c.data.length; i++) c.data[i] = (a.data[i] as number) + s * (b.data[i] as number);
  return c;
}

/** Kronecker product A (x) B: for images flattened row-major, (A (x) B) vec(X) = vec(A X B^T). */
export function kron(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const c = zeros(a.rows * b.rows, a.cols * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) {
      const aij = a.data[i * a.cols + j] as number;
      if (aij === 0) continue;
      for (let k = 0; k < b.rows; k++) {
        for (let l = 0; l < b.cols; l++) {
          c.data[(i * b.rows + k) * c.cols + j * b.cols + l] = aij * (b.data[k * b.cols + l] as number);
        }
      }
    }
  }
  return c;
}

/** diag(A S A^T) without forming the full product. */
export function diagOfCongruence(a: DenseMatrix, s: DenseMatrix): Float64Array {
  const as = matmul(a, s);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let acc = 0;
    for (let j = 0; j < a.cols; j++) acc += (as.data[i * a.cols + j] as number) * (a.data[i * a.cols + j] as number);
    out[i] = acc;
  }
  return out;
}

/** Symmetric eigendecomposition S = V diag(values) V^T (columns of V are eigenvectors). */
export function symmetricEigen(s: DenseMatrix, tolerance = 1e-12, maxSweeps = 30): { values: Float64Array; vectors: DenseMatrix } {
  const n = s.rows;
  const a = Float64Array.from(s.data);
  const v = identity(n).data;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += (a[i] as number) ** 2;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off <= tolerance * tolerance * scale) break;
    for (let i = 0; i < n * n; i++) if (Math.abs(a[i] as number) < 1e-250) a[i] = 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        const app = a[p * n + p] as number;
        const aqq = a[q * n + q] as number;
        // Rotations on entries at rounding level cannot reduce the off-diagonal norm: skip them.
        if (Math.abs(apq) <= 1e-15 * Math.sqrt(Math.abs(app * aqq)) || Math.abs(apq) < 1e-300) continue;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - sn * akq;
          a[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - sn * aqk;
          a[q * n + k] = sn * apk + c * aqk;
        }
        // The rotation annihilates (p, q): store exact zeros rather than rounding residue (which
        // would otherwise decay into subnormal numbers and slow every later rotation).
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i] as number;
  return { values, vectors: { rows: n, cols: n, data: v } };
}
