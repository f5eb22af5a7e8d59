/**
 * The options `generate` and `compare` share: which plugins a run uses (by registered name),
 * their JSON options, and the run's numbers. Raw strings from commander become a partial
 * pipeline config here; the pipeline validates the rest (plugin names and option fields) and
 * its ConfigErrors name the config field. Sampling options the user leaves out come from the
 * model's recommendation (`config.json` -> `sampling`), then from the command's own fallbacks,
 * then from the pipeline's defaults.
 */
import type { Command } from 'commander';
import type { PipelineConfig } from '@upshift/pipeline';
import { DEFAULT_PIPELINE_CONFIG, withRecommendedSampling } from '@upshift/pipeline';
import { ConfigError } from '@upshift/core';
import { parseChoiceOption, parseIntegerOption, parseJsonObjectOption, parseNameOption, parseNumberOption, parseResolutionOption } from './option-values.js';

/** Raw option values as commander hands them over (strings, or undefined when absent). */
export interface RawPipelineOptions {
  readonly model?: string;
  readonly modelOptions?: string;
  readonly sampler?: string;
  readonly samplerOptions?: string;
  readonly schedule?: string;
  readonly scheduleOptions?: string;
  readonly policy?: string;
  readonly policyOptions?: string;
  readonly resizer?: string;
  readonly resizerOptions?: string;
  readonly backend?: string;
  readonly steps?: string;
  readonly seed?: string;
  readonly guidance?: string;
  readonly guidanceLevels?: string;
  readonly guidanceInterval?: string;
  readonly afterUpshift?: string;
  readonly resolution?: string;
  readonly upshiftNoise?: string;
  readonly workers?: string;
  readonly verbose?: boolean;
}

/**
 * The CLI's `--workers` default: a worker per core when the machine has more than one (the
 * library's default is 1, this thread).
 */
export const CLI_DEFAULT_WORKERS = 'auto';

/** "auto" or an integer in [1, 256]. */
export function parseWorkersOption(flag: string, raw: string): 'auto' | number {
  return raw.trim().toLowerCase() === 'auto' ? 'auto' : parseIntegerOption(flag, raw, { min: 1, max: 256 });
}

/** Pipeline fields the command line sets (labels and batch are set by each command). */
export type CliPipelineConfig = Omit<PipelineConfig, 'batch' | 'classLabels'>;

/**
 * A command's own fallbacks, used when neither the user nor the model sets the field. A command
 * whose results must not move when a model's recommendation changes (`eval`: its cached sets and
 * its page) sets `recommendation: 'ignore'` and gives every sampling setting here.
 */
export interface CommandFallbacks {
  readonly steps: number;
  readonly policy?: string;
  readonly sampler?: string;
  readonly schedule?: string;
  readonly resizer?: string;
  readonly guidance?: number;
  readonly upshiftNoise?: 'coupled' | 'fresh';
  /** 'use' (default): the model's recommended sampling fills what the user leaves out; 'ignore': only these fallbacks do. */
  readonly recommendation?: 'use' | 'ignore';
}

const RECOMMENDED = "the model's recommendation";

