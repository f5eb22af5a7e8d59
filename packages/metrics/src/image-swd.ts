/**
 * Multi-scale sliced Wasserstein distance between two image sets, after Karras et al.,
 * "Progressive Growing of GANs" (ICLR 2018), section 5 / `metrics/sliced_wasserstein.py`:
 * each image's Laplacian pyramid down to `minResolution` (64 / 32 / 16 px for 64 px images),
 * `patchesPerImage` random 7x7 neighbourhoods per level (all channels: 147 numbers), the
 * descriptors normalised per channel, and the sliced Wasserstein distance of the two
 * descriptor sets per level over random directions. Papers (and DESIGN.md) report it x 1e3
 * ({@link SWD_REPORT_SCALE}). Lower is closer; two samples of the same distribution are not 0
 * but at the noise floor of the sample size.
 *
 * Normalisation (issue 16). ProGAN normalises each set's descriptors by that set's own
 * per-channel mean and standard deviation (`normalize: 'per-set'`). That divides away any
 * difference in energy per channel and pyramid level — and losing fine-detail energy is exactly
 * what an upshift does (11-16 % less band energy at 64 px on the shipped model): a set whose
 * top Laplacian level is scaled by 0.85 scores ~0 against the original. The default here is
 * therefore a common normalisation: both sets scaled by the reference set's statistics
 * (`'reference'`, so every set compared with one reference is measured in the same units), or
 * by the statistics of both sets pooled (`'union'`, symmetric in its arguments).
 *
 * Other differences from ProGAN, all deliberate: patch positions and directions come from a
 * seed (image i of both sets gets the same positions, so identical sets give exactly 0), and
 * sets may differ in size (1-D distances through quantile functions).
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { checkSameImageSize } from './image-batch.js';
import type { PlanarImages } from './laplacian-pyramid.js';
import { laplacianPyramid } from './laplacian-pyramid.js';
import { seededIntegers } from './seeded-uniform.js';
import type { DescriptorSet } from './sliced-wasserstein.js';
import { slicedWasserstein } from './sliced-wasserstein.js';

/** Multiply raw SWD by this to get the numbers papers and DESIGN.md report. */
export const SWD_REPORT_SCALE = 1e3;

/** Options of {@link imageSwd}. */
export interface ImageSwdOptions {
  /** Side of the square neighbourhoods (odd). */
  readonly patchSize: number;
  /** Neighbourhoods drawn per image and level. */
  readonly patchesPerImage: number;
  /** Random projection directions per level. */
  readonly directions: number;
  /** Coarsest pyramid level's side (the pyramid halves the side until it reaches this). */
  readonly minResolution: number;
  /** Seed of patch positions and directions. */
  readonly seed: number;
  /**
   * Descriptor normalisation per channel and level: both sets by the reference set's statistics
   * (`'reference'`, the default), both by the two sets' pooled statistics (`'union'`), or each
   * set by its own (`'per-set'`, ProGAN's; blind to a change of detail energy or contrast).
   */
  readonly normalize: SwdNormalization;
}

/** How {@link imageSwd} normalises descriptors: one common scale (`reference`, `union`) or ProGAN's `per-set`. */
export type SwdNormalization = 'reference' | 'union' | 'per-set';

/** The normalisations {@link imageSwd} accepts. */
export const SWD_NORMALIZATIONS: readonly SwdNormalization[] = ['reference', 'union', 'per-set'];

/** ProGAN's patch settings (7x7 patches, 128 per image, 512 directions, down to 16 px), seed 0, common normalisation by the reference. */
export const IMAGE_SWD_DEFAULTS: ImageSwdOptions = {
  patchSize: 7,
  patchesPerImage: 128,
  directions: 512,
  minResolution: 16,
  seed: 0,
  normalize: 'reference',
};

/** SWD at one pyramid level. */
export interface SwdLevel {
  /** Side of this pyramid level in pixels. */
  readonly side: number;
  /** Raw distance (multiply by {@link SWD_REPORT_SCALE} to report). */
  readonly distance: number;
}

/** SWD per pyramid level, finest first, and their mean. */
export interface ImageSwdResult {
  readonly levels: readonly SwdLevel[];
  readonly mean: number;
}

function toPlanar(batch: ImageBatch): PlanarImages {
  const [n, h, w, c] = batch.shape;
  const data = new Float64Array(n * c * h * w);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) data[((i * c + ch) * h * w) + p] = batch.data[(i * h * w + p) * c + ch]!;
    }
  }
  return { data, n, c, h, w };
}

