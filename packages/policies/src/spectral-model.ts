/**
 * The spectral model the spectral and budget policies plan with, from a core PowerSpectrum.
 *
 * Frequencies are radial, in cycles per pixel of the spectrum's finest level (0 .. 0.5 sqrt 2);
 * power S(f) is E|X(f)|^2 of the orthonormal 2-D DFT of one channel, so white noise of std s
 * has power s^2 and `S(f) / s^2` is a per-frequency SNR. At full-resolution grid sigma s, level
 * k holds the frequencies up to its Nyquist 0.5 / 2^k and drops the rest.
 *
 * Loss model (linear / Wiener analysis of a Gaussian component with variance S at noise s):
 * the noisy state already determines `S^2 / (S + s^2)` of that component's power (the variance
 * of its Wiener estimate; the rest, `S s^2 / (S + s^2)`, is still unknown). A plan that holds a
 * band at a coarse level until noise s_r, then restores it as pure noise, throws away what
 * was determined between the start s_0 and s_r:
 *
 *   loss(band, s_r) = sum over f in band of n(f) [S(f)^2 / (S(f) + s_r^2) - S(f)^2 / (S(f) + s_0^2)]
 *
 * with n(f) the number of DFT coefficients in the radial bin. Zero if the band is there from
 * the start, S(f) (all of it) if never restored. Band k = frequencies in (0.5 / 2^k, 0.5 / 2^(k-1)]
 * (the corners above 0.5 belong to band 1): what level k drops and level k - 1 holds.
 */
import type { PowerSpectrum, PowerSpectrumLevel } from '@upshift/core';

/** One radial bin of the finest level. */
export interface SpectralBin {
  /** Bin centre, cycles per pixel of the finest level. */
  readonly frequency: number;
  /** Mean power E|X(f)|^2 in the bin. */
  readonly power: number;
  /** DFT coefficients of the side x side grid in this bin (build_dataset binning: round(r * side)). */
  readonly count: number;
}

/** The finest level of the spectrum (lowest `level`). */
export function finestLevel(spectrum: PowerSpectrum): PowerSpectrumLevel {
  return spectrum.levels.reduce((a, b) => (b.level < a.level ? b : a));
}

/** The bins of the finest level with their coefficient counts. */
export function spectralBins(spectrum: PowerSpectrum): SpectralBin[] {
  const level = finestLevel(spectrum);
  const n = level.side;
  const counts = new Map<number, number>();
  for (let y = 0; y < n; y++) {
    const fy = (y <= n / 2 ? y : y - n) / n;
    for (let x = 0; x < n; x++) {
      const fx = (x <= n / 2 ? x : x - n) / n;
      const b = Math.round(Math.hypot(fy, fx) * n);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  return level.frequencies.map((f, i) => ({
    frequency: f,
    power: level.power[i] as number,
    count: counts.get(Math.round(f * n)) ?? 1,
  }));
}

/** Nyquist frequency of level k, in cycles per full-resolution pixel. */
export function nyquistAt(level: number): number {
  return 0.5 / 2 ** level;
}

/**
 * The band of a frequency: the smallest level k >= 1 that drops it (f > 0.5 / 2^k), i.e. band k
 * is (0.5 / 2^k, 0.5 / 2^(k-1)] with the corners above 0.5 in band 1; the mean (f = 0) is never
 * dropped (Infinity).
 */
export function bandOf(frequency: number): number {
  if (frequency <= 0) return Number.POSITIVE_INFINITY;
  let k = 1;
  while (frequency <= nyquistAt(k)) k++;
  return k;
}

/** Highest frequency > 0 whose SNR S(f) / s^2 exceeds `threshold` (0 if none). */
export function highestResolvedFrequency(bins: readonly SpectralBin[], sigma: number, threshold: number): number {
  let best = 0;
  for (const b of bins) if (b.frequency > 0 && b.power / (sigma * sigma) > threshold) best = Math.max(best, b.frequency);
  return best;
}

/** Determined power of a bin at noise s: S^2 / (S + s^2) (S when s = 0). */
export function determinedPower(power: number, sigma: number): number {
  return power === 0 ? 0 : (power * power) / (power + sigma * sigma);
}

/**
 * Loss of band k (see the model above) when it comes back at step `restore`, i.e. at noise
 * sigmas[restore]; restore = steps (= sigmas.length - 1) means never, at sigma 0.
 */
export function bandLoss(bins: readonly SpectralBin[], band: number, sigmas: readonly number[], restore: number): number {
  const s0 = sigmas[0] as number;
  const sr = restore >= sigmas.length - 1 ? 0 : (sigmas[restore] as number);
  let loss = 0;
  for (const b of bins) {
    if (bandOf(b.frequency) !== band) continue;
    loss += b.count * (determinedPower(b.power, sr) - determinedPower(b.power, s0));
  }
  return loss;
}
