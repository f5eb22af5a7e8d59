/**
 * The sampling settings a model recommends (`config.json` -> `sampling`), measured on that model
 * (diffusers ships a scheduler config with each model for the same reason: the best sampler,
 * step count, guidance and, here, upshift plan depend on the weights). Apps fill every field the
 * user did not set from it (`withRecommendedSampling` in @upshift/pipeline). The fields are
 * pipeline config fields; their values are checked again by the pipeline (plugin names and
 * options) when a run starts.
 */
import { z } from 'zod';
import { ConfigError } from '@upshift/core';

const options = (field: string) => z.record(z.string(), z.unknown(), `${field} must be an object`).optional();
const name = (field: string) => z.string(`${field} must be a plugin name (a string)`).trim().min(1, `${field} must be a non-empty plugin name`).optional();
const scale = z.number('a guidance scale must be a number').min(0, 'a guidance scale must be >= 0').max(1000, 'a guidance scale must be <= 1000');

/** The zod schema of {@link RecommendedSampling} (unknown fields are errors). */
export const RecommendedSamplingSchema = z.strictObject({
  sampler: name('sampler'),
  samplerOptions: options('samplerOptions'),
  schedule: name('schedule'),
  scheduleOptions: options('scheduleOptions'),
  steps: z.number('steps must be a number').int('steps must be an integer').min(1, 'steps must be >= 1').max(10_000, 'steps must be <= 10000').optional(),
  guidance: scale.optional(),
  guidanceLevels: z.array(scale, 'guidanceLevels must be an array of scales').min(1, 'guidanceLevels must have at least one entry').optional(),
  guidanceInterval: z
    .strictObject(
      {
        sigmaMin: z.number('guidanceInterval.sigmaMin must be a number').min(0, 'guidanceInterval.sigmaMin must be >= 0').optional(),
        sigmaMax: z.number('guidanceInterval.sigmaMax must be a number').gt(0, 'guidanceInterval.sigmaMax must be > 0').optional(),
      },
      'guidanceInterval must be an object { sigmaMin?, sigmaMax? }',
    )
    .optional(),
  policy: name('policy'),
  policyOptions: options('policyOptions'),
  resizer: name('resizer'),
  resizerOptions: options('resizerOptions'),
  upshiftNoise: z.enum(['coupled', 'fresh'], 'upshiftNoise must be "coupled" or "fresh"').optional(),
  afterUpshift: options('afterUpshift'),
  /** Where the measurement behind the recommendation is documented. */
  measured: z.string('measured must be a string').optional(),
});

/** Sampling settings recommended by a model (all optional; pipeline config fields). */
export type RecommendedSampling = z.infer<typeof RecommendedSamplingSchema>;

/**
 * Validates a `sampling` block.
 *
 * @throws ConfigError naming `sampling.<field>` and the value (e.g. `sampling.steps = 0: must be >= 1`).
 */
export function parseRecommendedSampling(value: unknown, field = 'sampling'): RecommendedSampling {
  const result = RecommendedSamplingSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  let v: unknown = value;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  const at = [field, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
  const local = path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
  const reason = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message.startsWith(`${local} `) ? issue.message.slice(local.length + 1) : issue.message;
  throw new ConfigError(path.length ? at : field, v, reason);
}
