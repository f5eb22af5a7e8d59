/**
 * `upshift compare`: the same seeds under several upshift policies, side by side, in one
 * process on one backend. Reports each policy's FLOP fraction (planned, and measured against
 * the full-resolution run), its wall-time ratio, paired PSNR / SSIM against the same-seed
 * full-resolution images, SWD (x1e3 at each pyramid level) against the full-resolution set and,
 * when the dataset archive is there, against class-matched held-out draws (mean and spread over
 * the draws). A second, disjoint full-resolution set (another seed) gives the **noise band**:
 * how far the metric moves between two sets of the same generator; each policy's difference
 * from full resolution is reported in multiples of it, and a warning names every difference
 * the measurement cannot resolve (issues 15 and 16). Writes a JSON report and a grid PNG (one
 * row per policy, the same seeds in each column), atomically.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, PolicyFactory } from '@upshift/core';
import type { Pipeline } from '@upshift/pipeline';
import { findFactory } from '@upshift/pipeline';
import type { ImageBatch, NoiseBand, SwdDrawSummary } from '@upshift/metrics';
import { checkAgainstNoiseBand, imageSwd, noiseBand, psnr, ssim, summarizeSteps, swdOverDraws, SWD_REPORT_SCALE } from '@upshift/metrics';
import { AtomicOutput } from './atomic-output.js';
import { checkOutputFolder } from './output-location.js';
import type { CliIo } from './cli-io.js';
import { labelsFor, parseClassOption } from './class-labels.js';
import { chunkSet, mergeChunkRecords, seedRange } from './chunked-set.js';
import type { CompareRow } from './compare-report.js';
import { compareWarnings, formatCompareReport, runLengthLevels } from './compare-report.js';
import type { HeldOutReference } from './held-out-reference.js';
import { loadHeldOutReference } from './held-out-reference.js';
import { makeGrid } from './image-grid.js';
import { checkModelName, checkRecommendedSampling, modelClasses, modelFingerprint, modelImageSize, modelRecommendedSampling } from './model-classes.js';
import { parseIntegerOption, parseNameOption } from './option-values.js';
import type { CliPipelineConfig, RawPipelineOptions } from './pipeline-options.js';
import { addPipelineOptions, resolvePipelineOptions } from './pipeline-options.js';
import type { PolicySpec } from './policy-list.js';
import { DEFAULT_COMPARE_POLICIES, parsePolicyList } from './policy-list.js';
import { encodePng, imageOf } from './png-image.js';
import type { RunCache, RunCacheKey } from './run-cache.js';
import { createRunCache } from './run-cache.js';
import type { RunRecord } from './run-with-progress.js';
import { InterruptedError } from './run-with-progress.js';
import { runOrReuse } from './cached-run.js';
import { createProgressReporter, SILENT_PROGRESS } from './step-progress.js';
import { timeRatio, warmUpModel } from './compare-timing.js';

export type { CompareRow } from './compare-report.js';

/** The dataset archive tools/dataset/build_dataset.py writes (used when present). */
export const DEFAULT_HELD_OUT = '.cache/dataset/emoji64.npz';

/** Defaults of `compare` (steps as `generate`, so it measures what `npm start` runs). */
export const COMPARE_DEFAULTS = {
  steps: 20,
  images: 9,
  class: 'all',
  out: './out/compare',
  name: 'compare',
  referenceDraws: 5,
  referenceSeed: 0,
  referenceMultiple: 1,
} as const;

/** Raw `compare` options. */
export interface RawCompareOptions extends RawPipelineOptions {
  readonly policies?: string;
  readonly images?: string;
  readonly class?: string;
  readonly out?: string;
  readonly name?: string;
  readonly heldOut?: string;
  readonly referenceDraws?: string;
  readonly referenceSeed?: string;
  readonly referenceMultiple?: string;
  readonly noiseBand?: boolean;
  readonly noiseBandSeed?: string;
  readonly cacheDir?: string;
  readonly batch?: string;
  readonly timingRepeats?: string;
  readonly progress?: boolean;
}

