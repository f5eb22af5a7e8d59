/**
 * Turns one image of an NHWC float batch (the model's [-1, 1] range) into canvas RGBA bytes,
 * nearest-neighbour resampled to the canvas size, so a 16 px x0 estimate shows as 64 px blocks
 * (the grid the step really ran on) rather than a blur.
 */
import type { ImageData4D } from '@upshift/core';

/** Output size of {@link imageToRgba}. */
export interface PixelSize {
  readonly width: number;
  readonly height: number;
}

/**
 * RGBA bytes (`width * height * 4`) of image `index` of `image`: values in [-1, 1] map to
 * [0, 255] (clipped); 1 channel is grey, 3 are RGB, alpha is opaque.
 */
export function imageToRgba(image: ImageData4D, index: number, size: PixelSize): Uint8ClampedArray<ArrayBuffer> {
  const [n, h, w, c] = image.shape;
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`image index ${index} is outside the batch of ${n}`);
  if (c !== 1 && c !== 3) throw new RangeError(`images need 1 or 3 channels, got ${c}`);
  if (image.data.length !== n * h * w * c) throw new RangeError(`data holds ${image.data.length} values, shape [${image.shape.join(', ')}] needs ${n * h * w * c}`);
  const { width, height } = size;
  const out = new Uint8ClampedArray(new ArrayBuffer(width * height * 4));
  const offset = index * h * w * c;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(h - 1, Math.floor((y * h) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(w - 1, Math.floor((x * w) / width));
      const src = offset + (sy * w + sx) * c;
      const dst = (y * width + x) * 4;
      for (let k = 0; k < 3; k++) out[dst + k] = (image.data[src + (c === 3 ? k : 0)]! + 1) * 127.5;
      out[dst + 3] = 255;
    }
  }
  return out;
}

/** Draws image `index` of `image` onto `canvas`, filling its pixel size. */
export function drawImage4D(canvas: HTMLCanvasElement, image: ImageData4D, index = 0): void {
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('canvas 2d context unavailable');
  const rgba = imageToRgba(image, index, { width: canvas.width, height: canvas.height });
  ctx.putImageData(new ImageData(rgba, canvas.width, canvas.height), 0, 0);
}

/** Clears `canvas` to transparent (no image: the page's checkerboard shows through). */
export function clearCanvas(canvas: HTMLCanvasElement): void {
  canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
}

/**
 * FNV-1a (32 bit, hex) of the image's float bytes: equal only when the images are equal bit for
 * bit (a pooled run and a single-worker run, say), which a canvas's 8-bit pixels cannot tell.
 */
export function imageChecksum(image: ImageData4D): string {
  const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
