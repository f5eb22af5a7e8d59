/**
 * The quality sweep of issues 14 and 15: generates the image sets of `quality-sets.ts` with the
 * shipped model (one image per class and seed) and keeps each seed's images on disk, so an
 * interrupted sweep continues where it stopped. Run it through `quality-sweep.sh`, which takes
 * the shared CPU lock once per set.
 *
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts list
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts plans [set-id...]
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts generate <set-id>...
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts report [--draws 5] [--multiple 2] [--out docs/measurements/quality-sweep]
 *   node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts grid --out g.png --seeds 0 full p-late
 *
 * `report` measures every complete set the same way (`@upshift/metrics`, as `upshift compare`):
 * SWD x1e3 at 64 / 32 / 16 px against class-matched, seeded draws of the held-out split (the
 * mean over the draws; every set sees the same draws), the noise band from the disjoint
 * full-resolution sets (`full`, `full-band`, ...: the same metric between sets of one generator),
 * each set's difference from `full` in multiples of the band, paired PSNR / SSIM against the
 * same-seed full-resolution set with the same sampling settings, and FLOPs relative to `full`
 * (the CLI defaults before this sweep: guided Euler 20 at full resolution). It writes
 * `.cache/sweep/report.json` and prints a markdown table.
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
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { wasmBackendProvider } from '@upshift/backend-wasm';
import type { Denoiser, DenoiserContext, StartEvent, StepHook } from '@upshift/core';
import { EMOJI_UNET_ASSETS, loadModel } from '@upshift/models';
import type { UNetDenoiser } from '@upshift/models';
import type { ImageBatch, SwdDrawSummary } from '@upshift/metrics';
import { checkAgainstNoiseBand, noiseBand, psnr, ssim, swdOverDraws, SWD_REPORT_SCALE } from '@upshift/metrics';
import { loadHeldOutReference } from '../src/held-out-reference.js';
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

/** The full pipeline config of `set` at `seed` (without the bench-only `autoguidance`). */
export function setConfig(set: SweepSet, seed: number): Record<string, unknown> {
  const { autoguidance: _bench, ...config } = set.config;
  return { ...SWEEP_BASE, ...config, seed, batch: CLASSES, classLabels: Array.from({ length: CLASSES }, (_, i) => i) };
}

let shipped: UNetDenoiser | undefined;

/**
 * Autoguidance (Karras et al. 2024, "Guiding a Diffusion Model with a Bad Version of Itself")
 * with the shipped model's own coarser level as the "bad" model: at level k,
 * `D = B + w (G - B)` with G the model at level k and B = U(D_{k+1}(D x, sigma / 2)) (box pair,
 * the model's training down operator: D x is exactly the level-(k+1) input at sigma / 2). Both
 * calls carry the run's classifier-free guidance. At the deepest level there is no coarser one:
 * plain G. An experiment of this sweep, not a shipped option (see packages/models/README.md).
 */