/** Adds the shared options; `policy` is left out for commands that take a list of policies. */
export function addPipelineOptions(cmd: Command, fallbacks: CommandFallbacks, withPolicy = true): Command {
  const d = DEFAULT_PIPELINE_CONFIG;
  const or = (value: unknown) => (fallbacks.recommendation === 'ignore' ? `(default: ${String(value)}; not the model's recommendation)` : `(default: ${RECOMMENDED}, else ${String(value)})`);
  cmd
    .option('--model <name>', 'denoiser (model) name', d.model)
    .option('--model-options <json>', 'model options as a JSON object, e.g. {"path":"./my-model"}')
    .option('--sampler <name>', `sampler: euler, heun, ddim, ddpm, euler-ancestral, dpmpp-2m, dpmpp-2m-sde ${or(fallbacks.sampler ?? d.sampler)}`)
    .option('--sampler-options <json>', 'sampler options as a JSON object')
    .option('--schedule <name>', `noise schedule: karras, exponential, vp-linear, vp-cosine, flow-matching ${or(fallbacks.schedule ?? d.schedule)}`)
    .option('--schedule-options <json>', 'schedule options as a JSON object');
  if (withPolicy) {
    cmd
      .option('--policy <name>', `upshift policy: none, fixed, pyramid, spectral, adaptive, budget, bottleneck, snr-matched ${or(fallbacks.policy ?? d.policy)}`)
      .option('--policy-options <json>', 'policy options as a JSON object, e.g. {"fraction":0.4}');
  }
  return cmd
    .option('--resizer <name>', `resizer: box-exact, dct-exact, detail-prior, bilinear ${or(fallbacks.resizer ?? d.resizer)}`)
    .option('--resizer-options <json>', 'resizer options as a JSON object')
    .option('--backend <name>', 'tfjs backend: auto, cpu, wasm, webgpu', d.backend)
    .option('--steps <n>', `sampler steps ${or(fallbacks.steps)}`)
    .option('--seed <n>', 'noise seed (integer in [0, 2^32))', String(d.seed))
    .option('--guidance <w>', `classifier-free guidance scale (1 = off) ${or(fallbacks.guidance ?? d.guidance)}`)
    .option('--guidance-levels <list>', 'guidance scale per level, comma-separated from level 0, e.g. "2,3" (others: --guidance)')
    .option('--guidance-interval <lo,hi>', 'guide only steps with sigma in (lo, hi] (full-resolution sigma), e.g. "0.3,5" or ",5"; "none" = every step')
    .option('--after-upshift <json>', 'stochastic steps after each upshift, e.g. {"steps":2,"mode":"churn"}; "none" = off')
    .option('--resolution <side>', 'target resolution, "64" or "64x32" (default: the model\'s)')
    .option('--upshift-noise <mode>', `noise of an exact up step: coupled (reuse the initial noise) or fresh ${or(fallbacks.upshiftNoise ?? d.upshiftNoise)}`)
    .option(
      '--workers <n>',
      'threads for the model calls: "auto" (a worker thread per core when there is more than one; same images bit for bit), a number, or 1 (this thread only)',
      CLI_DEFAULT_WORKERS,
    )
    .option('--verbose', "diagnostics: tfjs's warnings, Dawn's Vulkan messages, the backend's .wasm file");
}

function json(flag: string, raw: string | undefined): Record<string, unknown> | undefined {
  return raw === undefined ? undefined : parseJsonObjectOption(flag, raw);
}

/** "2,3,3" -> [2, 3, 3] (each a number in [0, 1000]). */
export function parseGuidanceLevelsOption(flag: string, raw: string): number[] {
  const parts = raw.split(',');
  if (parts.some((p) => p.trim() === '')) throw new ConfigError(flag, raw, 'must be comma-separated numbers, e.g. "2,3"');
  return parts.map((p) => parseNumberOption(flag, p.trim(), { min: 0, max: 1000 }));
}

/** "lo,hi" (either end may be empty) -> { sigmaMin?, sigmaMax? }. */
export function parseGuidanceIntervalOption(flag: string, raw: string): { sigmaMin?: number; sigmaMax?: number } {
  const parts = raw.split(',');
  if (parts.length !== 2 || parts.every((p) => p.trim() === '')) throw new ConfigError(flag, raw, 'must be "lo,hi" in full-resolution sigma, e.g. "0.3,5" or ",5"');
  const [lo, hi] = parts.map((p) => p.trim()) as [string, string];
  const out = {
    ...(lo === '' ? {} : { sigmaMin: parseNumberOption(flag, lo, { min: 0 }) }),
    ...(hi === '' ? {} : { sigmaMax: parseNumberOption(flag, hi, { min: 0 }) }),
  };
  if (out.sigmaMin !== undefined && out.sigmaMax !== undefined && !(out.sigmaMin < out.sigmaMax)) throw new ConfigError(flag, raw, 'lo must be below hi');
  return out;
}

