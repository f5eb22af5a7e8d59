/**
 * Options of `upshift eval`: which work to do (`--parts`, `--policies`, `--samplers`,
 * `--resizers`, `--images`, `--backend`), where the sets are kept (`--cache-dir`) and the report
 * goes (`--out`), and how much of it one invocation samples (`--max-sets`, `--sample-only`), so
 * a long evaluation can run in chunks (each under a CPU lock) and be reported at any point.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, PolicyFactory, ResizerFactory, SamplerFactory } from '@upshift/core';
import { findFactory } from '@upshift/pipeline';
import { labelsFor, parseClassOption } from '../class-labels.js';
import { DEFAULT_HELD_OUT } from '../compare-command.js';
import { checkModelName, modelClasses } from '../model-classes.js';
import { parseIntegerOption, parseNameOption, parseNumberOption } from '../option-values.js';
import type { CliPipelineConfig, CommandFallbacks, RawPipelineOptions } from '../pipeline-options.js';
import { addPipelineOptions, resolvePipelineOptions } from '../pipeline-options.js';
import type { PolicySpec } from '../policy-list.js';
import { parsePolicyList } from '../policy-list.js';

/** The three parts of an evaluation. */
export const EVAL_PARTS = ['policies', 'matrix', 'analytic'] as const;
/** One part. */
export type EvalPart = (typeof EVAL_PARTS)[number];

/** Policies measured by default: full resolution, the seed's rule two ways, every shipped policy. */
export const DEFAULT_EVAL_POLICIES =
  'none,fixed,fixed:{"t":0.7},pyramid,spectral,budget:{"fraction":0.5},budget:{"fraction":0.35},adaptive,bottleneck,snr-matched';
/** Every built-in sampler. */
export const DEFAULT_EVAL_SAMPLERS = 'euler,heun,ddim,ddpm,euler-ancestral,dpmpp-2m,dpmpp-2m-sde';
/** Every built-in resizer. */
export const DEFAULT_EVAL_RESIZERS = 'box-exact,dct-exact,detail-prior,bilinear';
/** The matrix's two plans: one switch (the seed's rule) and a two-stage pyramid, both at their defaults. */
export const MATRIX_PLANS: readonly PolicySpec[] = [
  { policy: 'fixed', label: 'fixed' },
  { policy: 'pyramid', label: 'pyramid' },
];

/**
 * The sampling settings of `eval` when the command line leaves them out: fixed here, not taken
 * from the model's recommended sampling (`config.json` -> `sampling`), so that a change of the
 * recommendation neither changes what the page measures nor invalidates its cached sets. The
 * page states them.
 */
export const EVAL_SAMPLING = {
  steps: 20,
  sampler: 'euler',
  schedule: 'karras',
  guidance: 2,
  resizer: 'box-exact',
  upshiftNoise: 'coupled',
  recommendation: 'ignore',
} as const satisfies CommandFallbacks;

/** Defaults of `eval`. */
export const EVAL_DEFAULTS = {
  steps: EVAL_SAMPLING.steps,
  images: 9,
  out: 'docs',
  cacheDir: '.cache/eval',
  referenceDraws: 5,
  referenceSeed: 0,
  analyticImages: 16,
  analyticSide: 32,
  analyticStd: 1,
} as const;

/** Raw `eval` options from commander. */
export interface RawEvalOptions extends RawPipelineOptions {
  readonly parts?: string;
  readonly policies?: string;
  readonly samplers?: string;
  readonly resizers?: string;
  readonly images?: string;
  readonly matrixImages?: string;
  readonly analyticImages?: string;
  readonly analyticSide?: string;
  readonly analyticStd?: string;
  readonly heldOut?: string;
  readonly referenceDraws?: string;
  readonly referenceSeed?: string;
  readonly noiseBandSeed?: string;
  readonly cacheDir?: string;
  readonly out?: string;
  readonly maxSets?: string;
  readonly sampleOnly?: boolean;
  readonly progress?: boolean;
}

