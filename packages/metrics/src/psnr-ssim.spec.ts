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
  });
});
