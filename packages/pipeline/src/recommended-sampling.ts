/**
 * A model's recommended sampling settings (`config.json` -> `sampling`, `@upshift/models`) under
 * a user's config: what the user set wins, the model's recommendation fills the rest, and the
 * pipeline's defaults fill whatever is left (at `parsePipelineConfig`). A user who picks another
 * plugin (sampler, schedule, policy, resizer) does not inherit the options the model recommends
 * for its own choice; a user who sets `guidance` does not inherit the model's per-level scales.
 */
import type { PipelineConfig } from './pipeline-config.js';

/** Pipeline config fields a model may recommend. */
export const RECOMMENDABLE_FIELDS = [
  'sampler',
  'samplerOptions',
  'schedule',
  'scheduleOptions',
  'steps',
  'guidance',
  'guidanceLevels',
  'guidanceInterval',
  'policy',
  'policyOptions',
  'resizer',
  'resizerOptions',
  'upshiftNoise',
  'afterUpshift',
] as const;

/** A recommendable field. */
export type RecommendableField = (typeof RECOMMENDABLE_FIELDS)[number];

/** Fields that belong to another: the recommended options only go with the recommended plugin. */
const OWNED_BY: Readonly<Partial<Record<RecommendableField, RecommendableField>>> = {
  samplerOptions: 'sampler',
  scheduleOptions: 'schedule',
  policyOptions: 'policy',
  resizerOptions: 'resizer',
  guidanceLevels: 'guidance',
};

/**
 * `config` with every recommendable field it leaves undefined taken from `recommended` (unless
 * the user set the field that owns it to something else; see the module comment). Fields other
 * than the recommendable ones are never taken from `recommended`.
 */
export function withRecommendedSampling<C extends Readonly<Record<string, unknown>>>(config: C, recommended: Readonly<Record<string, unknown>> | undefined): C & Partial<PipelineConfig> {
  if (recommended === undefined) return config as C & Partial<PipelineConfig>;
  const out: Record<string, unknown> = { ...config };
  for (const field of RECOMMENDABLE_FIELDS) {
    if (out[field] !== undefined || recommended[field] === undefined) continue;
    const owner = OWNED_BY[field];
    if (owner !== undefined && out[owner] !== undefined && out[owner] !== recommended[owner]) continue;
    out[field] = recommended[field];
  }
  return out as C & Partial<PipelineConfig>;
}
