import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { psnr } from './psnr.js';
import { ssim } from './ssim.js';

interface Fixture {
  reference: { shape: [number, number, number, number]; data: number[] };
  test: { shape: [number, number, number, number]; data: number[] };
  psnr: number[];
  ssim: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics-fixture.json', import.meta.url), 'utf8')) as Fixture;
const batch = (b: { shape: [number, number, number, number]; data: number[] }): ImageBatch => ({ shape: b.shape, data: Float32Array.from(b.data) });
const reference = batch(fixture.reference);
const test = batch(fixture.test);

/** fixtures/make-ssim-fixture.py: real emoji pairs and scikit-image's SSIM of them. */
interface SkimageFixture {
  shape: [number, number, number, number];
  reference: string;
  test: string;
  distortions: string[];
  ssim: number[];
  ssimRawRange2: number[];
}
const skimage = JSON.parse(readFileSync(new URL('../fixtures/ssim-fixture.json', import.meta.url), 'utf8')) as SkimageFixture;
const fromBase64 = (b64: string): Float32Array => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
/** Image i of a batch as a batch of one. */
const one = (b: ImageBatch, i: number): ImageBatch => {
  const [, h, w, c] = b.shape;
  return { data: Array.prototype.slice.call(b.data, i * h * w * c, (i + 1) * h * w * c) as number[], shape: [1, h, w, c] };
};

describe('psnr', () => {
  it('matches numpy per image (fixtures/make-metrics-fixture.py)', () => {
    const r = psnr(test, reference);
    r.perImage.forEach((v, i) => expect(v).toBeCloseTo(fixture.psnr[i]!, 6));
    expect(r.mean).toBeCloseTo(fixture.psnr.reduce((a, b) => a + b, 0) / 3, 6);
  });

  it('uses peak-to-peak range 2: a uniform error of 0.02 is 40 dB', () => {
    const a: ImageBatch = { data: new Float32Array(48).fill(0.5), shape: [1, 4, 4, 3] };
    const b: ImageBatch = { data: new Float32Array(48).fill(0.52), shape: [1, 4, 4, 3] };
    expect(psnr(b, a).perImage[0]).toBeCloseTo(40, 4);
    expect(psnr(b, a, { dataRange: 1 }).perImage[0]).toBeCloseTo(40 - 20 * Math.log10(2), 4);
  });

  it('is Infinity for identical images', () => {
    expect(psnr(reference, reference).perImage.every((v) => v === Infinity)).toBe(true);
  });

  it('rejects mismatched shapes and bad ranges with ConfigError', () => {
    const small: ImageBatch = { data: new Float32Array(48), shape: [1, 4, 4, 3] };
    expect(() => psnr(small, reference)).toThrow(ConfigError);
    expect(() => psnr(test, reference, { dataRange: 0 })).toThrow(/psnr.dataRange/);
    expect(() => psnr({ data: new Float32Array(3), shape: [1, 4, 4, 3] }, small)).toThrow(/data/);
  });
});

describe('ssim', () => {
  const skRef: ImageBatch = { data: fromBase64(skimage.reference), shape: skimage.shape };
  const skTest: ImageBatch = { data: fromBase64(skimage.test), shape: skimage.shape };

  it('matches scikit-image structural_similarity on [0, 1] pixels, per image (fixtures/make-ssim-fixture.py)', () => {
    const r = ssim(skTest, skRef);
    expect(r.perImage).toHaveLength(skimage.ssim.length);
    r.perImage.forEach((v, i) => expect(Math.abs(v - skimage.ssim[i]!), skimage.distortions[i]).toBeLessThan(1e-9));
    // The same numbers one image at a time and with the range given explicitly.
    expect(ssim(one(skTest, 2), one(skRef, 2), { range: [-1, 1] }).mean).toBeCloseTo(skimage.ssim[2]!, 9);
  });

  it('is not the number SSIM of the raw [-1, 1] values with L = 2 gives (offset-sensitive luminance term)', () => {
    // Before issue 16 the package scored the raw values with C1 = (0.01 * 2)^2: scikit-image's
    // value of that is in the fixture and differs from the standard one by up to ~0.08.
    const r = ssim(skTest, skRef).perImage;
    const gaps = r.map((v, i) => Math.abs(v - skimage.ssimRawRange2[i]!));
    expect(Math.max(...gaps)).toBeGreaterThan(0.05);
  });

  it('maps any value range to [0, 1]: 8-bit images give the same SSIM', () => {
    const to255 = (b: ImageBatch): ImageBatch => ({ data: Float64Array.from(b.data, (v) => (v + 1) * 127.5), shape: b.shape });
    const r = ssim(to255(skTest), to255(skRef), { range: [0, 255] }).perImage;
    r.forEach((v, i) => expect(Math.abs(v - skimage.ssim[i]!)).toBeLessThan(1e-9));
  });

  it('matches numpy per image (full 2-D window, valid region)', () => {
    const r = ssim(test, reference);
    r.perImage.forEach((v, i) => expect(v).toBeCloseTo(fixture.ssim[i]!, 9));
    expect(r.mean).toBeCloseTo(fixture.ssim.reduce((a, b) => a + b, 0) / 3, 9);
  });

  it('is 1 for identical images and falls as noise grows', () => {
    expect(ssim(reference, reference).perImage.every((v) => Math.abs(v - 1) < 1e-12)).toBe(true);
    const [a, b, c] = ssim(test, reference).perImage as [number, number, number];
    expect(a).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(c);
  });

  it('rejects images smaller than the window', () => {
    const small: ImageBatch = { data: new Float32Array(8 * 8 * 3), shape: [1, 8, 8, 3] };
    expect(() => ssim(small, small)).toThrow(/windowSize = 11/);
    expect(() => ssim(small, small, { windowSize: 4 })).toThrow(/ssim.windowSize/);
    expect(() => ssim(reference, reference, { range: [1, -1] })).toThrow(/ssim.range/);
    expect(() => ssim(reference, reference, { range: [0, Number.NaN] })).toThrow(/ssim.range/);
  });
});
