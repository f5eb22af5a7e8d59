/**
 * PNG encoding of model images (NHWC float32 in [-1, 1]) with pngjs: values are mapped to
 * 0..255 by `round((x + 1) * 127.5)`, clamped; 1 channel becomes grey, 3 channels RGB.
 */
import { PNG } from 'pngjs';
import { ConfigError } from '@upshift/core';

/** One image as plain data: `h x w x c` row-major floats in [-1, 1]. */
export interface ImageHWC {
  readonly data: ArrayLike<number>;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Maps a value in [-1, 1] to a byte, clamping out-of-range values. */
export function toByte(v: number): number {
  const b = Math.round((v + 1) * 127.5);
  return b < 0 ? 0 : b > 255 ? 255 : Number.isNaN(b) ? 0 : b;
}

/** Encodes one image as PNG bytes (RGBA 8-bit, opaque). */
export function encodePng(image: ImageHWC): Buffer {
  const { data, height, width, channels } = image;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new ConfigError('image.channels', channels, 'must be 1, 3 or 4 to write a PNG');
  if (data.length !== height * width * channels) throw new ConfigError('image.data', data.length, `length must be ${height * width * channels}`);
  const png = new PNG({ width, height });
  for (let p = 0; p < height * width; p++) {
    const o = p * 4;
    if (channels === 1) {
      const g = toByte(data[p]!);
      png.data[o] = g;
      png.data[o + 1] = g;
      png.data[o + 2] = g;
      png.data[o + 3] = 255;
    } else {
      png.data[o] = toByte(data[p * channels]!);
      png.data[o + 1] = toByte(data[p * channels + 1]!);
      png.data[o + 2] = toByte(data[p * channels + 2]!);
      png.data[o + 3] = channels === 4 ? toByte(data[p * channels + 3]!) : 255;
    }
  }
  return PNG.sync.write(png);
}

/** Image `index` of an NHWC batch, as a view (no copy). */
export function imageOf(batch: { readonly data: Float32Array; readonly shape: readonly [number, number, number, number] }, index: number): ImageHWC {
  const [, height, width, channels] = batch.shape;
  const size = height * width * channels;
  return { data: batch.data.subarray(index * size, (index + 1) * size), height, width, channels };
}