/** Validated `compare` options. */
export interface CompareOptions {
  readonly base: CliPipelineConfig & { readonly batch: number; readonly classLabels: (number | null)[] };
  readonly policies: readonly PolicySpec[];
  readonly out: string;
  readonly name: string;
  /** Path of the dataset archive, or undefined to skip the held-out comparison. */
  readonly heldOut?: string;
  readonly reference: { readonly draws: number; readonly seed: number; readonly multiple: number };
  /** Seed of the second, disjoint full-resolution set, or undefined for no noise band. */
  readonly noiseBandSeed?: number;
  /** Directory of cached runs (`--cache-dir`). */
  readonly cacheDir?: string;
  /** The model's class names (for class-matched draws and messages). */
  readonly classes: readonly string[];
  /** Images per model batch: a larger set runs in chunks of this size, chunk k with seed + k. */
  readonly chunkSize: number;
  /** Timing rounds (`--timing-repeats`): sets are re-run this many times, interleaved. */
  readonly timingRepeats: number;
  readonly progress: boolean;
}

/** Adds the `compare` options to `cmd`. */
export function defineCompareOptions(cmd: Command): Command {
  return addPipelineOptions(cmd, { steps: COMPARE_DEFAULTS.steps }, false)
    .option('--policies <list>', 'policies to compare: name or name:{json}, comma-separated ("none" is always run first, as the reference)', DEFAULT_COMPARE_POLICIES)
    .option('--images <n>', 'images per policy (the same seed and labels for every policy)', String(COMPARE_DEFAULTS.images))
    .option('--class <label>', 'class name, index, "all" (cycling through the classes) or "none"', COMPARE_DEFAULTS.class)
    .option('--out <dir>', 'output directory', COMPARE_DEFAULTS.out)
    .option('--name <prefix>', 'file name prefix: <prefix>.json, <prefix>-grid.png', COMPARE_DEFAULTS.name)
    .option('--held-out <npz>', `dataset archive for SWD against held-out images ("none" to skip; default ${DEFAULT_HELD_OUT} when it exists)`)
    .option('--reference-draws <n>', 'class-matched draws of held-out images; SWD vs data is their mean', String(COMPARE_DEFAULTS.referenceDraws))
    .option('--reference-seed <n>', 'seed of the held-out draws', String(COMPARE_DEFAULTS.referenceSeed))
    .option('--reference-multiple <k>', 'held-out images per generated image of the same class, per draw', String(COMPARE_DEFAULTS.referenceMultiple))
    .option('--batch <n>', 'images per model batch; a larger set runs in chunks of this size, chunk k with seed --seed + k (default: one image per class, or 8)')
    .option('--noise-band-seed <n>', 'first seed of the second, disjoint full-resolution set (the noise band; default: the seed after the sets\' last)')
    .option('--no-noise-band', 'skip the second full-resolution set (no noise band: differences are not checked)')
    .option('--cache-dir <dir>', 'keep each finished set there and reuse sets with the same config (resume a long comparison, or run it one set at a time)')
    .option('--timing-repeats <n>', 'run the sets n times, interleaved, for the median time ratio and its spread (after a warm-up of every level)', '1')
    .option('--no-progress', 'no per-step progress on stderr');
}

