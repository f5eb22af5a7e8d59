/**
 * Peak signal-to-noise ratio between paired images: `10 log10(range^2 / MSE)` per image, with
 * `range` the peak-to-peak data range (2 for Upshift's [-1, 1] images).
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { checkSameShape } from './image-batch.js';

/** Options of {@link psnr}. */
export interface PsnrOptions {
  /** Peak-to-peak range of the data (max - min possible value). */
  readonly dataRange: number;
}

/** Defaults: images in [-1, 1], so the peak-to-peak range is 2. */
export const PSNR_DEFAULTS: PsnrOptions = { dataRange: 2 };

/** PSNR per image pair and their mean. */
export interface PsnrResult {
  /** dB per image; `Infinity` where the two images are identical. */
  readonly perImage: readonly number[];
  /** Arithmetic mean of `perImage` in dB (`Infinity` if any pair is identical). */
  readonly mean: number;
  /** Mean squared error per image. */
  readonly mse: readonly number[];
}

/** PSNR of `test` against `reference`, image i against image i (same shape required). */
export function psnr(test: ImageBatch, reference: ImageBatch, options: Partial<PsnrOptions> = {}): PsnrResult {
  const { dataRange } = { ...PSNR_DEFAULTS, ...options };
  if (!(typeof dataRange === 'number' && Number.isFinite(dataRange) && dataRange > 0)) {
    throw new ConfigError('psnr.dataRange', dataRange, 'must be a positive finite number');
  }
  checkSameShape(reference, test, 'reference', 'test');
  const [n, h, w, c] = test.shape;
  const size = h * w * c;
  const mse: number[] = [];
  const perImage: number[] = [];
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * size; j < (i + 1) * size; j++) {
      const d = test.data[j]! - reference.data[j]!;
      sum += d * d;
    }
    const m = sum / size;
    mse.push(m);
    perImage.push(m === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / m));
  }
  return { perImage, mean: perImage.reduce((a, b) => a + b, 0) / n, mse };
}
