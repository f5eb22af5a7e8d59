/**
 * The radially averaged power spectrum of a batch of images, defined exactly as core's
 * `PowerSpectrum` and `radial_spectrum` in tools/dataset/build_dataset.py: remove each
 * channel's mean over the whole batch, take E|X(f)|^2 of the orthonormal 2-D DFT averaged over
 * images and channels, and average it over rings `round(|f| * h)` (|f| in cycles per pixel).
 */
import type { PowerSpectrumLevel } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { checkImageBatch } from './image-batch.js';
import { Dft2Power } from './dft2-power.js';

/** A radial spectrum with the bookkeeping needed to turn ring means back into energies. */
export interface RadialPowerSpectrum extends PowerSpectrumLevel {
  /** Number of DFT coefficients in each ring (power * count sums to h * w * pixelVariance). */
  readonly counts: readonly number[];
  /** Variance of the mean-removed batch (all pixels and channels). */
  readonly pixelVariance: number;
}

/** numpy's `fftfreq(n)[i]`: i/n for i < ceil(n/2), (i - n)/n after. */
function fftFreq(i: number, n: number): number {
  return (i < Math.ceil(n / 2) ? i : i - n) / n;
}

/** Round half to even, like numpy's `np.round` (ties occur for non-square images). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The radially averaged power spectrum of `batch` (sides must be powers of two). */
export function radialPowerSpectrum(batch: ImageBatch, level = 0): RadialPowerSpectrum {
  checkImageBatch('images', batch);
  const [n, h, w, c] = batch.shape;
  const means = new Float64Array(c);
  for (let i = 0; i < batch.data.length; i++) means[i % c]! += batch.data[i]!;
  for (let ch = 0; ch < c; ch++) means[ch]! /= n * h * w;

  let sumSq = 0;
  const dft = new Dft2Power(h, w);
  const power2d = new Float64Array(h * w);
  const plane = new Float64Array(h * w);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = i * h * w * c + ch;
      for (let p = 0; p < h * w; p++) {
        const v = batch.data[base + p * c]! - means[ch]!;
        plane[p] = v;
        sumSq += v * v;
      }
      dft.accumulate(plane, power2d);
    }
  }

  const ringSum: number[] = [];
  const ringCount: number[] = [];
  for (let y = 0; y < h; y++) {
    const fy = fftFreq(y, h);
    for (let x = 0; x < w; x++) {
      const fx = fftFreq(x, w);
      const bin = roundHalfEven(Math.sqrt(fy * fy + fx * fx) * h);
      ringSum[bin] = (ringSum[bin] ?? 0) + power2d[y * w + x]! / (n * c);
      ringCount[bin] = (ringCount[bin] ?? 0) + 1;
    }
  }
  const frequencies: number[] = [];
  const power: number[] = [];
  const counts: number[] = [];
  for (let b = 0; b < ringCount.length; b++) {
    const count = ringCount[b];
    if (count === undefined) continue;
    frequencies.push(b / h);
    power.push(ringSum[b]! / count);
    counts.push(count);
  }
  return { level, side: h, frequencies, power, counts, pixelVariance: sumSq / batch.data.length };
}
