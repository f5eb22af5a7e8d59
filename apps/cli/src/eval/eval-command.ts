/**
 * `upshift eval`: the evidence page. Samples (or reuses from its cache) every set the options
 * select — the policy table with its noise band, the compatibility matrix of samplers x
 * resizers x plans on the model, and the same matrix on the analytic Gaussian model — measures
 * them with `@upshift/metrics`, and writes `<out>/RESULTS.md`, `<out>/results/eval.json` and
 * the figures (`<out>/results/*.png`, Vega-Lite rendered by resvg) atomically. Resumable and
 * incremental: finished sets stay in `--cache-dir`; `--max-sets` / `--sample-only` run a long
 * evaluation in chunks (apps/cli/bench/eval-chunks.sh runs one set per CPU lock).
 */
import { join, relative } from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { DenoiserFactory } from '@upshift/core';
import type { ImageBatch } from '@upshift/metrics';
import { radialPowerSpectrum } from '@upshift/metrics';
import type { Pipeline } from '@upshift/pipeline';
import { registeredFactories } from '@upshift/pipeline';
import { AtomicOutput } from '../atomic-output.js';
import type { CliIo } from '../cli-io.js';
import type { HeldOutReference } from '../held-out-reference.js';
import { loadHeldOutReference } from '../held-out-reference.js';
import { modelDownOperator, modelFingerprint, modelImageSize } from '../model-classes.js';
import { checkOutputFolder } from '../output-location.js';
import { createRunCache } from '../run-cache.js';
import type { RunCacheKey } from '../run-cache.js';
import { InterruptedError } from '../run-with-progress.js';
import type { EvalOptions } from './eval-options.js';
import { EVAL_SAMPLING } from './eval-options.js';
import { analyticSpec, matrixSpec, paretoSpec, plansSpec, samplesSpec, spectraSpec } from './eval-figures.js';
import type { Measurements, TheoryProvider } from './eval-measure.js';
import { measureSets } from './eval-measure.js';
import { createEvalProgress, SILENT_EVAL_PROGRESS } from './eval-progress.js';
import type { SetOutcome } from './eval-sampling.js';
import { sampleEvalSets, setKey } from './eval-sampling.js';
import { createSwdMemo } from './swd-memo.js';
import type { EvalSet } from './eval-sets.js';
import { ANALYTIC_MODEL, evalSets } from './eval-sets.js';
import { renderFigure } from './figure-render.js';
import type { CellVerdict } from './matrix-verdicts.js';
import { analyticVerdict, matrixVerdict, RESIZER_OPERATOR, samplerProcess } from './matrix-verdicts.js';
import type { ResultsContext } from './results-markdown.js';
import { resultsMarkdown } from './results-markdown.js';

/** Format tag of eval.json. */
export const EVAL_JSON_FORMAT = { format: 'upshift-eval', version: 1 } as const;

/** What {@link runEval} returns. */
export interface EvalResult {
  readonly files: string[];
  /** eval.json's content (also written), undefined with `--sample-only`. */
  readonly report?: Record<string, unknown>;
  readonly outcomes: ReadonlyMap<string, SetOutcome>;
}

/**
 * Makes the analytic part runnable: registers the `gaussian` model of `@upshift/testing` (a
 * development dependency: the analytic part runs from a workspace checkout) and returns the
 * theory. Undefined when the package is not installed.
 */
export async function analyticSupport(container: DependencyContainer): Promise<TheoryProvider | undefined> {
  let testing: typeof import('@upshift/testing');
  try {
    testing = await import('@upshift/testing');
  } catch {
    return undefined;
  }
  if (!registeredFactories(container, DenoiserFactory).some((f) => f.name === ANALYTIC_MODEL)) container.register(DenoiserFactory, { useValue: testing.gaussianDenoiserFactory });
  return (set, plan, side, edges) => {
    const resizer = set.resizer ?? 'box-exact';
    const operator = RESIZER_OPERATOR[resizer] === 'dct' ? 'dct' : 'box';
    const kind = resizer === 'bilinear' ? 'bilinear' : resizer === 'detail-prior' ? 'detail-prior' : 'exact';
    const { process, eta } = samplerProcess(set.sampler ?? 'euler');
    const std = Number((set.config['modelOptions'] as { std?: number } | undefined)?.std ?? 0.5);
    const theory = testing.predictIidBandPowers({ variance: std * std, side, sigmas: plan.sigmas, levels: plan.levels, op: operator, resizer: kind, process, ...(eta === undefined ? {} : { eta }), bandEdges: edges });
    return { ratio: theory.ratio, process, operator, resizer: kind };
  };
}

function summary(sets: readonly EvalSet[], outcomes: ReadonlyMap<string, SetOutcome>): string {
  const count = (k: SetOutcome['kind']) => sets.filter((s) => outcomes.get(s.id)?.kind === k).length;
  return `${count('done')} of ${sets.length} sets measured, ${count('missing')} not sampled yet, ${count('error')} refused`;
}

