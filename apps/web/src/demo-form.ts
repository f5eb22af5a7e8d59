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

/** Initial values: a smiley, the pyramid policy, 20 Euler steps, guidance 2, auto backend. */
export const DEFAULT_DEMO_FORM: DemoFormValues = {
  classLabel: '6',
  policy: 'pyramid',
  steps: '20',
  seed: '0',
  guidance: '2',
  budget: '0.5',
  backend: 'auto',
};

function number(field: string, raw: string, integer: boolean): number {
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ConfigError(field, raw, integer ? 'must be an integer' : 'must be a number');
  }
  return value;
}

/** The pipeline config of `values` (Euler sampler, Karras grid, exact box upshift: the defaults). */
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
  };
}

/** The same run at full resolution (policy `none`): the reference of the paired comparison. */
export function fullResolutionConfig(config: Partial<PipelineConfig>): Partial<PipelineConfig> {
  const { policyOptions: _dropped, ...rest } = config;
  return { ...rest, policy: 'none' };
}
