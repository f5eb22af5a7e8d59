/**
 * Structural similarity (SSIM), Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment:
 * from error visibility to structural similarity" (IEEE TIP 2004): an 11x11 Gaussian window
 * (sigma 1.5), K1 = 0.01, K2 = 0.03, statistics over the window positions that fit inside the
 * image ("valid" filtering, as the reference MATLAB `ssim_index` and scikit-image's
 * `structural_similarity(..., gaussian_weights=True, use_sample_covariance=False)` after its
 * border crop). Each channel is scored separately and the channel scores averaged.
 *
 * The standard number is SSIM of [0, 1] pixels with L = 1, so the images are first mapped from
 * their value range (`range`, [-1, 1] for Upshift's images) to [0, 1]. Scaling only the
 * constants to a wider range is not the same: the luminance term `(2 mu_a mu_b + C1) /
 * (mu_a^2 + mu_b^2 + C1)` is not invariant to an offset of the pixel values, so SSIM on
 * [-1, 1] pixels with L = 2 gives a different (lower) number (issue 16).
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { channelPlane, checkSameShape } from './image-batch.js';

/** Options of {@link ssim}. */
export interface SsimOptions {
  /**
   * The value range `[low, high]` of the input images; they are mapped to [0, 1] (and L = 1)
   * before scoring. [-1, 1] for Upshift's images, [0, 255] for 8-bit ones.
   */
  readonly range: readonly [number, number];
  /** Side of the square Gaussian window (odd). */
  readonly windowSize: number;
  /** Standard deviation of the Gaussian window, in pixels. */
  readonly sigma: number;
  readonly k1: number;
  readonly k2: number;
}

/** The paper's window and constants, for images in [-1, 1]. */
export const SSIM_DEFAULTS: SsimOptions = { range: [-1, 1], windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03 };

/** SSIM per image pair and their mean. */
export interface SsimResult {
  /** Mean over channels of each channel's mean SSIM map, per image (1 = identical). */
  readonly perImage: readonly number[];
  /** Arithmetic mean of `perImage`. */
  readonly mean: number;
}

/** The normalised 1-D Gaussian taps (the 2-D window is their outer product). */
export function gaussianWindow1d(size: number, sigma: number): Float64Array {
  const taps = new Float64Array(size);
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    taps[i] = Math.exp(-((i - half) ** 2) / (2 * sigma * sigma));
    sum += taps[i]!;
  }
  for (let i = 0; i < size; i++) taps[i]! /= sum;
  return taps;
}

/** Separable "valid" filtering of an `h x w` plane: output `(h - k + 1) x (w - k + 1)`. */
function filterValid(plane: Float64Array, h: number, w: number, taps: Float64Array): Float64Array {
  const k = taps.length;
  const oh = h - k + 1;
  const ow = w - k + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += taps[t]! * plane[y * w + x + t]!;
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += taps[t]! * rows[(y + t) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return out;
}

function validateSsimOptions(o: SsimOptions): void {
  const positive = (field: keyof SsimOptions): void => {
    const v = o[field];
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new ConfigError(`ssim.${field}`, v, 'must be a positive finite number');
  };
  const r = o.range as unknown;
  if (!(Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number' && Number.isFinite(v)) && r[0] < r[1])) {
    throw new ConfigError('ssim.range', r, 'must be [low, high] with finite low < high');
  }
  positive('sigma');
  positive('k1');
  positive('k2');
  if (!Number.isInteger(o.windowSize) || o.windowSize < 1 || o.windowSize % 2 !== 1) {
    throw new ConfigError('ssim.windowSize', o.windowSize, 'must be an odd positive integer');
  }
}

/** Mean SSIM of two `h x w` planes. */
function planeSsim(a: Float64Array, b: Float64Array, h: number, w: number, taps: Float64Array, c1: number, c2: number): number {
  const n = h * w;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a[i]! * a[i]!;
    bb[i] = b[i]! * b[i]!;
    ab[i] = a[i]! * b[i]!;
  }
  const muA = filterValid(a, h, w, taps);
  const muB = filterValid(b, h, w, taps);
  const eAA = filterValid(aa, h, w, taps);
  const eBB = filterValid(bb, h, w, taps);
  const eAB = filterValid(ab, h, w, taps);
  let sum = 0;
  for (let i = 0; i < muA.length; i++) {
    const ma = muA[i]!;
    const mb = muB[i]!;
    const varA = eAA[i]! - ma * ma;
    const varB = eBB[i]! - mb * mb;
    const cov = eAB[i]! - ma * mb;
    sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
  }
  return sum / muA.length;
}

/** SSIM of `test` against `reference`, image i against image i (same shape, sides >= windowSize). */
export function ssim(test: ImageBatch, reference: ImageBatch, options: Partial<SsimOptions> = {}): SsimResult {
  const o: SsimOptions = { ...SSIM_DEFAULTS, ...options };
  validateSsimOptions(o);
  checkSameShape(reference, test, 'reference', 'test');
  const [n, h, w, c] = test.shape;
  if (h < o.windowSize || w < o.windowSize) {
    throw new ConfigError('test.shape', test.shape, `images must be at least windowSize = ${o.windowSize} pixels on each side`);
  }
  const taps = gaussianWindow1d(o.windowSize, o.sigma);
  // [0, 1] pixels, L = 1.
  const c1 = o.k1 ** 2;
  const c2 = o.k2 ** 2;
  const [low, high] = o.range;
  const unit = (plane: Float64Array): Float64Array => plane.map((v) => (v - low) / (high - low));
  const perImage: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let ch = 0; ch < c; ch++) s += planeSsim(unit(channelPlane(test, i, ch)), unit(channelPlane(reference, i, ch)), h, w, taps, c1, c2);
    perImage.push(s / c);
  }
  return { perImage, mean: perImage.reduce((a, b) => a + b, 0) / n };
}
