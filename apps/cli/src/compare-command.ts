/**
 * `upshift compare`: the same seeds under several upshift policies, side by side, in one
 * process on one backend. Reports each policy's FLOP fraction (planned, and measured against
 * the full-resolution run), its wall-time ratio, paired PSNR / SSIM against the same-seed
 * full-resolution images, and SWD (x1e3 at each pyramid level) against the full-resolution set
 * and, when the dataset archive is there, against held-out data. Writes a JSON report and a
 * grid PNG (one row per policy, the same seeds in each column), atomically.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, PolicyFactory } from '@upshift/core';
import type { Pipeline } from '@upshift/pipeline';
import { findFactory } from '@upshift/pipeline';
import type { ImageBatch, ImageSwdResult } from '@upshift/metrics';
import { imageSwd, psnr, ssim, summarizeSteps, SWD_REPORT_SCALE } from '@upshift/metrics';
import { AtomicOutput } from './atomic-output.js';
import type { CliIo } from './cli-io.js';
import { labelsFor, parseClassOption } from './class-labels.js';
import { makeGrid } from './image-grid.js';
import { modelClasses } from './model-classes.js';
import { readHeldOutImages } from './npz-images.js';
import { parseIntegerOption, parseNameOption } from './option-values.js';
import type { CliPipelineConfig, RawPipelineOptions } from './pipeline-options.js';
import { addPipelineOptions, resolvePipelineOptions } from './pipeline-options.js';
import type { PolicySpec } from './policy-list.js';
import { DEFAULT_COMPARE_POLICIES, parsePolicyList } from './policy-list.js';
import { encodePng, imageOf } from './png-image.js';
import type { RunRecord } from './run-with-progress.js';
import { InterruptedError, runWithProgress } from './run-with-progress.js';
import { createProgressReporter, SILENT_PROGRESS } from './step-progress.js';
import { formatTable } from './text-table.js';

/** The dataset archive tools/dataset/build_dataset.py writes (used when present). */
export const DEFAULT_HELD_OUT = '.cache/dataset/emoji64.npz';

/** Defaults of `compare`. */
export const COMPARE_DEFAULTS = { steps: 30, images: 8, class: 'all', out: './out/compare', name: 'compare', heldOutLimit: 128 } as const;

/** Raw `compare` options. */
export interface RawCompareOptions extends RawPipelineOptions {
  readonly policies?: string;
  readonly images?: string;
  readonly class?: string;
  readonly out?: string;
  readonly name?: string;
  readonly heldOut?: string;
  readonly heldOutLimit?: string;
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
  readonly heldOutLimit: number;
  readonly progress: boolean;
}

/** One row of the comparison. */
export interface CompareRow {
  readonly label: string;
  readonly policy: string;
  readonly policyOptions?: Record<string, unknown>;
  readonly levels: string;
  readonly plannedFlopFraction: number;
  readonly measuredFlopFraction: number;
  readonly timeRatio: number;
  readonly samplingMs: number;
  readonly psnr: number;
  readonly ssim: number;
  /** SWD x1e3 per pyramid level (64 / 32 / 16 px) against the full-resolution images. */
  readonly swdVsFull: readonly number[];
  /** SWD x1e3 per level against held-out data, when available. */
  readonly swdVsData?: readonly number[];
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
    .option('--held-out-limit <n>', 'held-out images to use at most', String(COMPARE_DEFAULTS.heldOutLimit))
    .option('--no-progress', 'no per-step progress on stderr');
}

/** Validates raw options; every policy's options are checked by its factory before any run starts. */
export async function resolveCompareOptions(raw: RawCompareOptions, container: DependencyContainer): Promise<CompareOptions> {
  const base = resolvePipelineOptions(raw);
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
  return {
    base: { ...base, policy: 'none', batch, classLabels: labelsFor(selection, batch, classes.length) },
    policies,
    out: parseNameOption('--out', raw.out ?? COMPARE_DEFAULTS.out),
    name,
    ...(heldOut === undefined ? {} : { heldOut }),
    heldOutLimit: parseIntegerOption('--held-out-limit', raw.heldOutLimit ?? String(COMPARE_DEFAULTS.heldOutLimit), { min: 1 }),
    progress: raw.progress !== false,
  };
}

const scaled = (r: ImageSwdResult): number[] => r.levels.map((l) => l.distance * SWD_REPORT_SCALE);

/** SWD options for small sets: ProGAN's, except the coarsest level is clamped to the image side. */
function swdFor(image: ImageBatch): { readonly minResolution: number } {
  return { minResolution: Math.min(16, image.shape[1]) };
}

/** Sides of the SWD pyramid levels, finest first ("64/32/16"). */
function swdSides(side: number, minResolution: number): string {
  const sides: number[] = [];
  for (let s = side; s >= minResolution; s /= 2) sides.push(s);
  return sides.join('/');
}

