/**
 * `upshift generate`: one run of the pipeline, written as PNG files (one per image, and a grid)
 * plus a JSON sidecar with the config, the plan and the stats. All files appear together or not
 * at all (see {@link AtomicOutput}).
 */
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError } from '@upshift/core';
import type { StartEvent, StepHook } from '@upshift/core';
import type { Pipeline } from '@upshift/pipeline';
import { summarizeSteps } from '@upshift/metrics';
import { AtomicOutput } from './atomic-output.js';
import { checkOutputFolder } from './output-location.js';
import { readPreviousRun, unlistedLookalikes } from './previous-run.js';
import type { CliIo } from './cli-io.js';
import { className, labelsFor, parseClassOption } from './class-labels.js';
import { makeGrid } from './image-grid.js';
import { checkModelName, checkRecommendedSampling, modelClasses, modelRecommendedSampling } from './model-classes.js';
import { parseIntegerOption, parseNameOption } from './option-values.js';
import type { CliPipelineConfig, RawPipelineOptions } from './pipeline-options.js';
import { addPipelineOptions, resolvePipelineOptions } from './pipeline-options.js';
import { encodePng, imageOf } from './png-image.js';
import { InterruptedError, runWithProgress } from './run-with-progress.js';
import type { StepRecord } from './run-with-progress.js';
import { calibrationLevel, estimateRunTime, LONG_RUN_MS, longRunNote } from './time-estimate.js';
import { createProgressReporter, SILENT_PROGRESS } from './step-progress.js';

/**
 * Defaults of `generate` (and so of `npm start`): one image per class of the shipped model in a
 * grid, with the sampling settings the model recommends (`config.json` -> `sampling`); `steps`
 * and `policy` here are the fallbacks for a model that recommends none.
 */
export const GENERATE_DEFAULTS = { steps: 20, policy: 'spectral', class: 'all', out: './out', name: 'upshift' } as const;

/** Raw `generate` options from commander. */
export interface RawGenerateOptions extends RawPipelineOptions {
  readonly batch?: string;
  readonly class?: string;
  readonly out?: string;
  readonly name?: string;
  readonly grid?: boolean;
  readonly gridColumns?: string;
  readonly progress?: boolean;
  readonly verbose?: boolean;
}

/** Validated `generate` options. */
export interface GenerateOptions {
  readonly config: CliPipelineConfig & { readonly batch: number; readonly classLabels: (number | null)[] };
  readonly classes: readonly string[];
  readonly out: string;
  readonly name: string;
  readonly grid: boolean;
  readonly gridColumns?: number;
  readonly progress: boolean;
  /** Diagnostics in the log lines. */
  readonly verbose: boolean;
}

/** What a finished `generate` wrote and measured. */
export interface GenerateResult {
  readonly files: readonly string[];
  readonly sidecar: unknown;
}

/** Adds the `generate` options to `cmd`. */
export function defineGenerateOptions(cmd: Command): Command {
  return addPipelineOptions(cmd, GENERATE_DEFAULTS)
    .option('--batch <n>', 'images to generate (default: one per class with --class all, else 1)')
    .option('--class <label>', 'class name (or unique prefix), index, "all" (one image per class) or "none"', GENERATE_DEFAULTS.class)
    .option('--out <dir>', 'output directory', GENERATE_DEFAULTS.out)
    .option('--name <prefix>', 'file name prefix: <prefix>-00.png ..., <prefix>-grid.png, <prefix>.json', GENERATE_DEFAULTS.name)
    .option('--no-grid', 'do not write the grid image')
    .option('--grid-columns <n>', 'images per grid row (default: about the square root of the batch)')
    .option('--no-progress', 'no per-step progress on stderr');
}

/** Validates raw options (throws ConfigError naming the flag) and reads the model's class names. */
export async function resolveGenerateOptions(raw: RawGenerateOptions, container?: DependencyContainer): Promise<GenerateOptions> {
  const { model, modelOptions } = resolvePipelineOptions({ model: raw.model, modelOptions: raw.modelOptions });
  if (container !== undefined) checkModelName(container, model);
  const recommended = await modelRecommendedSampling(model, modelOptions as Record<string, unknown> | undefined);
  const base = resolvePipelineOptions(raw, GENERATE_DEFAULTS, recommended);
  if (container !== undefined) await checkRecommendedSampling(container, base, model, modelOptions as Record<string, unknown> | undefined);
  const classes = await modelClasses(base.model, base.modelOptions as Record<string, unknown> | undefined);
  const selection = parseClassOption(raw.class ?? GENERATE_DEFAULTS.class, classes.length ? classes : [], '--class');
  const batch = raw.batch === undefined ? (selection.kind === 'all' ? classes.length : 1) : parseIntegerOption('--batch', raw.batch, { min: 1, max: 4096 });
  const name = parseNameOption('--name', raw.name ?? GENERATE_DEFAULTS.name);
  if (/[/\\]/.test(name)) throw new ConfigError('--name', name, 'must be a file name prefix, not a path');
  return {
    config: { ...base, batch, classLabels: labelsFor(selection, batch, classes.length) },
    classes,
    out: parseNameOption('--out', raw.out ?? GENERATE_DEFAULTS.out),
    name,
    grid: raw.grid !== false,
    ...(raw.gridColumns === undefined ? {} : { gridColumns: parseIntegerOption('--grid-columns', raw.gridColumns, { min: 1 }) }),
    progress: raw.progress !== false,
    verbose: raw.verbose === true,
  };
}

