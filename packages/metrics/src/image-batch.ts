/**
 * A batch of images as plain data: NHWC, row-major, the shape of core's `ImageData4D` (a `done`
 * event's image can be passed as is). Every metric takes batches, so one image is a batch of 1.
 */
import { ConfigError } from '@upshift/core';

/** NHWC images as plain numbers (no tensor to free). Structurally compatible with core's `ImageData4D`. */
export interface ImageBatch {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [number, number, number, number];
}

/** Throws ConfigError unless `batch` is a well-formed NHWC batch (positive integer sides, matching length). */
export function checkImageBatch(field: string, batch: ImageBatch): void {
  if (batch === null || typeof batch !== 'object' || !Array.isArray(batch.shape)) {
    throw new ConfigError(field, batch, 'must be an image batch { data, shape: [n, h, w, c] }');
  }
  const shape = batch.shape;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(`${field}.shape`, shape, 'must be 4 positive integers [n, h, w, c]');
  }
  const [n, h, w, c] = shape;
  if (batch.data == null || batch.data.length !== n * h * w * c) {
    throw new ConfigError(`${field}.data`, batch.data?.length, `length must be n*h*w*c = ${n * h * w * c}`);
  }
}

/** Throws ConfigError unless the two batches have the same shape (paired metrics compare image i with image i). */
export function checkSameShape(a: ImageBatch, b: ImageBatch, fieldA = 'a', fieldB = 'b'): void {
  checkImageBatch(fieldA, a);
  checkImageBatch(fieldB, b);
  if (!a.shape.every((d, i) => d === b.shape[i])) {
    throw new ConfigError(`${fieldB}.shape`, b.shape, `must equal ${fieldA}.shape ${JSON.stringify(a.shape)}`);
  }
}

/** Throws ConfigError unless the two batches have the same height, width and channels (sizes may differ). */
export function checkSameImageSize(a: ImageBatch, b: ImageBatch, fieldA = 'a', fieldB = 'b'): void {
  checkImageBatch(fieldA, a);
  checkImageBatch(fieldB, b);
  if (a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2] || a.shape[3] !== b.shape[3]) {
    throw new ConfigError(`${fieldB}.shape`, b.shape, `height, width and channels must equal those of ${fieldA} ${JSON.stringify(a.shape)}`);
  }
}

/** One channel of one image as a row-major `h x w` Float64Array. */
export function channelPlane(batch: ImageBatch, image: number, channel: number): Float64Array {
  const [, h, w, c] = batch.shape;
  const out = new Float64Array(h * w);
  const base = image * h * w * c;
  for (let p = 0; p < h * w; p++) out[p] = batch.data[base + p * c + channel]!;
  return out;
}

/** Builds a batch from per-image planar channels (`planes[image][channel]`, each `h x w`). */
export function fromChannelPlanes(planes: readonly (readonly Float64Array[])[], h: number, w: number): ImageBatch {
  const n = planes.length;
  const c = planes[0]?.length ?? 0;
  const data = new Float32Array(n * h * w * c);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = planes[i]![ch]!;
      const base = i * h * w * c;
      for (let p = 0; p < h * w; p++) data[base + p * c + ch] = plane[p]!;
    }
  }
  return { data, shape: [n, h, w, c] };
}
