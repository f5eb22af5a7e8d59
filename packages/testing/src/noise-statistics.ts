/**
 * Statistics of (supposedly) i.i.d. N(0, sigma^2) noise in an NHWC tensor, with the standard
 * errors that say how sharp a test built on them is. Resizers that claim exactness must give
 * unit variance ratios and zero correlations, including inside the 2x2 blocks that
 * nearest-neighbour upsampling copies, and across block borders.
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';

/** Correlations between pixel pairs, normalised by the claimed sigma^2 (mean known zero). */
export interface PairCorrelations {
  /** Same 2x2 block, horizontal neighbours. */
  readonly blockHorizontal: number;
  /** Same 2x2 block, vertical neighbours. */
  readonly blockVertical: number;
  /** Same 2x2 block, diagonal (top-left / bottom-right). */
  readonly blockDiagonal: number;
  /** Same 2x2 block, anti-diagonal (top-right / bottom-left). */
  readonly blockAntiDiagonal: number;
  /** Horizontal neighbours in adjacent blocks. */
  readonly acrossHorizontal: number;
  /** Vertical neighbours in adjacent blocks. */
  readonly acrossVertical: number;
}

/** What {@link noiseStatistics} measures. */
export interface NoiseStatistics {
  /** Number of values. */
  readonly samples: number;
  /** mean(x^2) / sigma^2 over all values. */
  readonly varianceRatio: number;
  /** Standard error of `varianceRatio` for i.i.d. Gaussian noise: sqrt(2 / samples). */
  readonly varianceRatioSe: number;
  /** mean(x^2) / sigma^2 per 2x2 phase (row parity, column parity): [00, 01, 10, 11]. */
  readonly phaseVarianceRatios: readonly number[];
  /** Standard error of each phase ratio: sqrt(2 / (samples / 4)). */
  readonly phaseVarianceRatioSe: number;
  readonly correlations: PairCorrelations;
  /** Standard error of each correlation (about 1 / sqrt(pairs), pairs ~ samples / 4). */
  readonly correlationSe: number;
  /** Largest |ratio - 1| / se over the per-row and per-column variance ratios (borders included). */
  readonly maxRowColumnZ: number;
}

/** Measures `x` against i.i.d. N(0, sigma^2). Spatial sides must be even. */
export function noiseStatistics(x: Tensor4D, sigma: number): NoiseStatistics {
  const [n, h, w, c] = x.shape;
  const v = x.dataSync();
  const s2 = sigma * sigma;
  const at = (b: number, i: number, j: number, ch: number) => v[((b * h + i) * w + j) * c + ch] as number;
  let sum = 0;
  const phase = new Float64Array(4);
  const row = new Float64Array(h);
  const col = new Float64Array(w);
  const pairs = { bh: 0, bv: 0, bd: 0, ba: 0, ah: 0, av: 0 };
  const counts = { bh: 0, bv: 0, bd: 0, ba: 0, ah: 0, av: 0 };
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) {
          const x0 = at(b, i, j, ch);
          const sq = x0 * x0;
          sum += sq;
          const ph = (i % 2) * 2 + (j % 2);
          phase[ph] = (phase[ph] as number) + sq;
          row[i] = (row[i] as number) + sq;
          col[j] = (col[j] as number) + sq;
          if (j + 1 < w) {
            const k = j % 2 === 0 ? 'bh' : 'ah';
            pairs[k] += x0 * at(b, i, j + 1, ch);
            counts[k]++;
          }
          if (i + 1 < h) {
            const k = i % 2 === 0 ? 'bv' : 'av';
            pairs[k] += x0 * at(b, i + 1, j, ch);
            counts[k]++;
          }
          if (i % 2 === 0 && j % 2 === 0) {
            pairs.bd += x0 * at(b, i + 1, j + 1, ch);
            counts.bd++;
            pairs.ba += at(b, i, j + 1, ch) * at(b, i + 1, j, ch);
            counts.ba++;
          }
        }
      }
    }
  }
  const total = n * h * w * c;
  const corr = (k: keyof typeof pairs) => pairs[k] / counts[k] / s2;
  const rowSe = Math.sqrt(2 / (n * w * c));
  const colSe = Math.sqrt(2 / (n * h * c));
  let maxZ = 0;
  for (let i = 0; i < h; i++) maxZ = Math.max(maxZ, Math.abs((row[i] as number) / (n * w * c) / s2 - 1) / rowSe);
  for (let j = 0; j < w; j++) maxZ = Math.max(maxZ, Math.abs((col[j] as number) / (n * h * c) / s2 - 1) / colSe);
  return {
    samples: total,
    varianceRatio: sum / total / s2,
    varianceRatioSe: Math.sqrt(2 / total),
    phaseVarianceRatios: Array.from(phase, (p) => p / (total / 4) / s2),
    phaseVarianceRatioSe: Math.sqrt(2 / (total / 4)),
    correlations: {
      blockHorizontal: corr('bh'),
      blockVertical: corr('bv'),
      blockDiagonal: corr('bd'),
      blockAntiDiagonal: corr('ba'),
      acrossHorizontal: corr('ah'),
      acrossVertical: corr('av'),
    },
    correlationSe: 1 / Math.sqrt(Math.min(...Object.values(counts))),
    maxRowColumnZ: maxZ,
  };
}

/**
 * Every way `stats` departs from i.i.d. N(0, sigma^2) by more than `z` standard errors, as
 * readable strings (empty when the noise passes).
 */
export function iidNoiseViolations(stats: NoiseStatistics, z = 4): string[] {
  const out: string[] = [];
  const tolV = z * stats.varianceRatioSe;
  if (Math.abs(stats.varianceRatio - 1) > tolV) out.push(`variance ratio ${stats.varianceRatio.toFixed(4)} (tol ${tolV.toFixed(4)})`);
  const tolP = z * stats.phaseVarianceRatioSe;
  stats.phaseVarianceRatios.forEach((r, i) => {
    if (Math.abs(r - 1) > tolP) out.push(`phase ${i} variance ratio ${r.toFixed(4)} (tol ${tolP.toFixed(4)})`);
  });
  const tolC = z * stats.correlationSe;
  for (const [k, r] of Object.entries(stats.correlations)) {
    if (Math.abs(r) > tolC) out.push(`${k} correlation ${r.toFixed(4)} (tol ${tolC.toFixed(4)})`);
  }
  if (stats.maxRowColumnZ > z + 1) out.push(`row/column variance off by ${stats.maxRowColumnZ.toFixed(2)} standard errors`);
  return out;
}