/** Validated `eval` options. */
export interface EvalOptions {
  /** Shared sampling settings (given, else {@link EVAL_SAMPLING}; never the model's recommendation); policy, sampler and resizer are per set. */
  readonly base: Omit<CliPipelineConfig, 'policy' | 'policyOptions'>;
  readonly parts: readonly EvalPart[];
  readonly policies: readonly PolicySpec[];
  readonly samplers: readonly PolicySpec[];
  readonly resizers: readonly string[];
  /** Images per policy set / per matrix cell (one per class, cycling). */
  readonly images: number;
  readonly matrixImages: number;
  readonly labels: (number | null)[];
  readonly matrixLabels: (number | null)[];
  /** The analytic part: i.i.d. Gaussian data of this std on `side` x `side` images. */
  readonly analytic: { readonly images: number; readonly side: number; readonly std: number };
  readonly heldOut?: string;
  readonly reference: { readonly draws: number; readonly seed: number; readonly multiple: 1 };
  readonly noiseBandSeed: number;
  readonly cacheDir: string;
  readonly out: string;
  /** Sample at most this many missing sets in this invocation (undefined: all). */
  readonly maxSets?: number;
  /** Sample only: no measurement, no report. */
  readonly sampleOnly: boolean;
  readonly classes: readonly string[];
  readonly progress: boolean;
}

/** Adds the `eval` options to `cmd`. */
export function defineEvalOptions(cmd: Command): Command {
  return addPipelineOptions(cmd, EVAL_SAMPLING, false)
    .option('--parts <list>', `parts to run: ${EVAL_PARTS.join(', ')}`, EVAL_PARTS.join(','))
    .option('--policies <list>', 'policies of the policy table: name or name:{json}, comma-separated ("none" is always measured, as the reference)', DEFAULT_EVAL_POLICIES)
    .option('--samplers <list>', 'samplers of the compatibility matrix: name or name:{json options}', DEFAULT_EVAL_SAMPLERS)
    .option('--resizers <list>', 'resizers of the compatibility matrix', DEFAULT_EVAL_RESIZERS)
    .option('--images <n>', 'images per policy (one per class, cycling; the same seed and labels for every policy)', String(EVAL_DEFAULTS.images))
    .option('--matrix-images <n>', 'images per matrix cell (default: --images)')
    .option('--analytic-images <n>', 'images per cell of the analytic matrix', String(EVAL_DEFAULTS.analyticImages))
    .option('--analytic-side <n>', 'image side of the analytic matrix', String(EVAL_DEFAULTS.analyticSide))
    .option('--analytic-std <x>', 'pixel std of the analytic i.i.d. Gaussian data', String(EVAL_DEFAULTS.analyticStd))
    .option('--held-out <npz>', `dataset archive for SWD against held-out images ("none" to skip; default ${DEFAULT_HELD_OUT} when it exists)`)
    .option('--reference-draws <n>', 'class-matched draws of held-out images; SWD vs data is their mean', String(EVAL_DEFAULTS.referenceDraws))
    .option('--reference-seed <n>', 'seed of the held-out draws', String(EVAL_DEFAULTS.referenceSeed))
    .option('--noise-band-seed <n>', 'seed of the second, disjoint full-resolution set (default --seed + 1)')
    .option('--cache-dir <dir>', 'where every finished set is kept (the eval resumes from it)', EVAL_DEFAULTS.cacheDir)
    .option('--out <dir>', 'report folder: <out>/RESULTS.md, <out>/results/eval.json and figures', EVAL_DEFAULTS.out)
    .option('--max-sets <n>', 'sample at most n missing sets, then report what is there (0: report only)')
    .option('--sample-only', 'sample the missing sets (up to --max-sets) and write no report')
    .option('--no-progress', 'no progress on stderr');
}

/** Parses a list of names with optional JSON options (`dpmpp-2m:{"onLevelChange":"first-order"}`). */
function parseNamedList(flag: string, raw: string): PolicySpec[] {
  return parsePolicyList(raw, flag);
}

