/**
 * A core `PowerSpectrum` (one radial spectrum per resolution level) of a set of images, made
 * with the box down operator, as `spectrum_json` in tools/dataset/build_dataset.py does for the
 * spectrum shipped with the model. Comparing a generated set's spectrum with the data's shows
 * which frequency bands a sampling plan lost.
 */
import type { PowerSpectrum } from '@upshift/core';
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { boxDownsample } from './box-downsample.js';
import { radialPowerSpectrum } from './radial-power-spectrum.js';
import type { RadialPowerSpectrum } from './radial-power-spectrum.js';

/** A core `PowerSpectrum` whose levels keep their ring counts. */
export interface LeveledPowerSpectrum extends PowerSpectrum {
  readonly levels: readonly RadialPowerSpectrum[];
}

/** Radial spectra at levels 0 .. `levels - 1`, each level the 2x2 box pooling of the one before. */
export function datasetPowerSpectrum(images: ImageBatch, levels = 1, source = 'images'): LeveledPowerSpectrum {
  if (!Number.isInteger(levels) || levels < 1) throw new ConfigError('levels', levels, 'must be a positive integer');
  const out: RadialPowerSpectrum[] = [];
  let current = images;
  for (let k = 0; k < levels; k++) {
    if (k > 0) current = boxDownsample(current);
    out.push(radialPowerSpectrum(current, k));
  }
  return { source, downOperator: 'box', pixelVariance: out[0]!.pixelVariance, levels: out };
}
