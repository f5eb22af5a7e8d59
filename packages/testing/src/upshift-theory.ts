/**
 * Exact second-moment prediction of an upshifted Euler run on a {@link SpectralGaussianField}
 * with its Wiener denoiser, in float64, from the operators' definitions (not from the resizer
 * code under test). Everything is linear in Gaussian noise, so the state stays zero-mean
 * Gaussian and its covariance can be propagated exactly:
 *
 * - Euler step at level k: x' = M x, M = I + (s' - s) / s (I - W), W the Wiener filter; in the
 *   eigenbasis of the level's data covariance M is diagonal, so Sigma' = (m m^T) .* Sigma.
 * - exact up (k -> j): Sigma_j = T Sigma T^T + sigma_j^2 (I - T D), T = U^(k-j) = 4^(k-j) D^T;
 * - detail-prior up to level 0: also + diag(S) on the DCT coefficients outside the coarse block;
 * - bilinear up: Sigma_j = B Sigma B^T (no re-noising).
 *
 * The result is the variance of every level-0 DCT coefficient of the final sample, to compare
 * with measured spectra band by band.
 */
import { add, diagOfCongruence, matmul, transpose, zeros } from './dense-matrix.js';
import type { DenseMatrix } from './dense-matrix.js';
import { bilinearUp1d, dct1d, downLevels1d, separable2d, upLevels1d } from './level-operators.js';
import type { ReferenceDownOperator } from './level-operators.js';
import type { SpectralGaussianField } from './spectral-gaussian-field.js';

/** How the theory moves the state up a level. */
export type TheoryUpshift = 'exact' | 'detail-prior' | 'bilinear';

/** Inputs of {@link predictFinalCoefficientVariance}. */
export interface UpshiftTheoryInput {
  readonly field: SpectralGaussianField;
  /** Down operator of the data / resizer ('box' or 'dct'). */
  readonly op: ReferenceDownOperator;
  readonly upshift: TheoryUpshift;
  /** Full-resolution sigma grid (steps + 1 values, last 0). */
  readonly sigmas: readonly number[];
  /** Level per step (non-increasing). */
  readonly levels: readonly number[];
}

/** Predicted variance of each level-0 DCT coefficient (row-major a * n + b) of the final sample. */
export function predictFinalCoefficientVariance(input: UpshiftTheoryInput): Float64Array {
  const { field, op, sigmas, levels } = input;
  const n = field.side;
  const lam = field.coefficientVariance;
  let level = levels[0] as number;
  let diag: Float64Array | undefined;
  let eig = level > 0 ? field.levelEigen(op, level) : undefined;
  // Covariance in the eigenbasis of the current level (levels > 0).
  let cov: DenseMatrix | undefined;
  const s0 = sigmas[0] as number;
  if (level === 0) diag = new Float64Array(n * n).fill(s0 * s0);
  else {
    const m = (n / 2 ** level) ** 2;
    cov = zeros(m, m);
    for (let i = 0; i < m; i++) cov.data[i * m + i] = (s0 / 2 ** level) ** 2;
  }
  for (let i = 0; i < levels.length; i++) {
    const to = levels[i] as number;
    const s = sigmas[i] as number;
    const sNext = sigmas[i + 1] as number;
    if (to > level) throw new Error('theory: only upshifts are modelled');
    if (to < level) {
      const e = eig as { vectors: DenseMatrix };
      const pixelCov = matmul(matmul(e.vectors, cov as DenseMatrix), transpose(e.vectors));
      const sHi = s / 2 ** to;
      const sideTo = n / 2 ** to;
      const t1 =
        input.upshift === 'bilinear'
          ? bilinearUp1d(n / 2 ** level, 2 ** (level - to))
          : upLevels1d(op, sideTo, level - to);
      const t = separable2d(t1);
      if (to === 0) {
        // g = C T with C the 2-D DCT: separable, so (C1 t1) (x) (C1 t1).
        const g = separable2d(matmul(dct1d(n), t1));
        const d = diagOfCongruence(g, pixelCov);
        if (input.upshift !== 'bilinear') {
          // diag(C (I - T D) C^T) = 1 - rowsum((C T) .* (C D^T)), and D^T = T / 4^(level - to).
          const scale = 4 ** (level - to);
          for (let a = 0; a < d.length; a++) {
            let p = 0;
            for (let j = 0; j < g.cols; j++) p += (g.data[a * g.cols + j] as number) ** 2;
            d[a] = (d[a] as number) + sHi * sHi * (1 - p / scale);
          }
        }
        if (input.upshift === 'detail-prior') {
          const block = n / 2 ** level;
          for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a >= block || b >= block) d[a * n + b] = (d[a * n + b] as number) + (lam[a * n + b] as number);
        }
        diag = d;
        cov = undefined;
        eig = undefined;
      } else {
        if (input.upshift === 'detail-prior') throw new Error('theory: detail-prior modelled for jumps to level 0 only');
        let next = matmul(matmul(t, pixelCov), transpose(t));
        if (input.upshift === 'exact') {
          const proj = matmul(t, separable2d(downLevels1d(op, sideTo, level - to)));
          const idMinus = zeros(proj.rows, proj.cols);
          for (let a = 0; a < proj.rows; a++) {
            for (let b = 0; b < proj.cols; b++) idMinus.data[a * proj.cols + b] = (a === b ? 1 : 0) - (proj.data[a * proj.cols + b] as number);
          }
          next = add(next, idMinus, sHi * sHi);
        }
        eig = field.levelEigen(op, to);
        cov = matmul(matmul(transpose(eig.vectors), next), eig.vectors);
      }
      level = to;
    }
    const h = (sNext - s) / s;
    const sk = s / 2 ** level;
    if (level === 0) {
      const d = diag as Float64Array;
      for (let a = 0; a < d.length; a++) {
        const l = lam[a] as number;
        const m = 1 + h * (1 - l / (l + sk * sk));
        d[a] = (d[a] as number) * m * m;
      }
    } else {
      const e = eig as { values: Float64Array };
      const c = cov as DenseMatrix;
      const m = Array.from(e.values, (l) => 1 + h * (1 - Math.max(l, 0) / (Math.max(l, 0) + sk * sk)));
      for (let a = 0; a < c.rows; a++) for (let b = 0; b < c.cols; b++) c.data[a * c.cols + b] = (c.data[a * c.cols + b] as number) * (m[a] as number) * (m[b] as number);
    }
  }
  if (!diag) throw new Error('theory: the plan must end at level 0');
  return diag;
}