/** Validates raw options; every named plugin and its options are checked before any sampling. */
export async function resolveEvalOptions(raw: RawEvalOptions, container: DependencyContainer): Promise<EvalOptions> {
  const { policy: _p, policyOptions: _o, ...base } = resolvePipelineOptions(raw, EVAL_SAMPLING);
  checkModelName(container, base.model);
  const parts = (raw.parts ?? EVAL_PARTS.join(',')).split(',').map((p) => p.trim());
  for (const p of parts) if (!(EVAL_PARTS as readonly string[]).includes(p)) throw new ConfigError('--parts', raw.parts, `each part must be one of ${EVAL_PARTS.join(', ')}`);
  let policies = parseNamedList('--policies', raw.policies ?? DEFAULT_EVAL_POLICIES);
  for (const spec of policies) await findFactory(container, PolicyFactory, 'policy', spec.policy).create(spec.policyOptions, container);
  const none = policies.find((p) => p.policy === 'none' && p.policyOptions === undefined) ?? { policy: 'none', label: 'none' };
  policies = [none, ...policies.filter((p) => p !== none)];
  const samplers = parseNamedList('--samplers', raw.samplers ?? DEFAULT_EVAL_SAMPLERS);
  for (const spec of samplers) findFactory(container, SamplerFactory, 'sampler', spec.policy).create(spec.policyOptions, container);
  const resizers = (raw.resizers ?? DEFAULT_EVAL_RESIZERS).split(',').map((r) => parseNameOption('--resizers', r));
  // Names only: a resizer's options may depend on the model (detail-prior reads its spectrum).
  for (const name of resizers) findFactory(container, ResizerFactory, 'resizer', name);
  const classes = await modelClasses(base.model, base.modelOptions as Record<string, unknown> | undefined);
  // One image per class, cycling (a model without classes: unconditional).
  const selection = classes.length === 0 ? ({ kind: 'none' } as const) : parseClassOption('all', classes, '--class');
  const images = parseIntegerOption('--images', raw.images ?? String(EVAL_DEFAULTS.images), { min: 2, max: 4096 });
  const matrixImages = raw.matrixImages === undefined ? images : parseIntegerOption('--matrix-images', raw.matrixImages, { min: 2, max: 4096 });
  let heldOut: string | undefined;
  if (raw.heldOut === undefined) heldOut = existsSync(DEFAULT_HELD_OUT) ? DEFAULT_HELD_OUT : undefined;
  else if (raw.heldOut !== 'none') {
    if (!existsSync(raw.heldOut)) throw new ConfigError('--held-out', raw.heldOut, 'file not found (build it with tools/dataset/build_dataset.py, or pass "none")');
    heldOut = raw.heldOut;
  }
  const noiseBandSeed =
    raw.noiseBandSeed === undefined
      ? base.seed === 0xffffffff ? base.seed - 1 : base.seed + 1
      : parseIntegerOption('--noise-band-seed', raw.noiseBandSeed, { min: 0, max: 0xffffffff });
  if (noiseBandSeed === base.seed) throw new ConfigError('--noise-band-seed', raw.noiseBandSeed, `must differ from --seed ${base.seed} (the noise band needs a disjoint set)`);
  const analyticSide = parseIntegerOption('--analytic-side', raw.analyticSide ?? String(EVAL_DEFAULTS.analyticSide), { min: 8, max: 256 });
  if ((analyticSide & (analyticSide - 1)) !== 0) throw new ConfigError('--analytic-side', raw.analyticSide, 'must be a power of two (the spectra use the FFT)');
  return {
    base,
    parts: EVAL_PARTS.filter((p) => parts.includes(p)),
    policies,
    samplers,
    resizers,
    images,
    matrixImages,
    labels: labelsFor(selection, images, classes.length),
    matrixLabels: labelsFor(selection, matrixImages, classes.length),
    analytic: {
      images: parseIntegerOption('--analytic-images', raw.analyticImages ?? String(EVAL_DEFAULTS.analyticImages), { min: 2, max: 4096 }),
      side: analyticSide,
      std: parseNumberOption('--analytic-std', raw.analyticStd ?? String(EVAL_DEFAULTS.analyticStd), { min: 0.01, max: 100 }),
    },
    ...(heldOut === undefined ? {} : { heldOut }),
    reference: {
      draws: parseIntegerOption('--reference-draws', raw.referenceDraws ?? String(EVAL_DEFAULTS.referenceDraws), { min: 1, max: 1000 }),
      seed: parseIntegerOption('--reference-seed', raw.referenceSeed ?? String(EVAL_DEFAULTS.referenceSeed), { min: 0, max: 0xffffffff }),
      multiple: 1,
    },
    noiseBandSeed,
    cacheDir: parseNameOption('--cache-dir', raw.cacheDir ?? EVAL_DEFAULTS.cacheDir),
    out: parseNameOption('--out', raw.out ?? EVAL_DEFAULTS.out),
    ...(raw.maxSets === undefined ? {} : { maxSets: parseIntegerOption('--max-sets', raw.maxSets, { min: 0, max: 100_000 }) }),
    sampleOnly: raw.sampleOnly === true,
    classes,
    progress: raw.progress !== false,
  };
}
