/**
 * The JSON pipeline config: which plugins a run uses (by registered name) and their options,
 * validated with zod (diffusers `from_config` style: the config is data, the names select the
 * implementations). Plugin options stay `unknown` here: each factory validates its own and
 * names the field as `<kind>Options.<field>`.
 */
import { z } from 'zod';
import { ConfigError } from '@upshift/core';
import type { GuidanceInterval } from './guidance-plan.js';

/** How the fresh noise of an exact up step is drawn. */
export type UpshiftNoise = 'coupled' | 'fresh';

const name = (field: string) => z.string(`${field} must be a plugin name (a string)`).trim().min(1, `${field} must be a non-empty plugin name`);
const positiveInt = (what: string) =>
  z
    .number(`${what} must be a number`)
    .int(`${what} must be an integer`)
    .min(1, `${what} must be >= 1`);
const label = z.number('a class label must be an integer >= 0 or null').int('a class label must be an integer').min(0, 'a class label must be >= 0');

/**
 * The zod schema of a complete {@link PipelineConfig}. Unknown keys are rejected (a typo such as
 * `stpes` is an error, not a silent default). Use {@link parsePipelineConfig} to get
 * {@link ConfigError}s naming the field and value instead of zod issues.
 */
export const PipelineConfigSchema = z
  .strictObject({
    model: name('model'),
    modelOptions: z.unknown().optional(),
    sampler: name('sampler'),
    samplerOptions: z.unknown().optional(),
    schedule: name('schedule'),
    scheduleOptions: z.unknown().optional(),
    policy: name('policy'),
    policyOptions: z.unknown().optional(),
    resizer: name('resizer'),
    resizerOptions: z.unknown().optional(),
    backend: name('backend'),
    steps: positiveInt('steps').max(10_000, 'steps must be <= 10000'),
    seed: z.number('seed must be a number').int('seed must be an integer').min(0, 'seed must be >= 0').max(0xffffffff, 'seed must be < 2^32'),
    batch: positiveInt('batch').max(4096, 'batch must be <= 4096'),
    resolution: z
      .strictObject({
        height: positiveInt('resolution.height'),
        width: positiveInt('resolution.width'),
      })
      .optional(),
    classLabels: z.union([label, z.null(), z.array(z.union([label, z.null()]))], 'classLabels must be a label, null or an array of labels / nulls').optional(),
    guidance: z.number('guidance must be a number').min(0, 'guidance must be >= 0').max(1000, 'guidance must be <= 1000').optional(),
    guidanceLevels: z
      .array(z.number('a guidance scale must be a number').min(0, 'a guidance scale must be >= 0').max(1000, 'a guidance scale must be <= 1000'), 'guidanceLevels must be an array of scales, one per level')
      .min(1, 'guidanceLevels must have at least one entry')
      .optional(),
    guidanceInterval: z
      .strictObject({
        sigmaMin: z.number('guidanceInterval.sigmaMin must be a number').min(0, 'guidanceInterval.sigmaMin must be >= 0').optional(),
        sigmaMax: z.number('guidanceInterval.sigmaMax must be a number').gt(0, 'guidanceInterval.sigmaMax must be > 0').optional(),
      }, 'guidanceInterval must be an object { sigmaMin?, sigmaMax? }')
      .optional(),
    afterUpshift: z.unknown().optional(),
    upshiftNoise: z.enum(['coupled', 'fresh'], 'upshiftNoise must be "coupled" or "fresh"').optional(),
    previews: z.boolean('previews must be true or false').optional(),
    workers: z
      .union(
        [z.literal('auto'), z.number('workers must be a number').int('workers must be an integer').min(1, 'workers must be >= 1').max(256, 'workers must be <= 256')],
        'workers must be "auto" or an integer in [1, 256]',
      )
      .optional(),
  })
  .superRefine((config, ctx) => {
    const interval = config.guidanceInterval;
    if (interval?.sigmaMin !== undefined && interval.sigmaMax !== undefined && !(interval.sigmaMin < interval.sigmaMax)) {
      ctx.addIssue({ code: 'custom', path: ['guidanceInterval', 'sigmaMax'], message: `must be above sigmaMin (${interval.sigmaMin})` });
    }
    const labels = config.classLabels;
    if (Array.isArray(labels) && labels.length !== config.batch) {
      ctx.addIssue({ code: 'custom', path: ['classLabels'], message: `must have one label per batch item (batch = ${config.batch}), got ${labels.length}` });
    }
  });

