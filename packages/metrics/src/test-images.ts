/**
 * Synthetic image sets for this package's specs (not exported from the barrel): smooth random
 * images, and a copy with its fine detail attenuated the way an upshift loses it.
 */
import { createNoiseSource } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { pyramidDown, pyramidUp } from './laplacian-pyramid.js';

/**
 * `n` smooth random RGB images (3x3 box-blurred white noise, periodic) of side `side`, plus a
 * vertical grating of amplitude `grating` (period 4 px) and a constant `offset`.
 */
export function smoothRandomImages(n: number, side: number, seed: number, grating = 0, offset = 0): ImageBatch {
  const noise = createNoiseSource(seed).normalArray(n * side * side * 3);
  const data = new Float32Array(noise.length);
  const at = (i: number, y: number, x: number, c: number): number => noise[((i * side + ((y + side) % side)) * side + ((x + side) % side)) * 3 + c]!;
  for (let i = 0; i < n; i++) for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += at(i, y + dy, x + dx, c);
    data[((i * side + y) * side + x) * 3 + c] = (0.3 * s) / 3 + grating * Math.sin((2 * Math.PI * x) / 4) + offset;
  }
  return { data, shape: [n, side, side, 3] };
}

/**
 * The same images with their finest Laplacian level (the detail above half the Nyquist
 * frequency, what an upshift loses first) scaled by `gain`: `x - (1 - gain) (x - up(down(x)))`.
 */
export function attenuateFineDetail(batch: ImageBatch, gain: number): ImageBatch {
  const [n, h, w, c] = batch.shape;
  const planar = new Float64Array(n * c * h * w);
  for (let i = 0; i < n; i++) for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) planar[(i * c + ch) * h * w + p] = batch.data[(i * h * w + p) * c + ch]!;
  const low = pyramidUp(pyramidDown({ data: planar, n, c, h, w })).data;
  const data = new Float32Array(batch.data.length);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const q = (i * c + ch) * h * w + p;
        data[(i * h * w + p) * c + ch] = planar[q]! - (1 - gain) * (planar[q]! - low[q]!);
      }
    }
  }
  return { data, shape: batch.shape };
}