/** Validates raw options; every policy's options are checked by its factory before any run starts. */
export async function resolveCompareOptions(raw: RawCompareOptions, container: DependencyContainer): Promise<CompareOptions> {
  const { model, modelOptions } = resolvePipelineOptions({ model: raw.model, modelOptions: raw.modelOptions });
  checkModelName(container, model);
  const recommended = await modelRecommendedSampling(model, modelOptions as Record<string, unknown> | undefined);
  // Every set shares the model's recommended sampling settings; the policy is each set's own.
  const { policy: _policy, policyOptions: _policyOptions, ...base } = resolvePipelineOptions(raw, { steps: COMPARE_DEFAULTS.steps }, recommended);
  await checkRecommendedSampling(container, base, model, modelOptions as Record<string, unknown> | undefined);
  let policies = parsePolicyList(raw.policies ?? DEFAULT_COMPARE_POLICIES);
  for (const spec of policies) {
    await findFactory(container, PolicyFactory, 'policy', spec.policy).create(spec.policyOptions, container);
  }
  const none = policies.find((p) => p.policy === 'none' && p.policyOptions === undefined) ?? { policy: 'none', label: 'none' };
  policies = [none, ...policies.filter((p) => p !== none)];
  const classes = await modelClasses(base.model, base.modelOptions as Record<string, unknown> | undefined);
  const selection = parseClassOption(raw.class ?? COMPARE_DEFAULTS.class, classes, '--class');
  const batch = parseIntegerOption('--images', raw.images ?? String(COMPARE_DEFAULTS.images), { min: 1, max: 4096 });
  let heldOut: string | undefined;
  if (raw.heldOut === undefined) heldOut = existsSync(DEFAULT_HELD_OUT) ? DEFAULT_HELD_OUT : undefined;
  else if (raw.heldOut !== 'none') {
    if (!existsSync(raw.heldOut)) throw new ConfigError('--held-out', raw.heldOut, 'file not found (build it with tools/dataset/build_dataset.py, or pass "none")');
    heldOut = raw.heldOut;
  }
  const name = parseNameOption('--name', raw.name ?? COMPARE_DEFAULTS.name);
  if (/[/\\]/.test(name)) throw new ConfigError('--name', name, 'must be a file name prefix, not a path');
  const reference = {
    draws: parseIntegerOption('--reference-draws', raw.referenceDraws ?? String(COMPARE_DEFAULTS.referenceDraws), { min: 1, max: 1000 }),
    seed: parseIntegerOption('--reference-seed', raw.referenceSeed ?? String(COMPARE_DEFAULTS.referenceSeed), { min: 0, max: 0xffffffff }),
    multiple: parseIntegerOption('--reference-multiple', raw.referenceMultiple ?? String(COMPARE_DEFAULTS.referenceMultiple), { min: 1, max: 1000 }),
  };
  const chunkSize = raw.batch === undefined ? Math.min(batch, classes.length > 0 ? classes.length : 8) : parseIntegerOption('--batch', raw.batch, { min: 1, max: 4096 });
  const chunks = Math.ceil(batch / chunkSize);
  const lastSeed = 0xffffffff;
  if (base.seed + chunks - 1 > lastSeed) throw new ConfigError('--seed', base.seed, `leaves no room for ${chunks} chunk seeds (seed + k must be < 2^32)`);
  let noiseBandSeed: number | undefined;
  if (raw.noiseBand !== false) {
    noiseBandSeed =
      raw.noiseBandSeed === undefined
        ? base.seed + 2 * chunks - 1 <= lastSeed ? base.seed + chunks : base.seed - chunks
        : parseIntegerOption('--noise-band-seed', raw.noiseBandSeed, { min: 0, max: lastSeed - chunks + 1 });
    // Chunk k of a set uses seed + k: the two sets' seed ranges must not meet.
    if (noiseBandSeed < base.seed + chunks && base.seed < noiseBandSeed + chunks) {
      throw new ConfigError('--noise-band-seed', raw.noiseBandSeed, `its seeds ${seedRange(noiseBandSeed, chunks)} overlap the sets' seeds ${seedRange(base.seed, chunks)} (the noise band needs a disjoint set)`);
    }
  } else if (raw.noiseBandSeed !== undefined) {
    throw new ConfigError('--noise-band-seed', raw.noiseBandSeed, 'cannot be combined with --no-noise-band');
  }
  return {
    base: { ...base, policy: 'none', batch, classLabels: labelsFor(selection, batch, classes.length) },
    policies,
    out: parseNameOption('--out', raw.out ?? COMPARE_DEFAULTS.out),
    name,
    ...(heldOut === undefined ? {} : { heldOut }),
    reference,
    ...(noiseBandSeed === undefined ? {} : { noiseBandSeed }),
    ...(raw.cacheDir === undefined ? {} : { cacheDir: parseNameOption('--cache-dir', raw.cacheDir) }),
    classes,
    chunkSize,
    timingRepeats: parseIntegerOption('--timing-repeats', raw.timingRepeats ?? '1', { min: 1, max: 20 }),
    progress: raw.progress !== false,
  };
}

/** SWD options for the run's images: ProGAN's patches, coarsest level clamped to the image side. */
function swdFor(image: ImageBatch): { readonly minResolution: number } {
  return { minResolution: Math.min(16, image.shape[1]) };
}

/** Sides of the SWD pyramid levels, finest first ("64/32/16"). */
function swdSides(side: number, minResolution: number): string {
  const sides: number[] = [];
  for (let s = side; s >= minResolution; s /= 2) sides.push(s);
  return sides.join('/');
}

/** One set to sample: a policy on the shared seeds, or full resolution on the noise-band seed. */
interface SetSpec {
  readonly spec: PolicySpec;
  readonly label: string;
  readonly seed: number;
  readonly role: CompareRow['role'];
}