/**
 * Converts the raw shared options into pipeline config fields (throws ConfigError naming the
 * flag): what the user gave, then the model's `recommended` sampling settings (unless
 * `fallbacks.recommendation` is 'ignore'), then `fallbacks`, then the pipeline's defaults.
 * `--guidance-interval none` and `--after-upshift none` turn a recommended interval /
 * stochastic steps off.
 */
export function resolvePipelineOptions(
  raw: RawPipelineOptions,
  fallbacks: CommandFallbacks = { steps: DEFAULT_PIPELINE_CONFIG.steps },
  recommended?: Readonly<Record<string, unknown>>,
): CliPipelineConfig {
  const d = DEFAULT_PIPELINE_CONFIG;
  const off = (v: string | undefined) => v !== undefined && v.trim().toLowerCase() === 'none';
  const given = <T>(value: string | undefined, parse: (v: string) => T): T | undefined => (value === undefined ? undefined : parse(value));
  const user: Record<string, unknown> = {
    model: parseNameOption('--model', raw.model ?? d.model),
    modelOptions: json('--model-options', raw.modelOptions),
    sampler: given(raw.sampler, (v) => parseNameOption('--sampler', v)),
    samplerOptions: json('--sampler-options', raw.samplerOptions),
    schedule: given(raw.schedule, (v) => parseNameOption('--schedule', v)),
    scheduleOptions: json('--schedule-options', raw.scheduleOptions),
    policy: given(raw.policy, (v) => parseNameOption('--policy', v)),
    policyOptions: json('--policy-options', raw.policyOptions),
    resizer: given(raw.resizer, (v) => parseNameOption('--resizer', v)),
    resizerOptions: json('--resizer-options', raw.resizerOptions),
    backend: parseNameOption('--backend', raw.backend ?? d.backend),
    steps: given(raw.steps, (v) => parseIntegerOption('--steps', v, { min: 1, max: 10_000 })),
    seed: parseIntegerOption('--seed', raw.seed ?? String(d.seed), { min: 0, max: 0xffffffff }),
    guidance: given(raw.guidance, (v) => parseNumberOption('--guidance', v, { min: 0, max: 1000 })),
    guidanceLevels: given(raw.guidanceLevels, (v) => parseGuidanceLevelsOption('--guidance-levels', v)),
    guidanceInterval: off(raw.guidanceInterval) ? undefined : given(raw.guidanceInterval, (v) => parseGuidanceIntervalOption('--guidance-interval', v)),
    afterUpshift: off(raw.afterUpshift) ? undefined : json('--after-upshift', raw.afterUpshift),
    upshiftNoise: given(raw.upshiftNoise, (v) => parseChoiceOption('--upshift-noise', v, ['coupled', 'fresh'] as const)),
    resolution: raw.resolution === undefined ? undefined : parseResolutionOption('--resolution', raw.resolution),
    workers: parseWorkersOption('--workers', raw.workers ?? CLI_DEFAULT_WORKERS),
  };
  for (const key of Object.keys(user)) if (user[key] === undefined) delete user[key];
  const merged: Record<string, unknown> = withRecommendedSampling(user, fallbacks.recommendation === 'ignore' ? undefined : recommended);
  if (off(raw.guidanceInterval)) delete merged['guidanceInterval'];
  if (off(raw.afterUpshift)) delete merged['afterUpshift'];
  const filled: Record<string, unknown> = {
    sampler: fallbacks.sampler ?? d.sampler,
    schedule: fallbacks.schedule ?? d.schedule,
    policy: fallbacks.policy ?? d.policy,
    resizer: fallbacks.resizer ?? d.resizer,
    steps: fallbacks.steps,
    guidance: fallbacks.guidance ?? d.guidance,
    upshiftNoise: fallbacks.upshiftNoise ?? d.upshiftNoise ?? 'coupled',
    ...merged,
  };
  return filled as unknown as CliPipelineConfig;
}
