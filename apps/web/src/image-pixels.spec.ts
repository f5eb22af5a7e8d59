import { describe, expect, it } from 'vitest';
import { imageChecksum, imageToRgba } from './image-pixels.js';

describe('imageToRgba', () => {
  it('maps [-1, 1] to [0, 255], clips, and upsamples by nearest neighbour', () => {
    // 1 x 2 x 2 x 3: four distinct pixels, one out of range.
    const data = Float32Array.from([-1, 0, 1, 2, -2, 0.5, 0, 0, 0, 1, 1, -1]);
    const rgba = imageToRgba({ data, shape: [1, 2, 2, 3] }, 0, { width: 4, height: 4 });
    const px = (x: number, y: number) => Array.from(rgba.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 4));
    expect(px(0, 0)).toEqual([0, 128, 255, 255]); // 127.5 rounds to 128
    expect(px(1, 1)).toEqual([0, 128, 255, 255]);
    expect(px(2, 0)).toEqual([255, 0, 191, 255]); // clipped; 0.5 -> 191.25
    expect(px(3, 1)).toEqual([255, 0, 191, 255]);
    expect(px(0, 2)).toEqual([128, 128, 128, 255]);
    expect(px(3, 3)).toEqual([255, 255, 0, 255]);
  });

  it('picks the image of the batch and expands grey to RGB', () => {
    const data = Float32Array.from([-1, -1, -1, -1, 1, 1, 1, 1]); // 2 x 2 x 2 x 1
    const rgba = imageToRgba({ data, shape: [2, 2, 2, 1] }, 1, { width: 2, height: 2 });
    expect(Array.from(rgba)).toEqual(Array(4).fill([255, 255, 255, 255]).flat());
  });

  it('downsamples by nearest neighbour as well', () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 1 : -1)); // 1 x 4 x 4 x 1
    const rgba = imageToRgba({ data, shape: [1, 4, 4, 1] }, 0, { width: 2, height: 2 });
    expect(Array.from(rgba.filter((_, i) => i % 4 === 0))).toEqual([255, 0, 255, 0]);
  });

  it('rejects a bad index, channel count or data length', () => {
    const image = { data: new Float32Array(12), shape: [1, 2, 2, 3] as const };
    expect(() => imageToRgba(image, 1, { width: 2, height: 2 })).toThrow(/index 1 is outside the batch of 1/);
    expect(() => imageToRgba({ data: new Float32Array(8), shape: [1, 2, 2, 2] }, 0, { width: 2, height: 2 })).toThrow(/1 or 3 channels/);
    expect(() => imageToRgba({ data: new Float32Array(11), shape: [1, 2, 2, 3] }, 0, { width: 2, height: 2 })).toThrow(/holds 11 values/);
  });
});

describe('imageChecksum', () => {
  it('tells bit-identical images from images one float apart', () => {
    const a = Float32Array.from([0.25, -0.5, 1, 0]);
    const b = a.slice();
    b[2] = Math.fround(1 + 2 ** -23); // the next float32 after 1
    expect(imageChecksum({ data: a, shape: [1, 2, 2, 1] })).toBe(imageChecksum({ data: a.slice(), shape: [1, 2, 2, 1] }));
    expect(imageChecksum({ data: b, shape: [1, 2, 2, 1] })).not.toBe(imageChecksum({ data: a, shape: [1, 2, 2, 1] }));
    expect(imageChecksum({ data: a, shape: [1, 2, 2, 1] })).toMatch(/^[0-9a-f]{8}$/);
  });
});