/** Runs `generate`: the pipeline, then every file atomically, then a summary on stdout. */
export async function runGenerate(options: GenerateOptions, pipeline: Pipeline, io: CliIo, signal?: AbortSignal): Promise<GenerateResult> {
  const t0 = performance.now();
  // Before any work: the files must have somewhere to go.
  await checkOutputFolder('--out', options.out);
  const progress = options.progress ? createProgressReporter(io.stderr) : SILENT_PROGRESS;
  const log = options.progress ? (message: string) => void io.stderr.write(`${message}\n`) : undefined;
  // A long run says so before it gets going: step 1's rate first; if that says "minutes", one
  // full-resolution model call is timed while the run waits (a hook after step 1), see
  // time-estimate.ts.
  let firstStep: { readonly record: StepRecord; readonly start: StartEvent } | undefined;
  const onStep = (step: StepRecord, start: StartEvent): void => {
    if (step.index === 0) firstStep = { record: step, start };
  };
  const timeEstimate: StepHook = {
    name: 'time-estimate',
    async afterStep(ctx) {
      if (ctx.index !== 0 || firstStep === undefined) return;
      const { record, start } = firstStep;
      if (estimateRunTime(start.plan, record).totalMs <= LONG_RUN_MS) return;
      const level = calibrationLevel(start.plan);
      // Timed on this thread; a pool of N workers shares each call's rows, at best N times as fast.
      const timed = await pipeline.timeModelCall({ ...options.config, guidance: 1 }, level, 1);
      const workers = Math.max(1, start.workers ?? 1);
      const basis = `the rate of a model call at ${level === 0 ? 'full resolution' : '1/2 side'}${workers > 1 ? ` on one thread, times ${workers} worker threads` : ''}`;
      const note = longRunNote(estimateRunTime(start.plan, { flops: timed.flops * workers, ms: timed.ms }, record.ms), start.backend, basis);
      if (note !== undefined) io.stderr.write(`${note}\n`);
    },
  };
  const run = await runWithProgress(pipeline, options.config, {
    progress,
    label: 'generate',
    verbose: options.verbose,
    onStep,
    hooks: [timeEstimate],
    ...(log ? { log } : {}),
    ...(signal ? { signal } : {}),
  });
  const { done, start } = run;
  const [n] = done.image.shape;
  const output = new AtomicOutput();
  try {
    const images: string[] = [];
    for (let i = 0; i < n; i++) {
      const file = join(options.out, `${options.name}-${String(i).padStart(2, '0')}.png`);
      await output.write(file, encodePng(imageOf(done.image, i)));
      images.push(file);
    }
    let grid: string | undefined;
    if (options.grid && n > 1) {
      grid = join(options.out, `${options.name}-grid.png`);
      const all = Array.from({ length: n }, (_, i) => imageOf(done.image, i));
      await output.write(grid, encodePng(makeGrid(all, options.gridColumns === undefined ? {} : { columns: options.gridColumns })));
    }
    const sidecarFile = join(options.out, `${options.name}.json`);
    const sidecar = {
      command: 'generate',
      createdAt: new Date().toISOString(),
      backend: start.backend,
      workers: start.workers,
      config: start.config,
      images: images.map((file, i) => ({ file: relative(options.out, file), classLabel: options.config.classLabels[i] ?? null, className: className(options.config.classLabels[i] ?? null, options.classes) })),
      ...(grid ? { grid: relative(options.out, grid) } : {}),
      plan: start.plan,
      stats: done.stats,
      compute: summarizeSteps(run.steps),
      steps: run.steps,
      resolutionChanges: run.changes,
      runMs: run.wallMs,
      wallMs: performance.now() - t0,
    };
    await output.write(sidecarFile, `${JSON.stringify(sidecar, null, 2)}\n`);
    if (signal?.aborted) throw new InterruptedError();
    // An earlier run under the same name: replace what its sidecar lists (a smaller batch
    // must not leave its older images beside the new ones); leave anything else alone.
    const previous = await readPreviousRun(options.out, options.name);
    const stale = (previous?.files ?? []).filter((f) => !output.targets.includes(f));
    const files = await output.commit(stale);
    const others = await unlistedLookalikes(options.out, options.name, files, previous);
    const s = done.stats;
    io.stdout.write(
      [
        `generated ${n} image${n === 1 ? '' : 's'} (${done.image.shape[1]}x${done.image.shape[2]}) with policy "${start.plan.policy}" on ${start.backend}${start.workers > 1 ? `, ${start.workers} worker threads` : ''}`,
        `  FLOP fraction ${s.flopFraction.toFixed(3)} of full resolution (planned ${start.plan.flopFraction.toFixed(3)}), ${s.modelCalls} model calls, levels ${s.levels.join('')}`,
        `  wall time ${(run.wallMs / 1000).toFixed(1)} s (sampling ${(s.ms / 1000).toFixed(1)} s, ${(s.ms / s.steps).toFixed(0)} ms/step)`,
        `  wrote ${files.length} files to ${options.out}: ${images.length} PNG${grid ? ' + grid ' + relative(options.out, grid) : ''} + ${relative(options.out, sidecarFile)}`,
        ...(stale.length
          ? [`  replaced the earlier run there: removed ${stale.length} of its files that this run did not write again (${stale.map((f) => relative(options.out, f)).join(', ')}; listed in its ${relative(options.out, sidecarFile)})`]
          : []),
        ...(others.length ? [`  note: ${others.length} other file(s) named like this run's output are not from it and were left: ${others.map((f) => relative(options.out, f)).join(', ')}`] : []),
        '',
      ].join('\n'),
    );
    return { files, sidecar };
  } catch (e) {
    await output.abort();
    throw e;
  }
}