/** Samples (or reuses from the cache) one set, chunk by chunk (each chunk cached on its own). */
async function sampleSet(
  set: SetSpec,
  options: CompareOptions,
  pipeline: Pipeline,
  io: CliIo,
  ctx: { readonly cache?: RunCache; readonly model: string; readonly width: number; readonly signal?: AbortSignal },
): Promise<{ record: RunRecord; cached: boolean }> {
  const chunks = chunkSet(options.base.classLabels, options.chunkSize);
  const records: RunRecord[] = [];
  let reused = 0;
  for (const chunk of chunks) {
    const config = {
      ...options.base,
      batch: chunk.labels.length,
      classLabels: [...chunk.labels],
      seed: set.seed + chunk.index,
      policy: set.spec.policy,
      ...(set.spec.policyOptions ? { policyOptions: set.spec.policyOptions } : {}),
    };
    const label = (chunks.length > 1 ? `${set.label} [${chunk.index + 1}/${chunks.length}]` : set.label).padEnd(ctx.width);
    // The worker count does not change a pixel (a pool gives the single-thread images bit for bit).
    const { workers: _workers, ...pixels } = config;
    const key: RunCacheKey = { config: pixels, model: ctx.model };
    const warn = (m: string): void => void io.stderr.write(`compare: ${m}
`);
    const progress = options.progress ? createProgressReporter(io.stderr) : SILENT_PROGRESS;
    const run = await runOrReuse(key, { pipeline, ...(ctx.cache ? { cache: ctx.cache } : {}), progress, label, warn, ...(ctx.signal ? { signal: ctx.signal } : {}) }, config);
    if (run.cached) {
      if (options.progress) io.stderr.write(`${label}  reused ${relative('.', ctx.cache!.fileFor(key))}
`);
      reused++;
    }
    records.push(run.record);
  }
  return { record: mergeChunkRecords(records), cached: reused > 0 };
}