/** Runs every policy, computes the metrics, prints the table and writes the report. */
export async function runCompare(options: CompareOptions, pipeline: Pipeline, io: CliIo, signal?: AbortSignal): Promise<{ rows: CompareRow[]; files: string[] }> {
  const progress = options.progress ? createProgressReporter(io.stderr) : SILENT_PROGRESS;
  const runs: RunRecord[] = [];
  const width = Math.max(...options.policies.map((p) => p.label.length));
  for (const spec of options.policies) {
    const config = { ...options.base, policy: spec.policy, ...(spec.policyOptions ? { policyOptions: spec.policyOptions } : {}) };
    runs.push(await runWithProgress(pipeline, config, { progress, label: spec.label.padEnd(width), ...(signal ? { signal } : {}) }));
  }
  const reference = runs[0]!;
  const refImages = reference.done.image;
  const swdOptions = swdFor(refImages);
  const data = options.heldOut === undefined ? undefined : await readHeldOutImages(options.heldOut, options.heldOutLimit);
  const rows: CompareRow[] = options.policies.map((spec, i) => {
    const run = runs[i]!;
    const img = run.done.image;
    const stats = run.done.stats;
    return {
      label: spec.label,
      policy: spec.policy,
      ...(spec.policyOptions ? { policyOptions: spec.policyOptions } : {}),
      levels: stats.levels.join(''),
      plannedFlopFraction: run.start.plan.flopFraction,
      measuredFlopFraction: stats.flops / reference.done.stats.flops,
      timeRatio: stats.ms / reference.done.stats.ms,
      samplingMs: stats.ms,
      psnr: psnr(img, refImages).mean,
      ssim: ssim(img, refImages).mean,
      swdVsFull: scaled(imageSwd(img, refImages, swdOptions)),
      ...(data ? { swdVsData: scaled(imageSwd(img, data, swdOptions)) } : {}),
    };
  });
  if (signal?.aborted) throw new InterruptedError();

  const fmt = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : v > 0 ? 'inf' : String(v));
  const swd = (v: readonly number[] | undefined): string => (v ? v.map((x) => x.toFixed(0)).join(' / ') : '-');
  const sides = swdSides(refImages.shape[1], swdOptions.minResolution);
  const table = formatTable(
    ['policy', 'levels', 'FLOPs plan', 'FLOPs meas', 'time', 'PSNR dB', 'SSIM', `SWD vs full ${sides}`, ...(data ? [`SWD vs data ${sides}`] : [])],
    rows.map((r) => [
      r.label,
      r.levels,
      fmt(r.plannedFlopFraction, 3),
      fmt(r.measuredFlopFraction, 3),
      fmt(r.timeRatio, 3),
      fmt(r.psnr, 2),
      fmt(r.ssim, 3),
      swd(r.swdVsFull),
      ...(data ? [swd(r.swdVsData)] : []),
    ]),
  );
  const [n, h, w] = refImages.shape;
  io.stdout.write(
    `compare: ${n} images ${h}x${w}, ${options.base.steps} ${options.base.sampler} steps, guidance ${options.base.guidance}, backend ${reference.start.backend}` +
      `${data ? `, held-out data: ${data.shape[0]} images` : ''}\n` +
      `  FLOPs = fraction of the full-resolution run (plan / measured); time = sampling wall time / the "none" run's; PSNR, SSIM paired with the same-seed "none" image; SWD x1e3\n` +
      table,
  );

  const output = new AtomicOutput();
  try {
    const grid = join(options.out, `${options.name}-grid.png`);
    const cells = runs.flatMap((r) => Array.from({ length: n }, (_, i) => imageOf(r.done.image, i)));
    await output.write(grid, encodePng(makeGrid(cells, { columns: n })));
    const report = join(options.out, `${options.name}.json`);
    await output.write(
      report,
      `${JSON.stringify(
        {
          command: 'compare',
          createdAt: new Date().toISOString(),
          backend: reference.start.backend,
          config: { ...reference.start.config, policy: undefined, policyOptions: undefined },
          images: n,
          heldOut: data ? { file: options.heldOut, images: data.shape[0] } : null,
          swdLevels: sides,
          grid: relative(options.out, grid),
          gridRows: rows.map((r) => r.label),
          rows: rows.map((r, i) => ({ ...r, plan: runs[i]!.start.plan, stats: runs[i]!.done.stats, compute: summarizeSteps(runs[i]!.steps), runMs: runs[i]!.wallMs })),
        },
        null,
        2,
      )}\n`,
    );
    if (signal?.aborted) throw new InterruptedError();
    const files = await output.commit();
    io.stdout.write(`wrote ${relative('.', report) || report} and ${relative('.', grid) || grid} (rows: ${rows.map((r) => r.label).join(' | ')})\n`);
    return { rows, files };
  } catch (e) {
    await output.abort();
    throw e;
  }
}
