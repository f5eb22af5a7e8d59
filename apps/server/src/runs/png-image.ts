/**
 * Images as PNG: the final image of a run (one batch item, or all items side by side) and the
 * low-rate previews of the event stream. Pixel values are the model's [-1, 1], written as
 * 8-bit with `round((x + 1) * 127.5)`, clamped (the CLI's convention).
 */
import { PNG } from 'pngjs';
import type { ImageData4D } from '@upshift/core';

/** Which batch items to draw: one index, or every item in a row. */
export type ImageItems = number | 'all';

/** Encodes batch item `items` (or all items in one row) of an NHWC image as PNG bytes. */
export function encodePng(image: Pick<ImageData4D, 'data' | 'shape'>, items: ImageItems = 'all'): Buffer {
  const [n, h, w, c] = image.shape;
  const indices = items === 'all' ? Array.from({ length: n }, (_, i) => i) : [items];
  const png = new PNG({ width: w * indices.length, height: h });
  const out = png.data;
  const width = png.width;
  indices.forEach((item, column) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((item * h + y) * w + x) * c;
        const dst = (y * width + column * w + x) * 4;
        for (let k = 0; k < 3; k++) {
          const v = image.data[src + Math.min(k, c - 1)]!;
          out[dst + k] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
        }
        out[dst + 3] = 255;
      }
    }
  });
  return PNG.sync.write(png);
}

/** A `data:image/png;base64,...` URL of batch item 0 (the previews of the event stream). */
export function pngDataUrl(image: Pick<ImageData4D, 'data' | 'shape'>): string {
  return `data:image/png;base64,${encodePng(image, 0).toString('base64')}`;
}
