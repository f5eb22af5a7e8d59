/**
 * The TypeScript side of tools/train/test_swd_parity.py: held-out SWD with @upshift/metrics on
 * images written by the Python test (raw little-endian float32 NHWC), printed as JSON.
 * Usage: node --import @oxc-node/core/register tools/train/swd-parity.ts <spec.json>
 */
import { readFileSync } from 'node:fs';
import { drawClassMatchedReference, imageSwd, swdOverDraws, takeImages } from '../../packages/metrics/src/index.js';
import type { ImageBatch } from '../../packages/metrics/src/index.js';

interface Spec {
  readonly test: { readonly file: string; readonly shape: [number, number, number, number] };
  readonly pool: { readonly file: string; readonly shape: [number, number, number, number]; readonly labels: number[] };
  readonly targetLabels: (number | null)[];
  readonly draws: number;
  readonly seed: number;
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Spec;
const load = (file: string, shape: [number, number, number, number]): ImageBatch => {
  const b = readFileSync(file);
  return { data: new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4), shape };
};
const test = load(spec.test.file, spec.test.shape);
const pool = load(spec.pool.file, spec.pool.shape);
const draws = drawClassMatchedReference(spec.pool.labels, spec.targetLabels, { seed: spec.seed, draws: spec.draws });
const refs = draws.map((d) => takeImages(pool, d));
const direct = Object.fromEntries(
  (['reference', 'union', 'per-set'] as const).map((normalize) => [normalize, imageSwd(test, pool, { normalize, seed: 3 }).levels]),
);
process.stdout.write(JSON.stringify({ draws, overDraws: swdOverDraws(test, refs, { seed: spec.seed }), direct }));