export async function coarseAutoguidance(scale: number): Promise<Denoiser> {
  await wasmBackendProvider.activate();
  shipped ??= await loadModel(fileURLToPath(EMOJI_UNET_ASSETS));
  const model = shipped;
  const levels = model.config.architecture.numLevels;
  return {
    name: `coarse-autoguided(${model.name}, ${scale})`,
    channels: model.channels,
    config: model.config,
    denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D {
      return tf.tidy(() => {
        const good = model.denoise(x, sigma, ctx);
        if (ctx.level + 1 >= levels) return good;
        const [, h, w] = x.shape;
        const bad = model.denoise(tf.avgPool(x, 2, 2, 'valid') as tf.Tensor4D, sigma / 2, { ...ctx, level: ctx.level + 1 });
        const badUp = tf.image.resizeNearestNeighbor(bad, [h, w]);
        return tf.add(badUp, tf.mul(tf.sub(good, badUp), scale)) as tf.Tensor4D;
      });
    },
    flops(h: number, w: number, batch: number, ctx?: DenoiserContext): number {
      const level = ctx?.level ?? 0;
      const own = model.flops(h, w, batch, ctx);
      return level + 1 < levels ? own + model.flops(h / 2, w / 2, batch, { ...(ctx ?? { level }), level: level + 1 }) : own;
    },
  } as Denoiser;
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
    // The adaptive policy's statistic at every coarse step (it changes nothing), to calibrate it.
    const snrTrace: { index: number; level: number; sigma: number; snr: number }[] = [];
    const observe: StepHook = {
      name: 'snr-trace',
      async afterStep(ctx) {
        if (ctx.level > 0 && ctx.sigmaNext > 0) snrTrace.push({ index: ctx.index, level: ctx.level, sigma: ctx.sigma, snr: await topBandSnr(ctx.denoised, ctx.sigmaNext / 2 ** ctx.level) });
      },
    };
    const auto = set.config['autoguidance'] as { scale: number } | undefined;
    const denoiser = auto ? await coarseAutoguidance(auto.scale) : undefined;
    const { start, done } = await collectRun(pipeline.run(config, { hooks: [observe], ...(denoiser ? { denoiser } : {}) }));
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
          snrTrace,
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

/**
 * The adaptive policy's statistic (@upshift/policies `topBandSnr`, the same formula: the app does
 * not depend on the policies package): top half-band energy of x0 over the noise's 3/4 s^2 there.
 */
async function topBandSnr(x0: tf.Tensor4D, sigma: number): Promise<number> {
  const t = tf.tidy(() => tf.relu(tf.sub(tf.mean(tf.square(x0)), tf.mean(tf.square(tf.avgPool(x0, 2, 2, 'valid'))))));
  const energy = (await t.data())[0]!;
  t.dispose();
  return energy / (0.75 * sigma * sigma);
}

/** Reads one seed's images back (NHWC float32). */
export function readSeed(id: string, seed: number): { data: Float32Array; shape: [number, number, number, number]; meta: Record<string, unknown> } {
  const files = seedFiles(id, seed);
  const meta = JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, unknown>;
  const buf = readFileSync(files.f32);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { data, shape: meta['shape'] as [number, number, number, number], meta };
}

/** The full-resolution sets of one generator (the baseline and its disjoint noise-band sets). */
const BAND_SETS = ['full', 'full-band', 'full-band-2'] as const;

/** All images of a set (seeds in order), with the summed stats of its runs. */
function readSet(set: SweepSet): { images: ImageBatch; labels: number[]; flops: number; ms: number; planFraction: number; levels: string; seeds: readonly number[]; createdAt: string[] } | undefined {
  const seeds = set.seeds ?? SEEDS;
  if (!seeds.every((s) => existsSync(seedFiles(set.id, s).json))) return undefined;
  const parts = seeds.map((s) => readSeed(set.id, s));
  const [, h, w, c] = parts[0]!.shape;
  const n = parts.reduce((a, p) => a + p.shape[0], 0);
  const data = new Float32Array(n * h * w * c);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  const stats = parts.map((p) => p.meta['stats'] as { flops: number; ms: number; levels: number[] });
  const plan = parts[0]!.meta['plan'] as { flopFraction: number; levels: number[] };
  const labels = parts.flatMap((p) => (p.meta['config'] as { classLabels: number[] }).classLabels);
  return {
    images: { data, shape: [n, h, w, c] },
    labels,
    flops: stats.reduce((a, s) => a + s.flops, 0),
    ms: stats.reduce((a, s) => a + s.ms, 0),
    planFraction: plan.flopFraction,
    levels: runLength(stats[0]!.levels),
    seeds,
    createdAt: parts.map((p) => String(p.meta['createdAt'])),
  };
}

/** "3333220000" -> "3x4 2x2 0x4". */
function runLength(levels: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < levels.length) {
    let j = i;
    while (j < levels.length && levels[j] === levels[i]) j++;
    out.push(`${levels[i]}x${j - i}`);
    i = j;
  }
  return out.join(' ');
}

const x1e3 = (s: SwdDrawSummary): number[] => s.levels.map((l) => l.mean * SWD_REPORT_SCALE);

