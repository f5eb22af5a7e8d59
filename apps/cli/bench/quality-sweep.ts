/**
 * The quality sweep of issues 14 and 15: generates the image sets of `quality-sets.ts` with the
 * shipped model (one image per class and seed) and keeps each seed's images on disk, so an
 * interrupted sweep continues where it stopped. Run it through `quality-sweep.sh`, which takes
 * the shared CPU lock once per set.
 *
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts list
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts generate <set-id>...
 *
 * Layout (git-ignored): `.cache/sweep/<set-id>/seed-<s>.f32` (the `done` image, NHWC float32,
 * little endian, values in [-1, 1] unclipped), `seed-<s>.png` (a strip, one image per class) and
 * `seed-<s>.json` (config, plan, stats, timing, machine load). A seed's JSON is written last:
 * a seed counts as done when its JSON exists.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { Pipeline, collectRun, registerAll } from '@upshift/pipeline';
import { makeGrid } from '../src/image-grid.js';
import { encodePng, imageOf } from '../src/png-image.js';
import { SWEEP_BASE, SWEEP_SETS, SEEDS, sweepSet } from './quality-sets.js';
import type { SweepSet } from './quality-sets.js';

/** Where the sets live (override with UPSHIFT_SWEEP_DIR). */
export const SWEEP_DIR = process.env['UPSHIFT_SWEEP_DIR'] ?? '.cache/sweep';
/** Classes of the shipped model: one image per class and seed. */
const CLASSES = 9;

/** Paths of one seed of one set. */
export function seedFiles(id: string, seed: number): { dir: string; json: string; f32: string; png: string } {
  const dir = join(SWEEP_DIR, id);
  return { dir, json: join(dir, `seed-${seed}.json`), f32: join(dir, `seed-${seed}.f32`), png: join(dir, `seed-${seed}.png`) };
}

/** The full pipeline config of `set` at `seed`. */
export function setConfig(set: SweepSet, seed: number): Record<string, unknown> {
  return { ...SWEEP_BASE, ...set.config, seed, batch: CLASSES, classLabels: Array.from({ length: CLASSES }, (_, i) => i) };
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

async function generate(pipeline: Pipeline, set: SweepSet): Promise<void> {
  for (const seed of set.seeds ?? SEEDS) {
    const files = seedFiles(set.id, seed);
    if (existsSync(files.json)) continue;
    mkdirSync(files.dir, { recursive: true });
    const config = setConfig(set, seed);
    const load = loadavg();
    const t0 = performance.now();
    const { start, done } = await collectRun(pipeline.run(config));
    const wallMs = performance.now() - t0;
    const image = done.image;
    writeAtomic(files.f32, new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength));
    const images = Array.from({ length: image.shape[0] }, (_, i) => imageOf(image, i));
    writeAtomic(files.png, encodePng(makeGrid(images, { columns: images.length })));
    writeAtomic(
      files.json,
      JSON.stringify(
        {
          set: set.id,
          family: set.family,
          seed,
          config: start.config,
          backend: start.backend,
          shape: image.shape,
          plan: { levels: start.plan.steps.map((s) => s.level), flopFraction: start.plan.flopFraction, flops: start.plan.flops, fullResolutionFlops: start.plan.fullResolutionFlops },
          stats: done.stats,
          wallMs,
          loadAverage: { before: load, after: loadavg() },
          createdAt: new Date().toISOString(),
        },
        null,
        1,
      ),
    );
    process.stdout.write(
      `${set.id} seed ${seed}: FLOP fraction ${done.stats.flopFraction.toFixed(3)}, ${(done.stats.ms / 1000).toFixed(1)} s sampling, load ${load.map((l) => l.toFixed(1)).join(' ')}\n`,
    );
  }
}

/** Reads one seed's images back (NHWC float32). */
export function readSeed(id: string, seed: number): { data: Float32Array; shape: [number, number, number, number]; meta: Record<string, unknown> } {
  const files = seedFiles(id, seed);
  const meta = JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, unknown>;
  const buf = readFileSync(files.f32);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { data, shape: meta['shape'] as [number, number, number, number], meta };
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...ids] = argv;
  if (command === 'list') {
    for (const set of SWEEP_SETS) {
      const seeds = set.seeds ?? SEEDS;
      const doneSeeds = seeds.filter((s) => existsSync(seedFiles(set.id, s).json)).length;
      process.stdout.write(`${set.id}\t${doneSeeds}/${seeds.length}\t${JSON.stringify(set.config)}\n`);
    }
    return;
  }
  if (command === 'generate') {
    const sets = (ids.length ? ids : SWEEP_SETS.map((s) => s.id)).map(sweepSet);
    registerAll(container);
    const pipeline = new Pipeline(container);
    try {
      for (const set of sets) await generate(pipeline, set);
    } finally {
      pipeline.dispose();
    }
    return;
  }
  throw new Error(`usage: quality-sweep.ts list | generate [set-id...] (got "${command ?? ''}")`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    () => setImmediate(() => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
