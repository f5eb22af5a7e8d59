/**
 * 2x2 average pooling of a batch: the `box` down operator the shipped model's coarse levels
 * were trained with (level k -> k + 1, signal `avgpool(x0)`).
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { checkImageBatch } from './image-batch.js';

/** Averages every 2x2 block; height and width must be even. */
export function boxDownsample(batch: ImageBatch): ImageBatch {
  checkImageBatch('images', batch);
  const [n, h, w, c] = batch.shape;
  if (h % 2 !== 0 || w % 2 !== 0) throw new ConfigError('images.shape', batch.shape, 'height and width must be even to pool 2x2');
  const oh = h / 2;
  const ow = w / 2;
  const out = new Float32Array(n * oh * ow * c);
  const d = batch.data;
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let ch = 0; ch < c; ch++) {
          const at = (yy: number, xx: number): number => d[((i * h + yy) * w + xx) * c + ch]!;
          out[((i * oh + y) * ow + x) * c + ch] = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
        }
      }
    }
  }
  return { data: out, shape: [n, oh, ow, c] };
}
