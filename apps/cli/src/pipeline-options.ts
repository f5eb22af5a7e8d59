/**
 * The options `generate` and `compare` share: which plugins a run uses (by registered name),
 * their JSON options, and the run's numbers. Raw strings from commander become a partial
 * pipeline config here; the pipeline validates the rest (plugin names and option fields) and
 * its ConfigErrors name the config field.
 */
import type { Command } from 'commander';
import type { PipelineConfig } from '@upshift/pipeline';
import { DEFAULT_PIPELINE_CONFIG } from '@upshift/pipeline';
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
  readonly resolution?: string;
  readonly upshiftNoise?: string;
}

/** Pipeline fields the command line sets (labels and batch are set by each command). */
export type CliPipelineConfig = Omit<PipelineConfig, 'batch' | 'classLabels'>;

/** Adds the shared options; `policy` is left out for commands that take a list of policies. */
export function addPipelineOptions(cmd: Command, defaults: { readonly steps: number; readonly policy?: string }, withPolicy = true): Command {
  const d = DEFAULT_PIPELINE_CONFIG;
  cmd
    .option('--model <name>', 'denoiser (model) name', d.model)
    .option('--model-options <json>', 'model options as a JSON object, e.g. {"path":"./my-model"}')
    .option('--sampler <name>', 'sampler: euler, heun, ddim, ddpm, euler-ancestral, dpmpp-2m, dpmpp-2m-sde', d.sampler)
    .option('--sampler-options <json>', 'sampler options as a JSON object')
    .option('--schedule <name>', 'noise schedule: karras, exponential, vp-linear, vp-cosine, flow-matching', d.schedule)
    .option('--schedule-options <json>', 'schedule options as a JSON object');
  if (withPolicy) {
    cmd
      .option('--policy <name>', 'upshift policy: none, fixed, pyramid, spectral, adaptive, budget, bottleneck', defaults.policy ?? d.policy)
      .option('--policy-options <json>', 'policy options as a JSON object, e.g. {"fraction":0.4}');
  }
  return cmd
    .option('--resizer <name>', 'resizer: box-exact, dct-exact, detail-prior, bilinear', d.resizer)
    .option('--resizer-options <json>', 'resizer options as a JSON object')
    .option('--backend <name>', 'tfjs backend: auto, cpu, wasm, webgpu', d.backend)
    .option('--steps <n>', 'sampler steps', String(defaults.steps))
    .option('--seed <n>', 'noise seed (integer in [0, 2^32))', String(d.seed))
    .option('--guidance <w>', 'classifier-free guidance scale (1 = off)', String(d.guidance))
    .option('--resolution <side>', 'target resolution, "64" or "64x32" (default: the model\'s)')
    .option('--upshift-noise <mode>', 'noise of an exact up step: coupled (reuse the initial noise) or fresh', d.upshiftNoise);
}

function json(flag: string, raw: string | undefined): Record<string, unknown> | undefined {
  return raw === undefined ? undefined : parseJsonObjectOption(flag, raw);
}

/** Converts the raw shared options into pipeline config fields (throws ConfigError naming the flag). */
export function resolvePipelineOptions(raw: RawPipelineOptions): CliPipelineConfig {
  const d = DEFAULT_PIPELINE_CONFIG;
  const config: Record<string, unknown> = {
    model: parseNameOption('--model', raw.model ?? d.model),
    modelOptions: json('--model-options', raw.modelOptions),
    sampler: parseNameOption('--sampler', raw.sampler ?? d.sampler),
    samplerOptions: json('--sampler-options', raw.samplerOptions),
    schedule: parseNameOption('--schedule', raw.schedule ?? d.schedule),
    scheduleOptions: json('--schedule-options', raw.scheduleOptions),
    policy: parseNameOption('--policy', raw.policy ?? d.policy),
    policyOptions: json('--policy-options', raw.policyOptions),
    resizer: parseNameOption('--resizer', raw.resizer ?? d.resizer),
    resizerOptions: json('--resizer-options', raw.resizerOptions),
    backend: parseNameOption('--backend', raw.backend ?? d.backend),
    steps: parseIntegerOption('--steps', raw.steps ?? String(d.steps), { min: 1, max: 10_000 }),
    seed: parseIntegerOption('--seed', raw.seed ?? String(d.seed), { min: 0, max: 0xffffffff }),
    guidance: parseNumberOption('--guidance', raw.guidance ?? String(d.guidance), { min: 0, max: 1000 }),
    upshiftNoise: parseChoiceOption('--upshift-noise', raw.upshiftNoise ?? d.upshiftNoise ?? 'coupled', ['coupled', 'fresh'] as const),
    resolution: raw.resolution === undefined ? undefined : parseResolutionOption('--resolution', raw.resolution),
  };
  for (const key of Object.keys(config)) if (config[key] === undefined) delete config[key];
  return config as unknown as CliPipelineConfig;
}
