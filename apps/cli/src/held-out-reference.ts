/**
 * The held-out reference of `compare`: class-matched, seeded draws from the dataset archive's
 * held-out split (`@upshift/metrics` `drawClassMatchedReference`), checked against the run
 * before any sampling starts (image size, class names, enough images per class).
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from '@upshift/metrics';
import { drawClassMatchedReference, takeImages } from '@upshift/metrics';
import type { HeldOutPool } from './npz-images.js';
import { readHeldOutPool } from './npz-images.js';

/** How to draw the reference. */
export interface ReferenceSpec {
  /** The dataset archive (tools/dataset/build_dataset.py). */
  readonly file: string;
  readonly seed: number;
  readonly draws: number;
  /** Reference images per generated image (of the same class). */
  readonly multiple: number;
}

/** Drawn reference sets. */
export interface HeldOutReference {
  readonly spec: ReferenceSpec;
  /** Held-out images in the archive. */
  readonly poolSize: number;
  /** One image batch per draw. */
  readonly draws: readonly ImageBatch[];
  /** Archive indices of each draw's images. */
  readonly archiveIndices: readonly (readonly number[])[];
}

/**
 * Reads the pool and draws the reference for generated images of `labels` at `side` x `side`
 * (throws ConfigError naming `--held-out` or the reference options on any mismatch).
 */
export async function loadHeldOutReference(
  spec: ReferenceSpec,
  labels: readonly (number | null)[],
  size: { readonly height: number; readonly width: number; readonly channels: number },
  modelClasses: readonly string[],
): Promise<HeldOutReference> {
  const pool: HeldOutPool = await readHeldOutPool(spec.file);
  const [, h, w, c] = pool.images.shape;
  if (h !== size.height || w !== size.width || c !== size.channels) {
    throw new ConfigError('--held-out', spec.file, `holds ${h}x${w}x${c} images, the run makes ${size.height}x${size.width}x${size.channels}`);
  }
  if (pool.categories && modelClasses.length > 0 && pool.categories.join('\n') !== modelClasses.join('\n')) {
    throw new ConfigError('--held-out', spec.file, `has classes ${JSON.stringify(pool.categories)}, the model ${JSON.stringify(modelClasses)}: class-matched draws need the same classes`);
  }
  let indices: number[][];
  try {
    indices = drawClassMatchedReference(pool.labels, labels, { seed: spec.seed, draws: spec.draws, multiple: spec.multiple });
  } catch (e) {
    if (e instanceof ConfigError && e.field === 'reference') {
      // "class 0 has 9 reference images, 12 needed ..." with the class's name.
      const label = /^class (\d+)$/.exec(String(e.value))?.[1];
      const what = label === undefined ? String(e.value) : `class ${label} (${modelClasses[Number(label)] ?? 'unnamed'})`;
      const reason = e.message.slice(e.message.indexOf(': ') + 2);
      throw new ConfigError('--reference-multiple', spec.multiple, `the held-out split of ${spec.file} is too small: ${what} ${reason}`);
    }
    throw e;
  }
  return {
    spec,
    poolSize: pool.labels.length,
    draws: indices.map((d) => takeImages(pool.images, d)),
    archiveIndices: indices.map((d) => d.map((i) => pool.archiveIndices[i]!)),
  };
}
