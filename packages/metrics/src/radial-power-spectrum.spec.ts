import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNoiseSource } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { radialPowerSpectrum } from './radial-power-spectrum.js';
import { datasetPowerSpectrum } from './dataset-power-spectrum.js';
import { boxDownsample } from './box-downsample.js';
import { bandEnergies, bandPowerRatios, levelBandEdges } from './band-power.js';

interface Spectrum {
  frequencies: number[];
  power: number[];
  counts: number[];
  pixelVariance: number;
}
interface Fixture {
  reference: { shape: [number, number, number, number]; data: number[] };
  spectrum: Spectrum;
  wide: { shape: [number, number, number, number]; data: number[] };
  wideSpectrum: Spectrum;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics-fixture.json', import.meta.url), 'utf8')) as Fixture;

function expectSpectrum(actual: ReturnType<typeof radialPowerSpectrum>, expected: Spectrum): void {
  expect(actual.frequencies).toEqual(expected.frequencies);
  expect(actual.counts).toEqual(expected.counts);
  actual.power.forEach((p, i) => expect(Math.abs(p - expected.power[i]!)).toBeLessThan(1e-9 * Math.max(1, expected.power[i]!)));
  expect(actual.pixelVariance).toBeCloseTo(expected.pixelVariance, 10);
}

function whiteNoise(n: number, side: number, sigma: number, seed: number): ImageBatch {
  const data = createNoiseSource(seed).normalArray(n * side * side * 3).map((v) => v * sigma);
  return { data, shape: [n, side, side, 3] };
}

describe('radialPowerSpectrum', () => {
  it('matches build_dataset.py radial_spectrum (numpy fixture), square images', () => {
    expectSpectrum(radialPowerSpectrum({ data: Float32Array.from(fixture.reference.data), shape: fixture.reference.shape }), fixture.spectrum);
  });

  it('matches numpy for non-square images (ring ties rounded half to even)', () => {
    expectSpectrum(radialPowerSpectrum({ data: Float32Array.from(fixture.wide.data), shape: fixture.wide.shape }), fixture.wideSpectrum);
  });

  it('obeys Parseval: ring power x count sums to h*w*pixelVariance', () => {
    const s = radialPowerSpectrum(whiteNoise(4, 16, 0.7, 1));
    const energy = s.power.reduce((a, p, i) => a + p * s.counts[i]!, 0);
    expect(energy / 256).toBeCloseTo(s.pixelVariance, 10);
  });

  it('is flat at sigma^2 for white noise (within sampling error)', () => {
    const s = radialPowerSpectrum(whiteNoise(16, 32, 0.5, 2));
    // Rings with many coefficients (>= 40 x 48 samples) must be within 15 % of 0.25.
    s.power.forEach((p, i) => {
      if (s.counts[i]! >= 40) expect(Math.abs(p / 0.25 - 1)).toBeLessThan(0.15);
    });
  });

  it('makes one level per box pooling (datasetPowerSpectrum)', () => {
    const images = whiteNoise(2, 16, 1, 3);
    const spectrum = datasetPowerSpectrum(images, 3, 'noise');
    expect(spectrum.levels.map((l) => l.side)).toEqual([16, 8, 4]);
    expect(spectrum.levels[1]!.power).toEqual(radialPowerSpectrum(boxDownsample(images), 1).power);
    // Box pooling of white noise quarters its variance.
    expect(spectrum.levels[1]!.pixelVariance / spectrum.levels[0]!.pixelVariance).toBeCloseTo(0.25, 1);
  });
});

describe('band energies', () => {
  it('split at level Nyquist frequencies and sum to 1', () => {
    expect(levelBandEdges(2)).toEqual([0.125, 0.25]);
    const s = radialPowerSpectrum(whiteNoise(8, 32, 1, 4));
    const bands = bandEnergies(s, levelBandEdges(2));
    expect(bands.reduce((a, b) => a + b.fraction, 0)).toBeCloseTo(1, 12);
    // White noise: a band's share is its share of DFT coefficients (a disc of radius 0.125*32 = 4 rings ~ 5 % of 1024).
    const coefficients = s.counts.filter((_, i) => s.frequencies[i]! <= 0.125).reduce((a, b) => a + b, 0);
    expect(bands[0]!.fraction).toBeCloseTo(coefficients / 1024, 1);
  });

  it('detects lost detail: blurring lowers the high band ratio, keeps the low band', () => {
    const images = whiteNoise(8, 32, 1, 5);
    const blurred = boxDownsample(images);
    const up = new Float32Array(images.data.length);
    // Nearest upsampling of the pooled images: a piecewise-constant (blurred) version.
    for (let i = 0; i < 8; i++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) {
      up[((i * 32 + y) * 32 + x) * 3 + c] = blurred.data[((i * 16 + (y >> 1)) * 16 + (x >> 1)) * 3 + c]!;
    }
    const ratios = bandPowerRatios(radialPowerSpectrum({ data: up, shape: images.shape }), radialPowerSpectrum(images), levelBandEdges(1));
    expect(ratios[0]).toBeGreaterThan(0.5);
    expect(ratios[1]).toBeLessThan(0.3);
  });

  it('rejects unordered edges', () => {
    const s = radialPowerSpectrum(whiteNoise(1, 8, 1, 6));
    expect(() => bandEnergies(s, [0.25, 0.125])).toThrow(/edges\[1\]/);
  });
});
