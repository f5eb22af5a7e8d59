/**
 * The demo's controls as data: the raw form values (strings, as the DOM gives them), their
 * defaults, and the pipeline config they stand for. Numbers are parsed here (a field that is
 * not a number is a ConfigError naming the control); ranges are the pipeline's to check, so its
 * own ConfigErrors reach the page unchanged.
 */
import { ConfigError } from '@upshift/core';
import type { RecommendedSampling } from '@upshift/models';
import type { PipelineConfig } from '@upshift/pipeline';

/** The policies the demo offers, in menu order. */
export const DEMO_POLICIES = ['none', 'fixed', 'pyramid', 'spectral', 'budget', 'bottleneck'] as const;

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
  /**
   * Threads for the model calls: `auto` (the app's choice for this page: Web Workers when it is
   * not cross-origin isolated, see pipeline-worker.ts), or a count (1 = the pipeline worker only).
   */
  readonly workers: string;
}

/** The form's `workers` value that leaves the choice to the app. */
export const AUTO_WORKERS = 'auto';

/** The pipeline defaults the form shows. */
export type PipelineFormDefaults = Pick<PipelineConfig, 'policy' | 'steps' | 'seed' | 'guidance' | 'backend'>;

/** The policy the form starts with when neither the model nor the pipeline names one of {@link DEMO_POLICIES}. */
export const FALLBACK_DEMO_POLICY: DemoPolicy = 'pyramid';

/**
 * Initial values, from the same place the CLI takes them: the model's recommended sampling
 * (`config.json` -> `sampling`: policy, steps, guidance), then the pipeline's defaults
 * (`DEFAULT_PIPELINE_CONFIG`: seed, backend, and whatever the model leaves out). Both come from
 * the worker with `ready`, so the page loads neither package. Only the class (a smiley), the
 * budget fraction and the policy fallback are the demo's own. Fields the form does not show
 * (sampler, schedule, resizer, ...) are filled in the worker from the same two sources.
 */
export function demoFormDefaults(pipeline: PipelineFormDefaults, sampling: RecommendedSampling = {}): DemoFormValues {
  const policy = [sampling.policy, pipeline.policy].find((p): p is DemoPolicy => (DEMO_POLICIES as readonly (string | undefined)[]).includes(p));
  return {
    classLabel: '6',
    policy: policy ?? FALLBACK_DEMO_POLICY,
    steps: String(sampling.steps ?? pipeline.steps),
    seed: String(pipeline.seed),
    guidance: String(sampling.guidance ?? pipeline.guidance ?? 1),
    budget: '0.5',
    backend: pipeline.backend,
    workers: AUTO_WORKERS,
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
 * The pipeline config of `values` (sampler, schedule, resizer, ...: the worker fills them from
 * the model's recommendation, then the pipeline's defaults). `previews` is on: the page draws
 * every step's x0 estimate.
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
    ...(values.workers === AUTO_WORKERS ? {} : { workers: number('workers', values.workers, true) }),
    previews: true,
  };
}

/** The same run at full resolution (policy `none`): the reference of the paired comparison. */
export function fullResolutionConfig(config: Partial<PipelineConfig>): Partial<PipelineConfig> {
  const { policyOptions: _dropped, ...rest } = config;
  return { ...rest, policy: 'none' };
}
