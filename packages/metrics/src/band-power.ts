/**
 * Band energies of a radial power spectrum. The bands are split at the Nyquist frequencies of
 * the coarser resolution levels (level k holds |f| <= 0.5 / 2^k cycles per full-resolution
 * pixel), so "the share of energy above what a 16x16 grid holds" (DESIGN.md: 8 % for the
 * emoji data at 64 px) is one band. Ratios of a generated set's band energies to a reference
 * set's show which detail a sampling plan lost (< 1) or invented (> 1).
 */
import { ConfigError } from '@upshift/core';
import type { RadialPowerSpectrum } from './radial-power-spectrum.js';

/** One frequency band with its energy. */
export interface BandEnergy {
  /** Lower edge (exclusive, except the first band, which starts at 0), cycles per pixel. */
  readonly from: number;
  /** Upper edge (inclusive), cycles per pixel; the last band ends at the highest ring. */
  readonly to: number;
  /** Sum of power over the band's DFT coefficients (ring mean x ring count). */
  readonly energy: number;
  /** `energy` / total energy. */
  readonly fraction: number;
}

/** The Nyquist frequency of level k in cycles per level-0 pixel: 0.5 / 2^k. */
export function levelNyquist(level: number): number {
  return 0.5 / 2 ** level;
}

/** Band edges at the Nyquist frequencies of levels `maxLevel` .. 1, ascending (e.g. [0.125, 0.25] for 2). */
export function levelBandEdges(maxLevel: number): number[] {
  if (!Number.isInteger(maxLevel) || maxLevel < 0) throw new ConfigError('maxLevel', maxLevel, 'must be a non-negative integer');
  const edges: number[] = [];
  for (let k = maxLevel; k >= 1; k--) edges.push(levelNyquist(k));
  return edges;
}

function checkEdges(edges: readonly number[]): void {
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (!(Number.isFinite(e) && e > 0) || (i > 0 && e <= edges[i - 1]!)) {
      throw new ConfigError(`edges[${i}]`, e, 'band edges must be positive and strictly ascending');
    }
  }
}

/** Energy per band `[0, e0], (e0, e1], ..., (e_last, max]` of `spectrum` (frequencies in cycles per pixel). */
export function bandEnergies(spectrum: RadialPowerSpectrum, edges: readonly number[]): BandEnergy[] {
  checkEdges(edges);
  const energy = new Array<number>(edges.length + 1).fill(0);
  let total = 0;
  spectrum.frequencies.forEach((f, i) => {
    let band = 0;
    while (band < edges.length && f > edges[band]! + 1e-12) band++;
    const e = spectrum.power[i]! * spectrum.counts[i]!;
    energy[band]! += e;
    total += e;
  });
  const last = spectrum.frequencies[spectrum.frequencies.length - 1] ?? 0;
  return energy.map((e, band) => ({
    from: band === 0 ? 0 : edges[band - 1]!,
    to: band < edges.length ? edges[band]! : last,
    energy: e,
    fraction: total > 0 ? e / total : 0,
  }));
}

/** Per band, `test` energy / `reference` energy (1 = same power; `NaN` where the reference band is empty). */
export function bandPowerRatios(test: RadialPowerSpectrum, reference: RadialPowerSpectrum, edges: readonly number[]): number[] {
  if (test.side !== reference.side) throw new ConfigError('test.side', test.side, `must equal reference.side ${reference.side}`);
  const a = bandEnergies(test, edges);
  const b = bandEnergies(reference, edges);
  return a.map((band, i) => (b[i]!.energy > 0 ? band.energy / b[i]!.energy : NaN));
}