/** Runs every policy (and the noise-band set), computes the metrics, prints the report and writes the files. */
export async function runCompare(options: CompareOptions, pipeline: Pipeline, io: CliIo, signal?: AbortSignal): Promise<{ rows: CompareRow[]; files: string[] }> {
  const { base } = options;
  await checkOutputFolder('--out', options.out); // before any sampling
  if (options.cacheDir !== undefined) await checkOutputFolder('--cache-dir', options.cacheDir);
  // The held-out draws are checked (image size, classes, enough images per class) before any sampling.
  const resolution = base.resolution as { height: number; width: number } | undefined;
  let reference: HeldOutReference | undefined;
  if (options.heldOut !== undefined) {
    const spec = { file: options.heldOut, ...options.reference };
    const native = await modelImageSize(base.model, base.modelOptions as Record<string, unknown> | undefined);
    const side = native?.side;
    const size = resolution ?? (side === undefined ? undefined : { height: side, width: side });
    // A model whose size is only known once it is loaded is checked after the runs.
    if (size !== undefined && native !== undefined) reference = await loadHeldOutReference(spec, base.classLabels, { ...size, channels: native.channels }, options.classes);
  }
  const sets: SetSpec[] = options.policies.map((spec) => ({ spec, label: spec.label, seed: base.seed, role: 'policy' }));
  const chunkCount = chunkSet(base.classLabels, options.chunkSize).length;
  if (options.noiseBandSeed !== undefined) {
    const seeds = seedRange(options.noiseBandSeed, chunkCount);
    sets.push({ spec: { policy: 'none', label: 'none' }, label: `none seed${chunkCount > 1 ? 's' : ''} ${seeds}`, seed: options.noiseBandSeed, role: 'noise-band' });
  }
  const cache = options.cacheDir === undefined ? undefined : createRunCache(options.cacheDir);
  const model = await modelFingerprint(base.model, base.modelOptions as Record<string, unknown> | undefined);
  const width = Math.max(...sets.map((s) => s.label.length));
  const runs: { record: RunRecord; cached: boolean }[] = [];
  const ctx = { ...(cache ? { cache } : {}), model, width, ...(signal ? { signal } : {}) };
  // Nothing is timed before the model has run once at every level (see compare-timing.ts).
  const first = chunkSet(base.classLabels, options.chunkSize)[0]!;
  const warmUp = await warmUpModel(pipeline, { ...base, policy: 'none', batch: first.labels.length, classLabels: [...first.labels] });
  if (options.progress) io.stderr.write(`compare: warmed up the model at levels ${warmUp.levels.join(', ')} (${(warmUp.ms / 1000).toFixed(1)} s); timing starts now\n`);
  for (const set of sets) runs.push(await sampleSet(set, options, pipeline, io, ctx));
  // More timing rounds, interleaved: the same sets again (fresh, not from the cache).
  const timings: number[][] = runs.map((r) => (r.cached ? [] : [r.record.done.stats.ms]));
  for (let round = 1; round < options.timingRepeats; round++) {
    for (const [i, set] of sets.entries()) {
      if (runs[i]!.cached) continue;
      const again = await sampleSet({ ...set, label: `${set.label} (timing ${round + 1}/${options.timingRepeats})` }, options, pipeline, io, { ...ctx, cache: undefined });
      if (!sameImage(again.record.done.image.data, runs[i]!.record.done.image.data)) {
        io.stderr.write(`compare: warning: ${set.label} gave a different image in timing round ${round + 1} (the backend is not deterministic here)\n`);
      }
      timings[i]!.push(again.record.done.stats.ms);
    }
  }
  if (signal?.aborted) throw new InterruptedError();

  const full = runs[0]!.record;
  const refImages = full.done.image;
  const backends = new Set(runs.map((r) => r.record.start.backend));
  if (backends.size > 1) throw new ConfigError('--backend', base.backend, `the sets ran on different backends (${[...backends].join(', ')}); pass one backend explicitly`);
  const [n, h, w] = refImages.shape;
  if (reference === undefined && options.heldOut !== undefined) {
    reference = await loadHeldOutReference({ file: options.heldOut, ...options.reference }, base.classLabels, { height: h, width: w, channels: refImages.shape[3] }, options.classes);
  }
  const swdOptions = swdFor(refImages);
  const vsData: (SwdDrawSummary | undefined)[] = runs.map((r) => (reference ? swdOverDraws(r.record.done.image, reference.draws, swdOptions) : undefined));
  const noiseIndex = sets.findIndex((s) => s.role === 'noise-band');
  const band: NoiseBand | undefined = noiseIndex >= 0 && vsData[0] && vsData[noiseIndex] ? noiseBand([vsData[0], vsData[noiseIndex]!]) : undefined;
  const rows: CompareRow[] = sets.map((set, i) => {
    const { record, cached } = runs[i]!;
    const img = record.done.image;
    const stats = record.done.stats;
    const paired = set.role === 'policy';
    const data = vsData[i];
    const isFull = i === 0;
    return {
      label: set.label,
      policy: set.spec.policy,
      ...(set.spec.policyOptions ? { policyOptions: set.spec.policyOptions } : {}),
      seed: set.seed,
      role: set.role,
      levels: runLengthLevels(stats.levels),
      plannedFlopFraction: record.start.plan.flopFraction,
      measuredFlopFraction: stats.flops / full.done.stats.flops,
      ...timeColumns(timings[i]!, timings[0]!, stats.ms / full.done.stats.ms),
      samplingMs: stats.ms,
      ...(paired ? { psnr: psnr(img, refImages).mean, ssim: ssim(img, refImages).mean } : {}),
      swdVsFull: imageSwd(img, refImages, swdOptions).levels.map((l) => l.distance * SWD_REPORT_SCALE),
      ...(data ? { swdVsData: data } : {}),
      ...(band && data && paired && !isFull ? { vsFull: checkAgainstNoiseBand(data, vsData[0]!, band) } : {}),
      cached,
    };
  });
  const sides = swdSides(h, swdOptions.minResolution);
  const warnings = compareWarnings(rows, band, n);
  io.stdout.write(
    formatCompareReport(
      {
        images: n,
        height: h,
        width: w,
        steps: base.steps,
        sampler: base.sampler,
        guidance: base.guidance ?? 1,
        backend: full.start.backend,
        workers: Math.max(...runs.filter((r) => !r.cached).map((r) => r.record.start.workers), 1),
        swdSides: sides,
        ...(reference ? { reference: { file: reference.spec.file, draws: reference.draws.length, perDraw: reference.draws[0]!.shape[0], seed: reference.spec.seed, poolSize: reference.poolSize } } : {}),
      },
      rows,
      band,
      warnings,
    ),
  );

  const output = new AtomicOutput();
  try {
    const grid = join(options.out, `${options.name}-grid.png`);
    // One row per policy, the same seeds in each column (the noise-band set has other seeds).
    const gridRuns = runs.filter((_, i) => sets[i]!.role === 'policy');
    const cells = gridRuns.flatMap((r) => Array.from({ length: n }, (_, i) => imageOf(r.record.done.image, i)));
    await output.write(grid, encodePng(makeGrid(cells, { columns: n })));
    const report = join(options.out, `${options.name}.json`);
    await output.write(
      report,
      `${JSON.stringify(
        {
          command: 'compare',
          createdAt: new Date().toISOString(),
          backend: full.start.backend,
          workers: Math.max(...runs.filter((r) => !r.cached).map((r) => r.record.start.workers), 1),
          config: { ...full.start.config, policy: undefined, policyOptions: undefined },
          images: n,
          batch: options.chunkSize,
          seeds: { sets: seedRange(base.seed, chunkCount), ...(options.noiseBandSeed === undefined ? {} : { noiseBand: seedRange(options.noiseBandSeed, chunkCount) }) },
          swdLevels: sides,
          swdScale: SWD_REPORT_SCALE,
          swdNormalize: 'reference',
          heldOut: reference
            ? { file: reference.spec.file, poolSize: reference.poolSize, seed: reference.spec.seed, draws: reference.draws.length, multiple: reference.spec.multiple, imagesPerDraw: reference.draws[0]!.shape[0], archiveIndices: reference.archiveIndices }
            : null,
          noiseBand: band
            ? { seeds: [seedRange(base.seed, chunkCount), seedRange(options.noiseBandSeed!, chunkCount)], levels: band.levels.map((l) => ({ side: l.side, width: l.width * SWD_REPORT_SCALE, relative: l.relative, values: l.values.map((v) => v * SWD_REPORT_SCALE) })) }
            : null,
          warnings,
          grid: relative(options.out, grid),
          gridRows: rows.filter((r) => r.role === 'policy').map((r) => r.label),
          rows: rows.map((r, i) => ({
            ...r,
            swdVsData: r.swdVsData ? scaleSummary(r.swdVsData) : undefined,
            vsFull: r.vsFull?.map((c) => ({ ...c, difference: c.difference * SWD_REPORT_SCALE, band: c.band * SWD_REPORT_SCALE })),
            plan: runs[i]!.record.start.plan,
            stats: runs[i]!.record.done.stats,
            compute: summarizeSteps(runs[i]!.record.steps),
            runMs: runs[i]!.record.wallMs,
          })),
        },
        null,
        2,
      )}\n`,
    );
    if (signal?.aborted) throw new InterruptedError();
    const files = await output.commit();
    io.stdout.write(`wrote ${relative('.', report) || report} and ${relative('.', grid) || grid} (grid rows: ${rows.filter((r) => r.role === 'policy').map((r) => r.label).join(' | ')})\n`);
    return { rows, files };
  } catch (e) {
    await output.abort();
    throw e;
  }
}

/** Whether two images are bit for bit the same. */
function sameImage(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The time columns of a row: the median ratio over the rounds, and the spread when there are several. */
function timeColumns(setMs: readonly number[], fullMs: readonly number[], single: number): Pick<CompareRow, 'timeRatio' | 'timeRatioRange' | 'samplingMsRounds'> {
  const r = timeRatio(setMs, fullMs);
  if (r.runs === 0) return { timeRatio: single }; // reused from the cache: one ratio, from another process
  return { timeRatio: r.median, samplingMsRounds: [...setMs], ...(r.runs > 1 ? { timeRatioRange: [r.min, r.max] as const } : {}) };
}

/** A draw summary with every distance x1e3 (the JSON report's units). */
function scaleSummary(s: SwdDrawSummary): unknown {
  return {
    draws: s.draws,
    levels: s.levels.map((l) => ({ side: l.side, mean: l.mean * SWD_REPORT_SCALE, std: l.std * SWD_REPORT_SCALE, min: l.min * SWD_REPORT_SCALE, max: l.max * SWD_REPORT_SCALE, values: l.values.map((v) => v * SWD_REPORT_SCALE) })),
  };
}
