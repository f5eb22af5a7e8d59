/**
 * Stationary Gaussian test data with a power-law spectrum, and its exact (Wiener) denoiser at
 * every resolution level, for the data as seen through a given down operator.
 *
 * The field is diagonal in the 2-D DCT-II basis of a square n x n grid (reflect-symmetric
 * stationarity): coefficient (a, b) has variance S(f), f = sqrt(a^2 + b^2) / (2 n) cycles per
 * pixel, with S(f) = amplitude * f^-exponent (and S(0) = 2 S(1 / 2n) for the mean). Level k
 * data is `D^k x0`, covariance `Sigma_k = A diag(S) A^T` with A = D^k C^T; the posterior mean at
 * per-pixel noise sigma is `V diag(l / (l + sigma^2)) V^T x` in the eigenbasis of Sigma_k (at
 * level 0 that basis is the DCT itself). One channel per image, any batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Denoiser, DenoiserContext, NoiseSource, PowerSpectrum } from '@upshift/core';
import { matmul, symmetricEigen, transpose, zeros } from './dense-matrix.js';
import type { DenseMatrix } from './dense-matrix.js';
import { dct1d, downLevels1d, separable2d } from './level-operators.js';
import type { ReferenceDownOperator } from './level-operators.js';

/** Options of {@link createSpectralGaussianField}. */
export interface SpectralGaussianFieldOptions {
  /** Side n of the full-resolution grid (a power of two, e.g. 32). */
  readonly side: number;
  /** Power-law exponent of S(f) (emoji data: ~3.3). */
  readonly exponent: number;
  /** Per-pixel variance of the field (sets the amplitude). */
  readonly pixelVariance: number;
}

/** Eigenbasis of a level's covariance. */
export interface LevelEigen {
  readonly values: Float64Array;
  /** Columns are eigenvectors (n_k^2 x n_k^2). */
  readonly vectors: DenseMatrix;
  readonly covariance: DenseMatrix;
}

/** The test data model. */
export interface SpectralGaussianField {
  readonly side: number;
  /** S at radial frequency f (cycles per pixel of level 0). */
  power(f: number): number;
  /** Variance of each level-0 DCT coefficient, row-major (a * n + b). */
  readonly coefficientVariance: Float64Array;
  /** The spectrum as a core PowerSpectrum JSON (bins b / side, levels 0..maxLevel). */
  powerSpectrum(levels: number): PowerSpectrum;
  /** `count` clean samples [count, n, n, 1]. */
  sample(count: number, noise: NoiseSource): Tensor4D;
  /** Covariance and eigenbasis of level-k data under `op` (cached). */
  levelEigen(op: ReferenceDownOperator, level: number): LevelEigen;
  /** The exact denoiser for data made with `op`. */
  denoiser(op: ReferenceDownOperator): Denoiser;
}