async function report(args: readonly string[]): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const draws = arg('--draws', 5);
  const multiple = arg('--multiple', 2);
  const heldOut = process.env['UPSHIFT_HELD_OUT'] ?? '.cache/dataset/emoji64.npz';
  const sets = SWEEP_SETS.map((set) => ({ set, data: readSet(set) })).filter((s) => s.data !== undefined) as { set: SweepSet; data: NonNullable<ReturnType<typeof readSet>> }[];
  const byId = new Map(sets.map((s) => [s.set.id, s]));
  const full = byId.get('full');
  if (!full) throw new Error('the "full" set is not complete yet');
  const [, h, w, c] = full.data.images.shape;
  const classes = (JSON.parse(readFileSync(new URL('../../../packages/models/assets/emoji-unet/config.json', import.meta.url), 'utf8')) as { classes: string[] }).classes;
  // Every set has the same label multiset (one image per class and seed), so one set of draws serves all.
  const reference = await loadHeldOutReference({ file: heldOut, seed: 0, draws, multiple }, full.data.labels, { height: h, width: w, channels: c }, classes);
  const swdOptions = { minResolution: 16 };
  const swd = new Map<string, SwdDrawSummary>();
  for (const { set, data } of sets) {
    const labels = data.labels.map(String).join(',');
    if ([...new Set(data.labels)].length !== classes.length || labels.split(',').length !== full.data.labels.length) {
      throw new Error(`set ${set.id} does not have the baseline's class mix`);
    }
    // SWD is the slow part (seconds per draw): cached per set, keyed by the draws and the seeds' files.
    const cacheFile = join(SWEEP_DIR, set.id, `swd-draws${draws}-multiple${multiple}.json`);
    const key = JSON.stringify({ heldOut, draws, multiple, swdOptions, runs: data.createdAt });
    const cached = existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as { key: string; summary: SwdDrawSummary }) : undefined;
    if (cached?.key === key) swd.set(set.id, cached.summary);
    else {
      const summary = swdOverDraws(data.images, reference.draws, swdOptions);
      writeAtomic(cacheFile, JSON.stringify({ key, summary }));
      swd.set(set.id, summary);
    }
  }
  const bandSets = BAND_SETS.filter((id) => swd.has(id)).map((id) => swd.get(id)!);
  const band = bandSets.length >= 2 ? noiseBand(bandSets) : undefined;
  const rows = sets.map(({ set, data }) => {
    const s = swd.get(set.id)!;
    const ref = set.reference === undefined ? undefined : byId.get(set.reference);
    const pairedOk = ref !== undefined && ref.data.seeds.join() === data.seeds.join();
    // against the full-resolution set of the same sampling settings (its reference), else `full`
    const baselineId = ref !== undefined && swd.has(ref.set.id) ? ref.set.id : 'full';
    const checks = band ? checkAgainstNoiseBand(s, swd.get(baselineId)!, band) : undefined;
    const fullChecks = band ? checkAgainstNoiseBand(s, swd.get('full')!, band) : undefined;
    const bandRows = (cs: typeof checks) => cs?.map((k) => ({ side: k.side, difference: k.difference * SWD_REPORT_SCALE, band: k.band * SWD_REPORT_SCALE, ratio: k.ratio, resolved: k.resolved }));
    const inside = (cs: typeof checks) => (cs ? cs.every((k) => !k.resolved || k.difference < 0) : undefined);
    return {
      id: set.id,
      family: set.family,
      config: set.config,
      seeds: data.seeds,
      images: data.images.shape[0],
      levels: data.levels,
      planFlopFraction: data.planFraction,
      baseline: baselineId,
      flopFraction: data.flops / full.data.flops,
      ...(ref !== undefined ? { flopFractionOfReference: data.flops / ref.data.flops } : {}),
      timeRatio: data.ms / full.data.ms,
      swd: x1e3(s),
      swdDrawStd: s.levels.map((l) => l.std * SWD_REPORT_SCALE),
      vsBaseline: bandRows(checks),
      insideBand: inside(checks),
      vsFull: bandRows(fullChecks),
      insideBandOfFull: inside(fullChecks),
      ...(pairedOk ? { reference: set.reference, psnr: psnr(data.images, ref.data.images).mean, ssim: ssim(data.images, ref.data.images).mean } : {}),
    };
  });
  // The Pareto frontier of quality vs FLOPs, per scale: no other set has both fewer FLOPs and a
  // lower SWD at that scale (the band sets are one generator: only `full` takes part).
  const candidates = rows.filter((r) => !BAND_SETS.includes(r.id as (typeof BAND_SETS)[number]) || r.id === 'full');
  const frontier = [0, 1, 2].map((k) => candidates.filter((r) => !candidates.some((o) => o !== r && o.flopFraction <= r.flopFraction && o.swd[k]! <= r.swd[k]! && (o.flopFraction < r.flopFraction || o.swd[k]! < r.swd[k]!))).map((r) => r.id));
  const out = {
    createdAt: new Date().toISOString(),
    heldOut: { file: heldOut, draws, multiple, imagesPerDraw: reference.draws[0]!.shape[0], seed: 0 },
    swd: { ...swdOptions, scale: SWD_REPORT_SCALE, normalize: 'reference (default of @upshift/metrics)' },
    band: band ? { sets: BAND_SETS.filter((id) => swd.has(id)), levels: band.levels.map((l) => ({ side: l.side, width: l.width * SWD_REPORT_SCALE, relative: l.relative, values: l.values.map((v) => v * SWD_REPORT_SCALE) })) } : undefined,
    rows: rows.map((r) => ({ ...r, paretoAt: [64, 32, 16].filter((_, k) => frontier[k]!.includes(r.id)) })),
    pareto: Object.fromEntries([64, 32, 16].map((side, k) => [String(side), frontier[k]!])),
  };
  writeAtomic(join(SWEEP_DIR, 'report.json'), JSON.stringify(out, null, 1));
  const f = (v: number | undefined, d: number) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  const diffs = (cs: typeof out.rows[number]['vsFull']) => (cs ? cs.map((k) => `${k.difference >= 0 ? '+' : ''}${f(k.difference, 1)} (${f(k.ratio, 1)})`).join(' / ') : '-');
  const yes = (v: boolean | undefined) => (v === undefined ? '-' : v ? 'yes' : 'no');
  const md: string[] = [];
  md.push(`Held-out draws: ${draws} x ${out.heldOut.imagesPerDraw} images (class-matched, multiple ${multiple}, seed 0); SWD x1e3 at 64 / 32 / 16 px (mean over the draws); ${full.data.images.shape[0]} images per set (one per class and seed).`);
  if (out.band) md.push(`Noise band (max - min over ${out.band.sets.join(', ')}: disjoint seeds, one generator): ${out.band.levels.map((l) => `${f(l.width, 1)} (${f(100 * l.relative, 1)} %)`).join(' / ')}.`);
  md.push('');
  md.push('| set | family | levels | FLOPs vs full | FLOPs vs ref | SWD 64 / 32 / 16 | vs full (x band) | inside band of full | vs ref (x band) | inside band of ref | PSNR vs ref | SSIM vs ref | Pareto at |');
  md.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of out.rows) {
    md.push(
      `| ${r.id} | ${r.family} | ${r.levels} | ${f(r.flopFraction, 3)} | ${f(r.flopFractionOfReference, 3)} | ${r.swd.map((v) => f(v, 1)).join(' / ')} | ${diffs(r.vsFull)} | ${yes(r.insideBandOfFull)} | ${r.baseline === 'full' ? '-' : `${r.baseline}: ${diffs(r.vsBaseline)}`} | ${r.baseline === 'full' ? '-' : yes(r.insideBand)} | ${f(r.psnr, 2)} | ${f(r.ssim, 3)} | ${r.paretoAt.join(', ') || '-'} |`,
    );
  }
  md.push('');
  md.push(`Pareto frontier (SWD vs FLOPs vs full): 64 px ${out.pareto['64']!.join(', ')}; 32 px ${out.pareto['32']!.join(', ')}; 16 px ${out.pareto['16']!.join(', ')}.`);
  process.stdout.write(`${md.join('\n')}\n`);
  const outArg = args.indexOf('--out');
  if (outArg >= 0) {
    const prefix = args[outArg + 1]!;
    // The hand-written reading below the marker survives a re-generation.
    const marker = '<!-- reading: hand-written, kept when the report is re-generated -->';
    const previous = existsSync(`${prefix}.md`) ? readFileSync(`${prefix}.md`, 'utf8') : '';
    const notes = previous.includes(marker) ? `${marker}${previous.slice(previous.indexOf(marker) + marker.length)}`.trimEnd() : marker;
    const header = [
      '# Quality sweep: upshift plans and sampling settings on the shipped model',
      '',
      `Generated by \`node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts report --out ${prefix}\` (${out.createdAt}) from the sets of \`apps/cli/bench/quality-sets.ts\` (wasm backend; configs are differences from the old CLI defaults: Euler 20, Karras, guidance 2, box-exact, coupled). "FLOPs vs full" counts every model call (a guided step is two) against \`full\`; "ref" is the full-resolution set with the same sampling settings (paired: same seeds).`,
      '',
    ];
    writeAtomic(`${prefix}.md`, [...header, ...md, '', notes, ''].join('\n'));
    writeAtomic(`${prefix}.json`, `${JSON.stringify(out, null, 1)}\n`);
    process.stdout.write(`wrote ${prefix}.md, ${prefix}.json\n`);
  }
}