function extractDescriptors(img: PlanarImages, patchSize: number, perImage: number, seed: number): DescriptorSet {
  const { n, c, h, w } = img;
  const dim = c * patchSize * patchSize;
  const data = new Float64Array(n * perImage * dim);
  const next = seededIntegers(seed);
  let row = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < perImage; k++, row++) {
      const y0 = next(h - patchSize + 1);
      const x0 = next(w - patchSize + 1);
      let o = row * dim;
      for (let ch = 0; ch < c; ch++) {
        const base = (i * c + ch) * h * w;
        for (let y = 0; y < patchSize; y++) for (let x = 0; x < patchSize; x++) data[o++] = img.data[base + (y0 + y) * w + x0 + x]!;
      }
    }
  }
  return { data, count: n * perImage, dim };
}

interface ChannelStats {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** Per-channel mean and standard deviation of the descriptors of all `sets` pooled. */
function channelStats(sets: readonly DescriptorSet[], c: number): ChannelStats {
  const per = sets[0]!.dim / c;
  const mean = new Float64Array(c);
  const sq = new Float64Array(c);
  let total = 0;
  for (const set of sets) {
    for (let r = 0; r < set.count; r++) {
      for (let ch = 0; ch < c; ch++) {
        const base = r * set.dim + ch * per;
        for (let k = 0; k < per; k++) {
          const v = set.data[base + k]!;
          mean[ch]! += v;
          sq[ch]! += v * v;
        }
      }
    }
    total += set.count * per;
  }
  const std = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    mean[ch]! /= total;
    const variance = Math.max(sq[ch]! / total - mean[ch]! ** 2, 0);
    // A constant channel (e.g. a blank set) would divide by zero; leave its scale alone.
    std[ch] = variance > 0 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

function normalizeInPlace(set: DescriptorSet, c: number, stats: ChannelStats): void {
  const per = set.dim / c;
  for (let r = 0; r < set.count; r++) {
    for (let ch = 0; ch < c; ch++) {
      const base = r * set.dim + ch * per;
      for (let k = 0; k < per; k++) set.data[base + k] = (set.data[base + k]! - stats.mean[ch]!) / stats.std[ch]!;
    }
  }
}

function validate(o: ImageSwdOptions, side: number): number {
  const int = (field: keyof ImageSwdOptions, min: number): void => {
    const v = o[field];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new ConfigError(`swd.${field}`, v, `must be an integer >= ${min}`);
  };
  int('patchSize', 1);
  int('patchesPerImage', 1);
  int('directions', 1);
  int('minResolution', 1);
  int('seed', 0);
  if (o.patchSize % 2 !== 1) throw new ConfigError('swd.patchSize', o.patchSize, 'must be odd');
  if (!SWD_NORMALIZATIONS.includes(o.normalize)) throw new ConfigError('swd.normalize', o.normalize, `must be one of ${SWD_NORMALIZATIONS.map((n) => `"${n}"`).join(', ')}`);
  if (o.minResolution < o.patchSize) throw new ConfigError('swd.minResolution', o.minResolution, `must be at least patchSize = ${o.patchSize}`);
  let levels = 1;
  let s = side;
  while (s > o.minResolution) {
    if (s % 2 !== 0) throw new ConfigError('swd.minResolution', o.minResolution, `image side ${side} does not halve down to it`);
    s /= 2;
    levels++;
  }
  if (s !== o.minResolution) throw new ConfigError('swd.minResolution', o.minResolution, `image side ${side} does not halve down to it`);
  return levels;
}

/**
 * SWD between `test` and `reference` per Laplacian-pyramid level (same image size and
 * channels; the set sizes may differ). Images must be square.
 */
export function imageSwd(test: ImageBatch, reference: ImageBatch, options: Partial<ImageSwdOptions> = {}): ImageSwdResult {
  const o: ImageSwdOptions = { ...IMAGE_SWD_DEFAULTS, ...options };
  checkSameImageSize(reference, test, 'reference', 'test');
  const [, h, w, c] = test.shape;
  if (h !== w) throw new ConfigError('test.shape', test.shape, 'images must be square');
  const levels = validate(o, h);
  const pyrA = laplacianPyramid(toPlanar(test), levels);
  const pyrB = laplacianPyramid(toPlanar(reference), levels);
  const out: SwdLevel[] = [];
  for (let k = 0; k < levels; k++) {
    const a = extractDescriptors(pyrA[k]!, o.patchSize, o.patchesPerImage, o.seed + k);
    const b = extractDescriptors(pyrB[k]!, o.patchSize, o.patchesPerImage, o.seed + k);
    const statsB = o.normalize === 'union' ? channelStats([a, b], c) : channelStats([b], c);
    normalizeInPlace(a, c, o.normalize === 'per-set' ? channelStats([a], c) : statsB);
    normalizeInPlace(b, c, statsB);
    out.push({ side: pyrA[k]!.h, distance: slicedWasserstein(a, b, { directions: o.directions, seed: o.seed + 1000 * (k + 1) }) });
  }
  return { levels: out, mean: out.reduce((s, l) => s + l.distance, 0) / out.length };
}
