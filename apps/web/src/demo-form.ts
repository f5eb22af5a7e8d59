/**
 * The demo's controls as data: the raw form values (strings, as the DOM gives them), their
 * defaults, and the pipeline config they stand for. Numbers are parsed here (a field that is
 * not a number is a ConfigError naming the control); ranges are the pipeline's to check, so its
 * own ConfigErrors reach the page unchanged.
 */
import { ConfigError } from '@upshift/core';
import type { PipelineConfig } from '@upshift/pipeline';

/** The policies the demo offers, in menu order. */
export const DEMO_POLICIES = ['none', 'fixed', 'pyramid', 'spectral', 'budget'] as const;

/** One of {@link DEMO_POLICIES}. */
export type DemoPolicy = (typeof DEMO_POLICIES)[number];

/** Backend choices: `auto` picks the best one that runs here (webgpu > wasm > cpu). */
export const DEMO_BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;

/** The form's raw values. `classLabel` is an index, or `""` for unconditional. */
export interface DemoFormValues {
  readonly classLabel: string;
  readonly policy: string;
  readonly steps: string;
  readonly seed: string;
  readonly guidance: string;
  /** FLOP budget of the `budget` policy (its `fraction` option). */
  readonly budget: string;
  readonly backend: string;
}

/** The form fields that take the pipeline's own defaults. */
export type PipelineFormDefaults = Pick<PipelineConfig, 'seed' | 'guidance' | 'backend'>;

/**
 * Initial values: a smiley, the pyramid policy, 20 steps (short enough to watch), and the
 * pipeline's own defaults (`DEFAULT_PIPELINE_CONFIG`, which the worker sends with `ready`, so
 * the page need not load the pipeline) for seed, guidance and backend: a change of those
 * defaults shows here too. Sampler, schedule and resizer are not in the form: the pipeline's
 * defaults apply.
 */
export function demoFormDefaults(pipeline: PipelineFormDefaults): DemoFormValues {
  return {
    classLabel: '6',
    policy: 'pyramid',
    steps: '20',
    seed: String(pipeline.seed),
    guidance: String(pipeline.guidance ?? 1),
    budget: '0.5',
    backend: pipeline.backend,
  };
}

function number(field: string, raw: string, integer: boolean): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(field, raw, integer ? 'must be an integer' : 'must be a number');
  }
  return value;
}

/**
 * The pipeline config of `values` (sampler, schedule and resizer: the pipeline's defaults).
 * `previews` is on: the page draws every step's x0 estimate.
 */
export function configFromForm(values: DemoFormValues): Partial<PipelineConfig> {
  const policy = values.policy;
  if (!(DEMO_POLICIES as readonly string[]).includes(policy)) throw new ConfigError('policy', policy, `must be one of ${DEMO_POLICIES.join(', ')}`);
  const classLabels = values.classLabel === '' ? null : number('classLabels', values.classLabel, true);
  return {
    policy,
    ...(policy === 'budget' ? { policyOptions: { fraction: number('policyOptions.fraction', values.budget, false) } } : {}),
    steps: number('steps', values.steps, true),
    seed: number('seed', values.seed, true),
    guidance: number('guidance', values.guidance, false),
    classLabels,
    backend: values.backend,
    previews: true,
  };
}

/** The same run at full resolution (policy `none`): the reference of the paired comparison. */
export function fullResolutionConfig(config: Partial<PipelineConfig>): Partial<PipelineConfig> {
  const { policyOptions: _dropped, ...rest } = config;
  return { ...rest, policy: 'none' };
}