/**
 * `grid --out file.png --seeds 0,1 <set-id>...`: one row per set, one column per class and seed
 * (the same seeds in every row), for same-seed comparisons by eye.
 */
async function grid(args: readonly string[]): Promise<void> {
  const ids: string[] = [];
  let out = 'grid.png';
  let seeds: number[] = [0];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') out = args[++i]!;
    else if (args[i] === '--seeds') seeds = args[++i]!.split(',').map(Number);
    else ids.push(args[i]!);
  }
  const cells = ids.flatMap((id) => {
    const set = sweepSet(id);
    return seeds.flatMap((seed) => {
      const { data, shape } = readSeed(set.id, seed);
      return Array.from({ length: shape[0] }, (_, i) => imageOf({ data, shape }, i));
    });
  });
  writeAtomic(out, encodePng(makeGrid(cells, { columns: cells.length / ids.length })));
  process.stdout.write(`${out}: rows ${ids.join(', ')}; seeds ${seeds.join(', ')}\n`);
}

/**
 * `plans [set-id...]`: each set's plan (levels per step, FLOP fraction of its own full-resolution
 * run) from the run's `start` event, without sampling: checks a new set's config before the
 * sweep spends CPU on it (a bad config is a ConfigError here, not a failed sweep).
 */
async function plans(pipeline: Pipeline, sets: readonly SweepSet[]): Promise<void> {
  for (const set of sets) {
    const start = await new Promise<StartEvent>((resolve, reject) => {
      const sub = pipeline.run(setConfig(set, (set.seeds ?? SEEDS)[0]!)).subscribe({
        next(event) {
          if (event.type !== 'start') return;
          resolve(event);
          queueMicrotask(() => sub.unsubscribe());
        },
        error: reject,
        complete: () => reject(new Error(`${set.id}: the run ended without a start event`)),
      });
    });
    process.stdout.write(`${set.id}\t${runLength(start.plan.steps.map((s) => s.level))}\t${start.plan.flopFraction.toFixed(3)}\n`);
  }
  await pipeline.whenIdle();
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
  if (command === 'plans') {
    registerAll(container);
    const pipeline = new Pipeline(container);
    try {
      await plans(pipeline, (ids.length ? ids : SWEEP_SETS.map((s) => s.id)).map(sweepSet));
    } finally {
      pipeline.dispose();
    }
    return;
  }
  if (command === 'report') return report(ids);
  if (command === 'grid') return grid(ids);
  throw new Error(`usage: quality-sweep.ts list | plans [set-id...] | generate [set-id...] | report [--draws n] [--multiple k] | grid --out f.png --seeds 0,1 set-id... (got "${command ?? ''}")`);
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
