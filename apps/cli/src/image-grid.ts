/**
 * Tiles images into one grid image (row-major cells with a padding of background colour), for
 * a contact sheet of a batch or the compare command's policies-by-seeds table.
 */
import { ConfigError } from '@upshift/core';
import type { ImageHWC } from './png-image.js';

/** Options of {@link makeGrid}. */
export interface GridOptions {
  /** Cells per row (default: ceil(sqrt(count))). */
  readonly columns?: number;
  /** Pixels between cells and around the border. */
  readonly padding?: number;
  /** Background value in [-1, 1] (1 = white). */
  readonly background?: number;
}

/** Tiles same-sized images into one; `rows = ceil(count / columns)`. */
export function makeGrid(images: readonly ImageHWC[], options: GridOptions = {}): ImageHWC {
  if (images.length === 0) throw new ConfigError('grid.images', 0, 'need at least one image');
  const { height: h, width: w, channels: c } = images[0]!;
  for (const [i, img] of images.entries()) {
    if (img.height !== h || img.width !== w || img.channels !== c) throw new ConfigError(`grid.images[${i}]`, [img.height, img.width, img.channels], `must be ${h}x${w}x${c} like image 0`);
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.length));
  if (!Number.isInteger(columns) || columns < 1) throw new ConfigError('grid.columns', columns, 'must be a positive integer');
  const pad = options.padding ?? 2;
  const rows = Math.ceil(images.length / columns);
  const height = rows * h + (rows + 1) * pad;
  const width = columns * w + (columns + 1) * pad;
  const data = new Float32Array(height * width * c).fill(options.background ?? 1);
  images.forEach((img, i) => {
    const top = pad + Math.floor(i / columns) * (h + pad);
    const left = pad + (i % columns) * (w + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) data[((top + y) * width + left + x) * c + ch] = img.data[(y * w + x) * c + ch]!;
      }
    }
  });
  return { data, height, width, channels: c };
}
