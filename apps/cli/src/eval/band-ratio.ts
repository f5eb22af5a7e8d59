/**
 * Band energies per image (radially averaged power spectrum of each image, its own mean
 * removed, summed over the bands between the levels' Nyquist frequencies) and the ratio of a
 * set's total band energy to another set's, with the standard error of a ratio estimator, so a
 * reader sees whether a lost or invented band power is resolved by the measurement.
 */
import type { ImageBatch } from '@upshift/metrics';
import { bandEnergies, radialPowerSpectrum } from '@upshift/metrics';

/** Energy per band of each image: `[image][band]`. */
export function perImageBandEnergies(images: ImageBatch, edges: readonly number[]): number[][] {
  const [n, h, w, c] = images.shape;
  const size = h * w * c;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const one: ImageBatch = { data: Array.prototype.slice.call(images.data, i * size, (i + 1) * size) as number[], shape: [1, h, w, c] };
    out.push(bandEnergies(radialPowerSpectrum(one), edges).map((b) => b.energy));
  }
  return out;
}

/** Ratio of summed band energies (test / reference) per band, with its standard error. */
export interface BandRatio {
  readonly ratio: number[];
  readonly se: number[];
}

/**
 * `sum test / sum reference` per band; the standard error is the ratio estimator's
 * (residuals `t_i - R r_i` of image pairs; for unpaired sets of equal size the same formula
 * bounds it from above for positively correlated pairs and is close otherwise).
 */
export function bandRatio(test: readonly number[][], reference: readonly number[][]): BandRatio {
  const n = Math.min(test.length, reference.length);
  const bands = test[0]?.length ?? 0;
  const ratio: number[] = [];
  const se: number[] = [];
  for (let b = 0; b < bands; b++) {
    let st = 0;
    let sr = 0;
    for (let i = 0; i < n; i++) {
      st += test[i]![b]!;
      sr += reference[i]![b]!;
    }
    const r = st / sr;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (test[i]![b]! - r * reference[i]![b]!) ** 2;
    ratio.push(r);
    se.push(n > 1 ? Math.sqrt(ss / (n * (n - 1))) / (sr / n) : NaN);
  }
  return { ratio, se };
}
