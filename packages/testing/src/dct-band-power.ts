/**
 * Per-band power of square single-channel images in the orthonormal 2-D DCT-II basis, with
 * sampling errors, for comparing output spectra of diffusion runs (per sample and averaged).
 * Bands are set by the Chebyshev index max(a, b) of a coefficient: band k of an n x n grid
 * holds the coefficients that level k holds but level k + 1 does not
 * (n / 2^(k+1) <= max(a, b) < n / 2^k); the last band is what the deepest level keeps.
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { dct1d } from './level-operators.js';

/** 2-D DCT coefficients of every image of a [B, n, n, 1] tensor, row-major per image. */
export function dctCoefficients(x: Tensor4D): Float64Array[] {
  const [b, n, w, c] = x.shape;
  if (n !== w || c !== 1) throw new Error(`dctCoefficients: need [B, n, n, 1], got [${x.shape.join(', ')}]`);
  const cm = dct1d(n).data;
  const v = x.dataSync();
  const out: Float64Array[] = [];
  const tmp = new Float64Array(n * n);
  for (let s = 0; s < b; s++) {
    const off = s * n * n;
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < n; q++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += (v[off + i * n + j] as number) * (cm[q * n + j] as number);
        tmp[i * n + q] = acc;
      }
    }
    const coef = new Float64Array(n * n);
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += (cm[p * n + i] as number) * (tmp[i * n + q] as number);
        coef[p * n + q] = acc;
      }
    }
    out.push(coef);
  }
  return out;
}

/** Band index of coefficient (a, b) of an n x n grid with `bands` bands. */
export function bandOf(a: number, b: number, n: number, bands: number): number {
  const m = Math.max(a, b);
  for (let k = 0; k < bands - 1; k++) if (m >= n / 2 ** (k + 1)) return k;
  return bands - 1;
}

/** Total power per band of one coefficient array (or of per-coefficient variances). */
export function bandPowers(coef: ArrayLike<number>, n: number, bands: number, squared = true): number[] {
  const out = new Array<number>(bands).fill(0);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const v = coef[a * n + b] as number;
      const k = bandOf(a, b, n, bands);
      out[k] = (out[k] as number) + (squared ? v * v : v);
    }
  }
  return out;
}

/** Mean band power over samples and its standard error. */
export interface BandEstimate {
  readonly mean: number;
  readonly se: number;
}

/** Per-band mean power over samples (and standard errors) of [B, n, n, 1] images. */
export function bandPowerEstimates(x: Tensor4D, bands: number): BandEstimate[] {
  const n = x.shape[1];
  const per = dctCoefficients(x).map((c) => bandPowers(c, n, bands));
  return Array.from({ length: bands }, (_, k) => meanAndSe(per.map((p) => p[k] as number)));
}

/**
 * Ratio of paired per-sample quantities, sum(a) / sum(b), with its delta-method standard error
 * (pairing the same seeds removes most of the sampling noise from the ratio).
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): BandEstimate {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  const r = ma / mb;
  const resid = a.map((v, i) => v - r * (b[i] as number));
  return { mean: r, se: meanAndSe(resid).se / mb };
}

/** Mean and standard error of the mean. */
export function meanAndSe(values: readonly number[]): BandEstimate {
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  const v = values.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean: m, se: Math.sqrt(v / values.length) };
}
