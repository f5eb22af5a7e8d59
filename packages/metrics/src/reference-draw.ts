/**
 * Class-matched, seeded draws of reference images for distribution metrics (SWD against
 * held-out data). A reference with a different class mix than the generated set measures the
 * mix, not the sampler: the held-out split of the emoji set is 63 % People & Body and its first
 * 128 images hold no Smileys at all (issue 16). So each draw takes, for every class, as many
 * held-out images as the generated set has of that class (times `multiple`), without
 * replacement within the draw, from a seeded stream; unconditional slots (`null` labels) take
 * images of any class. Several draws, averaged, keep one lucky or unlucky draw from deciding a
 * comparison.
 */
import { ConfigError } from '@upshift/core';
import type { ImageBatch } from './image-batch.js';
import { checkImageBatch } from './image-batch.js';
import { seededIntegers } from './seeded-uniform.js';

/** Options of {@link drawClassMatchedReference}. */
export interface ReferenceDrawOptions {
  /** Seed of the draws: the same seed gives the same draws. */
  readonly seed: number;
  /** Number of independent draws. */
  readonly draws: number;
  /** Reference images per generated image (per class). */
  readonly multiple: number;
}

/** Five draws, seed 0, one reference image per generated image. */
export const REFERENCE_DRAW_DEFAULTS: ReferenceDrawOptions = { seed: 0, draws: 5, multiple: 1 };

function checkOptions(o: ReferenceDrawOptions): void {
  const int = (field: keyof ReferenceDrawOptions, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = o[field];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) {
      throw new ConfigError(`reference.${field}`, v, `must be an integer in [${min}, ${max}]`);
    }
  };
  int('seed', 0, 0xffffffff);
  int('draws', 1);
  int('multiple', 1);
}

/** Counts of each class label in `labels` (`null` counted under the key `null`). */
export function labelCounts(labels: readonly (number | null)[]): Map<number | null, number> {
  const counts = new Map<number | null, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return counts;
}

/** Picks `k` distinct entries of `candidates` (partial Fisher-Yates on a copy). */
function pick(candidates: readonly number[], k: number, next: (n: number) => number): number[] {
  const a = candidates.slice();
  for (let i = 0; i < k; i++) {
    const j = i + next(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

/**
 * `draws` lists of pool indices, each with `multiple` reference images per generated image of
 * the same class (`targetLabels[i]`, `null` = any class), no index twice within a draw. Throws
 * ConfigError, before drawing, when a class has too few pool images.
 */
export function drawClassMatchedReference(
  poolLabels: ArrayLike<number>,
  targetLabels: readonly (number | null)[],
  options: Partial<ReferenceDrawOptions> = {},
): number[][] {
  const o: ReferenceDrawOptions = { ...REFERENCE_DRAW_DEFAULTS, ...options };
  checkOptions(o);
  if (poolLabels.length === 0) throw new ConfigError('reference.pool', 0, 'has no images to draw from');
  if (targetLabels.length === 0) throw new ConfigError('reference.targetLabels', 0, 'must name at least one generated image');
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < poolLabels.length; i++) {
    const l = poolLabels[i]!;
    if (!Number.isInteger(l)) throw new ConfigError('reference.poolLabels', l, `entry ${i} must be an integer class label`);
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  }
  const counts = labelCounts(targetLabels);
  const classes = [...counts.keys()].filter((l): l is number => l !== null).sort((a, b) => a - b);
  let classSlots = 0;
  for (const c of classes) {
    const need = counts.get(c)! * o.multiple;
    const have = byClass.get(c)?.length ?? 0;
    if (have < need) {
      throw new ConfigError('reference', `class ${c}`, `has ${have} reference images, ${need} needed (${counts.get(c)} generated x multiple ${o.multiple}); generate fewer of that class or lower the multiple`);
    }
    classSlots += need;
  }
  const anyNeed = (counts.get(null) ?? 0) * o.multiple;
  if (classSlots + anyNeed > poolLabels.length) {
    throw new ConfigError('reference', `${classSlots + anyNeed} images`, `needed, the pool has ${poolLabels.length}`);
  }
  const all = Array.from({ length: poolLabels.length }, (_, i) => i);
  const next = seededIntegers(o.seed);
  const out: number[][] = [];
  for (let d = 0; d < o.draws; d++) {
    const drawn: number[] = [];
    for (const c of classes) drawn.push(...pick(byClass.get(c)!, counts.get(c)! * o.multiple, next));
    if (anyNeed > 0) {
      const taken = new Set(drawn);
      drawn.push(...pick(all.filter((i) => !taken.has(i)), anyNeed, next));
    }
    out.push(drawn);
  }
  return out;
}

/** The images of `batch` at `indices`, in that order, as a new batch. */
export function takeImages(batch: ImageBatch, indices: readonly number[]): ImageBatch {
  checkImageBatch('batch', batch);
  const [n, h, w, c] = batch.shape;
  const size = h * w * c;
  const data = new Float32Array(indices.length * size);
  indices.forEach((src, j) => {
    if (!(Number.isInteger(src) && src >= 0 && src < n)) throw new ConfigError('indices', src, `must be image indices in [0, ${n})`);
    for (let k = 0; k < size; k++) data[j * size + k] = batch.data[src * size + k]!;
  });
  return { data, shape: [indices.length, h, w, c] };
}