/** Runs the evaluation. */
export async function runEval(options: EvalOptions, pipeline: Pipeline, io: CliIo, ctx: { readonly container: DependencyContainer; readonly command: string; readonly signal?: AbortSignal }): Promise<EvalResult> {
  // Before any sampling: the sets and the report must have somewhere to go.
  await checkOutputFolder('--cache-dir', options.cacheDir);
  if (!options.sampleOnly) await checkOutputFolder('--out', options.out);
  let parts = options.parts;
  let theory: TheoryProvider | undefined;
  if (parts.includes('analytic')) {
    theory = await analyticSupport(ctx.container);
    if (!theory) {
      io.stderr.write('eval: the analytic part needs @upshift/testing (a development dependency); skipped\n');
      parts = parts.filter((p) => p !== 'analytic');
    }
  }
  const sets = evalSets({ ...options, parts });
  const cache = createRunCache(options.cacheDir);
  const outcomes = await sampleEvalSets(sets, {
    pipeline,
    cache,
    io,
    ...(options.maxSets === undefined ? {} : { maxSets: options.maxSets }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    progress: (n, flops) => (options.progress ? createEvalProgress(io.stderr, n, flops) : SILENT_EVAL_PROGRESS),
  });
  if (ctx.signal?.aborted) throw new InterruptedError();
  io.stdout.write(`eval: ${summary(sets, outcomes)} (cache ${relative('.', options.cacheDir) || options.cacheDir})\n`);
  if (options.sampleOnly) return { files: [], outcomes };

  // Class-matched held-out draws, one reference per image count (policy sets, matrix cells).
  const base = options.base;
  const native = await modelImageSize(base.model, base.modelOptions as Record<string, unknown> | undefined);
  const references = new Map<number, HeldOutReference>();
  if (options.heldOut && native?.side !== undefined) {
    for (const labels of [options.labels, options.matrixLabels]) {
      if (references.has(labels.length)) continue;
      references.set(labels.length, await loadHeldOutReference({ file: options.heldOut, ...options.reference }, labels, { height: native.side, width: native.side, channels: native.channels }, options.classes));
    }
  }
  const draws = (n: number): readonly ImageBatch[] | undefined => references.get(n)?.draws;
  const keys = new Map<string, RunCacheKey>();
  for (const set of sets) keys.set(set.id, await setKey(set));
  const swdMemo = createSwdMemo(options.cacheDir, (set) => keys.get(set.id), (n) => ({ archiveIndices: references.get(n)?.archiveIndices, minResolution: 16 }));
  const m = measureSets({ sets, outcomes, draws, swdMemo, ...(theory ? { theory } : {}) });
  const modelOperator = await modelDownOperator(base.model, base.modelOptions as Record<string, unknown> | undefined);
  const verdicts = new Map<string, CellVerdict>();
  for (const cell of m.sets) {
    if (cell.role !== 'cell') continue;
    if (cell.part === 'analytic') verdicts.set(cell.id, analyticVerdict(cell));
    else {
      const box = m.sets.find((c) => c.part === cell.part && c.role === 'cell' && c.sampler === cell.sampler && c.policy === cell.policy && c.resizer === 'box-exact');
      verdicts.set(cell.id, matrixVerdict(cell, box, m.bands[cell.part], modelOperator));
    }
  }
  const firstRef = references.get(options.labels.length) ?? [...references.values()][0];
  const dataSpectrum = firstRef ? radialPowerSpectrum(firstRef.draws[0]!) : undefined;
  const backends = [...new Set([...outcomes.values()].flatMap((o) => (o.kind === 'done' && o.record.start.config['model'] !== ANALYTIC_MODEL ? [o.record.start.backend] : [])))];

  const output = new AtomicOutput();
  try {
    const resultsDir = join(options.out, 'results');
    const figures: Record<string, string> = {};
    const records = (part: string) =>
      sets.filter((s) => s.part === part && s.role !== 'noise-band').flatMap((s) => {
        const o = outcomes.get(s.id);
        return o?.kind === 'done' ? [{ label: s.label, record: o.record }] : [];
      });
    const specs = {
      pareto: paretoSpec(m),
      spectra: spectraSpec(m, dataSpectrum),
      plans: plansSpec(m),
      samples: samplesSpec(records('policies'), options.images),
      matrix: matrixSpec(m.sets.filter((c) => c.part === 'matrix' && c.role === 'cell').map((cell) => ({ cell, verdict: verdicts.get(cell.id)! })), 'Compatibility matrix on the shipped model: paired PSNR (dB) per sampler x resizer (! caution, X unsafe)', 'psnr'),
      analytic: analyticSpec(m.sets.filter((c) => c.part === 'analytic' && c.role === 'cell' && c.status === 'measured')),
    };
    for (const [name, spec] of Object.entries(specs)) {
      if (!spec) continue;
      // The sample grid shows 64 px images pixel for pixel at scale 1 (scale 2 only quadruples a ~3 MB file).
      const figure = await renderFigure(spec, { scale: name === 'samples' ? 1 : 2 });
      const file = join(resultsDir, `${name}.png`);
      await output.write(file, figure.png);
      figures[name] = relative(options.out, file);
    }
    const json = join(resultsDir, 'eval.json');
    const report = evalReport(m, options, { parts, verdicts, backends, model: await modelFingerprint(base.model, base.modelOptions as Record<string, unknown> | undefined), references, modelOperator, figures, command: ctx.command });
    await output.write(json, `${JSON.stringify(report, null, 1)}\n`);
    const md = join(options.out, 'RESULTS.md');
    await output.write(md, resultsMarkdown(m, { ...pageContext(options, ctx.command, backends, firstRef), figures, json: relative(options.out, json), verdicts, ...(modelOperator ? { modelOperator } : {}) }));
    if (ctx.signal?.aborted) throw new InterruptedError();
    const files = await output.commit();
    io.stdout.write(`wrote ${files.map((f) => relative('.', f)).join(', ')}\n`);
    return { files, report, outcomes };
  } catch (e) {
    await output.abort();
    throw e;
  }
}

/**
 * The sampling settings every set shares, as the page states them: the sampler, schedule,
 * steps, guidance and upshift noise, any guidance levels / interval or stochastic steps, and the
 * seeds; the eval's own fixed settings unless the command line changed them (never the model's
 * recommended sampling, which may change).
 */
export function samplingLine(base: EvalOptions['base'], noiseBandSeed: number): string {
  const parts = [
    `${base.sampler} sampler${base.samplerOptions ? ` ${JSON.stringify(base.samplerOptions)}` : ''} (matrix: each sampler)`,
    `${base.steps} steps on the ${base.schedule} schedule${base.scheduleOptions ? ` ${JSON.stringify(base.scheduleOptions)}` : ''}`,
    `guidance ${base.guidance ?? 1}${base.guidanceLevels ? ` (per level ${base.guidanceLevels.join(', ')})` : ''}${base.guidanceInterval ? ` only for sigma in (${base.guidanceInterval.sigmaMin ?? 0}, ${base.guidanceInterval.sigmaMax ?? 'inf'}]` : ''}`,
    `resizer ${base.resizer}${base.resizerOptions ? ` ${JSON.stringify(base.resizerOptions)}` : ''} (matrix: each resizer)`,
    `${base.upshiftNoise ?? 'coupled'} upshift noise`,
    ...(base.afterUpshift ? [`after each upshift ${JSON.stringify(base.afterUpshift)}`] : []),
    `seed ${base.seed} (noise band: ${noiseBandSeed})`,
  ];
  const pinned = (['sampler', 'schedule', 'steps', 'guidance', 'resizer', 'upshiftNoise'] as const).every((k) => base[k] === EVAL_SAMPLING[k]) && !base.guidanceLevels && !base.guidanceInterval && !base.afterUpshift;
  return `${parts.join(', ')}${pinned ? " (the eval's own settings, `EVAL_SAMPLING` in apps/cli/src/eval/eval-options.ts, not the model's recommended sampling, which may change)" : ''}`;
}

function pageContext(options: EvalOptions, command: string, backends: readonly string[], firstRef: HeldOutReference | undefined): Omit<ResultsContext, 'figures' | 'json' | 'verdicts' | 'modelOperator'> {
  const base = options.base;
  return {
    command,
    model: base.model,
    backend: backends.join(', ') || base.backend,
    sampling: samplingLine(base, options.noiseBandSeed),
    ...(firstRef ? { heldOut: { file: firstRef.spec.file, draws: firstRef.draws.length, seed: firstRef.spec.seed, poolSize: firstRef.poolSize } } : {}),
    analytic: options.analytic,
  };
}

/** eval.json: everything measured (deterministic given the images) and, apart, the provenance (command, date, wall times). */
function evalReport(
  m: Measurements,
  options: EvalOptions,
  extra: {
    parts: readonly string[];
    verdicts: ReadonlyMap<string, CellVerdict>;
    backends: readonly string[];
    model: string;
    references: ReadonlyMap<number, HeldOutReference>;
    modelOperator?: string;
    figures: Record<string, string>;
    command: string;
  },
): Record<string, unknown> {
  return {
    ...EVAL_JSON_FORMAT,
    parts: extra.parts,
    config: options.base,
    model: extra.model,
    modelDownOperator: extra.modelOperator ?? null,
    backends: extra.backends,
    sizes: { policies: options.images, matrix: options.matrixImages, analytic: options.analytic },
    noiseBandSeed: options.noiseBandSeed,
    heldOut: [...extra.references.entries()].map(([images, r]) => ({ images, file: r.spec.file, poolSize: r.poolSize, seed: r.spec.seed, draws: r.draws.length, archiveIndices: r.archiveIndices })),
    swdScale: 1000,
    noiseBands: m.bands,
    sets: m.sets.map((s) => ({ ...s, ...(extra.verdicts.has(s.id) ? { verdict: extra.verdicts.get(s.id) } : {}) })),
    figures: extra.figures,
    provenance: { command: extra.command, generatedAt: new Date().toISOString(), timing: m.timing },
  };
}