/** A validated pipeline config (JSON-serialisable). */
export interface PipelineConfig {
  /** Denoiser factory name (`DenoiserFactory`), e.g. `"emoji-unet"`. */
  readonly model: string;
  readonly modelOptions?: unknown;
  /** Sampler factory name, e.g. `"euler"`, `"dpmpp-2m"`. */
  readonly sampler: string;
  readonly samplerOptions?: unknown;
  /** Schedule factory name, e.g. `"karras"`. */
  readonly schedule: string;
  readonly scheduleOptions?: unknown;
  /** Upshift policy name, e.g. `"none"`, `"pyramid"`, `"adaptive"`. */
  readonly policy: string;
  readonly policyOptions?: unknown;
  /** Resizer name, e.g. `"box-exact"`. */
  readonly resizer: string;
  readonly resizerOptions?: unknown;
  /** `"auto"` or a registered backend provider name (`"cpu"`, `"wasm"`, `"webgpu"`). */
  readonly backend: string;
  /** Sampler steps (the sigma grid has `steps + 1` values). Integer >= 1. */
  readonly steps: number;
  /** Noise seed, integer in [0, 2^32). */
  readonly seed: number;
  /** Images per run, integer >= 1. */
  readonly batch: number;
  /** Target (level 0) resolution; default the model's native resolution, else 64 x 64. */
  readonly resolution?: { readonly height: number; readonly width: number };
  /** One label for all, `null` (unconditional) or one per batch item. Default null. */
  readonly classLabels?: number | null | readonly (number | null)[];
  /** Classifier-free guidance scale w (1 = none). */
  readonly guidance?: number;
  /** Guidance scale per level (index = level); levels beyond the list use `guidance`. */
  readonly guidanceLevels?: readonly number[];
  /**
   * Guidance only on steps whose full-resolution starting sigma is in `(sigmaMin, sigmaMax]`
   * (Kynkäänniemi et al. 2024); other steps run unguided (one model call, half the FLOPs).
   */
  readonly guidanceInterval?: GuidanceInterval;
  /**
   * Stochastic steps right after each upshift (`{ steps, mode: 'ancestral' | 'churn', eta, churn }`,
   * validated by `@upshift/samplers`' `resolveAfterUpshiftOptions`); absent = none.
   */
  readonly afterUpshift?: unknown;
  /** `"coupled"` (default): up steps reuse the run's initial noise; `"fresh"`: draw new noise. */
  readonly upshiftNoise?: UpshiftNoise;
  /** Whether `step` events carry `preview` (the x0 estimate as plain data). Default false. */
  readonly previews?: boolean;
  /**
   * Threads the model calls run on: 1 (default) = this thread; N > 1 = a pool of N workers (each
   * with its own backend and model copy; see `@upshift/denoiser-pool`); `"auto"` = one worker per
   * core when there is more than one. Never more workers than rows of one model call (the batch,
   * doubled by guidance); the `start` event says how many ran.
   */
  readonly workers?: WorkerSetting;
}

/** The `workers` setting: `"auto"` or a worker count. */
export type WorkerSetting = 'auto' | number;

/** Defaults filled in for fields a partial config leaves out. */
export const DEFAULT_PIPELINE_CONFIG: PipelineConfig = Object.freeze({
  model: 'emoji-unet',
  sampler: 'euler',
  schedule: 'karras',
  policy: 'none',
  resizer: 'box-exact',
  backend: 'auto',
  steps: 30,
  seed: 0,
  batch: 1,
  classLabels: null,
  guidance: 2,
  upshiftNoise: 'coupled',
  previews: false,
  workers: 1,
});

const REQUIRED_FIELDS: ReadonlySet<string> = new Set(['model', 'sampler', 'schedule', 'policy', 'resizer', 'backend', 'steps', 'seed', 'batch']);

/** Options of {@link parsePipelineConfig}. */
export interface ParsePipelineConfigOptions {
  /**
   * Fill fields that are absent from the input from {@link DEFAULT_PIPELINE_CONFIG} (default
   * true). A field that is present but `undefined` is not filled: it is reported as missing.
   * With false every required field must be given.
   */
  readonly defaults?: boolean;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') || 'config';
}

function reasonOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined) return 'is required';
  const message = issue.message;
  // Our messages start with the field name ("steps must be ..."); keep only the reason.
  const field = fieldOf(issue.path);
  return message.startsWith(`${field} `) ? message.slice(field.length + 1) : message;
}

/** Converts the first zod issue into a {@link ConfigError} naming the field and value. */
function toConfigError(error: z.ZodError, input: unknown): ConfigError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const path = [...issue.path, key];
    return new ConfigError(fieldOf(path), valueAt(input, path), 'unknown field');
  }
  const value = valueAt(input, issue.path);
  return new ConfigError(fieldOf(issue.path), value, reasonOf(issue, value));
}

/**
 * Validates an untrusted config (JSON or a partial object) and returns a complete
 * {@link PipelineConfig} with defaults filled in.
 *
 * @throws ConfigError naming the first bad field and its value (`steps = 0: must be >= 1`,
 *   `model = undefined: is required`, `stpes = 3: unknown field`).
 */
export function parsePipelineConfig(input: unknown, options: ParsePipelineConfigOptions = {}): PipelineConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('config', input, 'must be an object');
  }
  const merged: Record<string, unknown> = options.defaults === false ? { ...input } : { ...DEFAULT_PIPELINE_CONFIG };
  if (options.defaults !== false) {
    for (const [k, v] of Object.entries(input)) {
      // An optional field given as undefined keeps its default; a required one is "missing".
      if (v === undefined && !REQUIRED_FIELDS.has(k)) continue;
      merged[k] = v;
    }
  }
  const result = PipelineConfigSchema.safeParse(merged);
  if (!result.success) throw toConfigError(result.error, merged);
  return result.data as PipelineConfig;
}

/** The per-item class labels of a config (`null` entries = unconditional). */
export function classLabelsOf(config: PipelineConfig): (number | null)[] {
  const labels = config.classLabels;
  if (Array.isArray(labels)) return [...(labels as (number | null)[])];
  return new Array<number | null>(config.batch).fill((labels ?? null) as number | null);
}