/** Creates the field. */
export function createSpectralGaussianField(options: SpectralGaussianFieldOptions): SpectralGaussianField {
  const n = options.side;
  const shape = (f: number) => f ** -options.exponent;
  const raw = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) raw[a * n + b] = a === 0 && b === 0 ? 2 * shape(1 / (2 * n)) : shape(Math.hypot(a, b) / (2 * n));
  }
  const amplitude = (options.pixelVariance * n * n) / raw.reduce((s, v) => s + v, 0);
  const power = (f: number) => (f <= 0 ? 2 * amplitude * shape(1 / (2 * n)) : amplitude * shape(f));
  const lam = raw.map((v) => v * amplitude);
  const c = dct1d(n);
  const eigenCache = new Map<string, LevelEigen>();

  const levelEigen = (op: ReferenceDownOperator, level: number): LevelEigen => {
    const key = `${op}/${level}`;
    let e = eigenCache.get(key);
    if (!e && op === 'dct') {
      // D^k C^T = (Cm^T [I 0] / 2^(k/2)) per axis: level-k data is diagonal in the level-k DCT
      // basis with variance S / 4^k on the lowest n / 2^k frequencies per axis (exact, no solver).
      const m = n / 2 ** level;
      const basis = transpose(separable2d(dct1d(m)));
      const values = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) values[a * m + b] = (lam[a * n + b] as number) / 4 ** level;
      const scaledBasis = zeros(m * m, m * m);
      for (let i = 0; i < m * m; i++) {
        for (let j = 0; j < m * m; j++) scaledBasis.data[i * m * m + j] = (basis.data[i * m * m + j] as number) * (values[j] as number);
      }
      e = { values, vectors: basis, covariance: matmul(scaledBasis, transpose(basis)) };
      eigenCache.set(key, e);
    }
    if (!e) {
      // A = D^k C^T (2-D): columns are the DCT basis images seen at level k.
      const a = separable2d(matmul(downLevels1d(op, n, level), transpose(c)));
      const scaled = zeros(a.rows, a.cols);
      for (let i = 0; i < a.rows; i++) {
        for (let j = 0; j < a.cols; j++) scaled.data[i * a.cols + j] = (a.data[i * a.cols + j] as number) * (lam[j] as number);
      }
      const covariance = matmul(scaled, transpose(a));
      const { values, vectors } = symmetricEigen(covariance);
      e = { values, vectors, covariance };
      eigenCache.set(key, e);
    }
    return e;
  };

  const cTensor = () => tf.tensor2d(Float32Array.from(c.data), [n, n]);

  return {
    side: n,
    power,
    coefficientVariance: lam,
    powerSpectrum(levels: number): PowerSpectrum {
      const out = [];
      for (let k = 0; k < levels; k++) {
        const side = n / 2 ** k;
        const frequencies: number[] = [];
        const pw: number[] = [];
        for (let b = 0; b <= Math.ceil(side * Math.SQRT1_2); b++) {
          frequencies.push(b / side);
          pw.push(power(b / side / 2 ** k) / 4 ** k);
        }
        out.push({ level: k, side, frequencies, power: pw });
      }
      return { source: `power law f^-${options.exponent}`, downOperator: 'dct', pixelVariance: options.pixelVariance, levels: out };
    },
    sample(count: number, noise: NoiseSource): Tensor4D {
      return tf.tidy(() => {
        const w = noise.normal<tf.Rank.R3>([count, n, n]);
        const coef = tf.mul(w, tf.tensor2d(Float32Array.from(lam, Math.sqrt), [n, n])) as tf.Tensor3D;
        return tf.reshape(dct2(coef, tf.transpose(cTensor())), [count, n, n, 1]) as Tensor4D;
      });
    },
    levelEigen,
    denoiser(op: ReferenceDownOperator): Denoiser {
      return {
        name: `wiener-${op}`,
        channels: 1,
        denoise(x: Tensor4D, sigma: number, ctx: DenoiserContext): Tensor4D {
          const [batch, h, w, ch] = x.shape;
          return tf.tidy(() => {
            const flat = tf.reshape(ch === 1 ? x : tf.transpose(x, [0, 3, 1, 2]), [batch * ch, h, w]) as tf.Tensor3D;
            let out: tf.Tensor3D;
            if (ctx.level === 0) {
              const g = Float32Array.from(lam, (l) => l / (l + sigma * sigma));
              const ct = cTensor();
              const coef = dct2(flat, ct);
              out = dct2(tf.mul(coef, tf.tensor2d(g, [n, n])) as tf.Tensor3D, tf.transpose(ct));
            } else {
              const e = levelEigen(op, ctx.level);
              const m = h * w;
              const v = tf.tensor2d(Float32Array.from(e.vectors.data), [m, m]);
              const g = tf.tensor2d(Float32Array.from(e.values, (l) => Math.max(l, 0) / (Math.max(l, 0) + sigma * sigma)), [1, m]);
              const proj = tf.mul(tf.matMul(tf.reshape(flat, [batch * ch, m]), v), g);
              out = tf.reshape(tf.matMul(proj, v, false, true), [batch * ch, h, w]);
            }
            return (ch === 1 ? tf.reshape(out, [batch, h, w, 1]) : tf.transpose(tf.reshape(out, [batch, ch, h, w]), [0, 2, 3, 1])) as Tensor4D;
          });
        },
      };
    },
  };
}

/** M X M^T for every X of a [B, n, n] batch (M is n x n), as two broadcast batch matMuls. */
export function dct2(x: tf.Tensor3D, m: tf.Tensor2D): tf.Tensor3D {
  const [n] = m.shape;
  const mb = tf.reshape(m, [1, n, n]) as tf.Tensor3D;
  return tf.matMul(tf.matMul(mb, x), mb, false, true);
}
