/**
 * Validation of a run checkpoint (core `RunCheckpoint`, version 1) with zod, then the checks
 * that tie its parts together (shapes against the config, the plan against the steps, history
 * against the latent) and, optionally, against what the caller expects (model, config,
 * channels). Every failure is a `CheckpointError` naming the field inside the checkpoint and
 * its value, before any tensor is made.
 */
import { z } from 'zod';
import { CHECKPOINT_VERSION, CheckpointError, ConfigError, checkSamplerStateData, describeValue, restoreNoiseSource } from '@upshift/core';
import type { ModelIdentity, RunCheckpoint, SamplerStateData, TensorData } from '@upshift/core';
import { parsePipelineConfig } from './pipeline-config.js';
import type { PipelineConfig } from './pipeline-config.js';

/** What a checkpoint must match, beyond being well formed. */
export interface CheckpointExpectations {
  /** The model it must belong to: the same name, and the same hash when both have one. */
  readonly model?: { readonly name: string; readonly hash?: string | null };
  /**
   * A pipeline config (JSON, defaults filled in) the checkpoint must continue: every field but
   * `backend`, `previews` and `workers` must be equal (`resolution` only when given).
   */
  readonly config?: unknown;
  /** Channels of the model's images (the latents' last dimension). */
  readonly channels?: number;
}

/** Config fields a resumed run may change: they do not affect the image. */
export const RESUME_MUTABLE_CONFIG_FIELDS: readonly string[] = ['backend', 'previews', 'workers'];

const finite = z.number('must be a number').refine(Number.isFinite, 'must be a finite number');
const nonNegative = finite.refine((v) => v >= 0, 'must be >= 0');
const int = (min: number) => z.number('must be a number').int('must be an integer').min(min, `must be >= ${min}`);
const uint32 = int(0).max(0xffffffff, 'must be < 2^32');

const tensorSchema = z.strictObject({
  shape: z.array(int(0), 'must be an array of integers'),
  data: z.instanceof(Float32Array, { error: 'must be float32 data' }),
});
const noiseSchema = z.strictObject({
  algorithm: z.literal('xoshiro128**', 'must be "xoshiro128**"'),
  seed: uint32,
  words: z.tuple([uint32, uint32, uint32, uint32], 'must be 4 integers in [0, 2^32)'),
  spare: finite.nullable(),
});
const causeSchema = z.union([z.literal('plan'), z.strictObject({ hook: z.string('must be a hook name').min(1, 'must be a hook name') })], 'must be "plan" or { hook }');
const plannedStepSchema = z.looseObject({ index: int(0), sigma: nonNegative, sigmaNext: nonNegative, level: int(0), flops: nonNegative });
const recordSchema = z.strictObject({ level: int(0), flops: nonNegative, ms: nonNegative, modelCalls: int(0) });

const samplerStateSchema: z.ZodType<SamplerStateData> = z.lazy(() =>
  z.strictObject({
    kind: z.string('must be a sampler name'),
    stepIndex: int(0),
    fields: z.record(z.string(), z.union([finite, z.string(), z.boolean(), z.null()], 'must be a finite number, string, boolean or null')),
    tensors: z.record(z.string(), tensorSchema),
    inner: samplerStateSchema.optional(),
  }),
);

/** The zod schema of a {@link RunCheckpoint} in memory (tensors as Float32Array). */
export const RunCheckpointSchema = z.strictObject({
  version: z.literal(CHECKPOINT_VERSION, `this build reads version ${CHECKPOINT_VERSION} only`),
  index: int(0),
  config: z.record(z.string(), z.unknown(), 'must be a pipeline config object'),
  plan: z.looseObject({
    policy: z.string('must be a policy name'),
    steps: z.array(plannedStepSchema, 'must be an array of planned steps'),
    flops: nonNegative,
    fullResolutionFlops: nonNegative,
    flopFraction: nonNegative,
  }),
  model: z.strictObject({ name: z.string('must be a model name'), hash: z.string('must be a hash string or null').nullable() }),
  backend: z.string('must be a backend name'),
  latent: z.strictObject({ level: int(0), sigma: finite.refine((v) => v > 0, 'must be > 0'), x: tensorSchema }),
  next: z.strictObject({ level: int(0), cause: causeSchema }),
  denoised: tensorSchema.nullable(),
  sampler: samplerStateSchema,
  noise: z.strictObject({ resizer: noiseSchema, sampler: noiseSchema }),
  hooks: z.array(z.strictObject({ name: z.string('must be a hook name'), state: z.unknown() })),
  records: z.array(recordSchema),
});

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** `checkpoint.a.b[2].c` from a path. */
export function checkpointField(path: readonly PropertyKey[]): string {
  return ['checkpoint', ...path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))].join('.').replace(/\.\[/g, '[');
}

function fail(path: readonly PropertyKey[], value: unknown, reason: string): never {
  throw new CheckpointError(checkpointField(path), value instanceof Float32Array ? `Float32Array(${value.length})` : value, reason);
}

/** Re-throws a ConfigError from a helper as a CheckpointError under `checkpoint.<prefix>`. */
export function asCheckpointError(error: unknown, prefix: string): never {
  if (error instanceof CheckpointError) throw error;
  if (error instanceof ConfigError) {
    const field = error.field.startsWith('checkpoint.') ? error.field : `checkpoint.${prefix}${prefix && error.field ? '.' : ''}${error.field}`;
    throw new CheckpointError(field, error.value, error.reason);
  }
  throw error;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function checkFinite(t: TensorData, path: readonly PropertyKey[]): void {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== size) fail([...path, 'data'], `${t.data.length} values`, `shape ${shapeText(t.shape)} needs ${size} values`);
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i]!)) fail([...path, 'data'], `${t.data[i]} at [${i}]`, 'must hold finite values only (corrupt checkpoint)');
  }
}

/** Canonical JSON (sorted keys) for comparing config values. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Checks that the checkpoint's config (`saved`, validated) continues `wanted` (validated): the
 * same value in every field but {@link RESUME_MUTABLE_CONFIG_FIELDS}; `resolution` only when
 * `wanted` has one.
 *
 * @throws CheckpointError naming `checkpoint.config.<field>`, the checkpoint's value and the run's.
 */
export function checkConfigContinues(saved: PipelineConfig, wanted: PipelineConfig): void {
  const keys = new Set([...Object.keys(saved), ...Object.keys(wanted)]);
  for (const key of [...keys].sort()) {
    if (RESUME_MUTABLE_CONFIG_FIELDS.includes(key)) continue;
    if (key === 'resolution' && wanted.resolution === undefined) continue;
    const a = (saved as unknown as Record<string, unknown>)[key];
    const b = (wanted as unknown as Record<string, unknown>)[key];
    if (canonical(a) !== canonical(b)) fail(['config', key], a, `does not match the run's ${key} = ${describeValue(b)}`);
  }
}

/**
 * Checks that `model` is the checkpoint's model: same name; same hash when both are known.
 *
 * @throws CheckpointError naming `checkpoint.model.name` or `checkpoint.model.hash`.
 */
export function checkModelIdentity(saved: ModelIdentity, model: { readonly name: string; readonly hash?: string | null }): void {
  if (saved.name !== model.name) fail(['model', 'name'], saved.name, `was made with another model than this run's "${model.name}"`);
  const hash = model.hash ?? null;
  if (saved.hash !== null && hash !== null && saved.hash !== hash) {
    fail(['model', 'hash'], saved.hash, `the model's weights or config differ (this run's model is ${hash})`);
  }
}

/**
 * Validates an untrusted checkpoint in memory (tensors as Float32Array) and, when given, that
 * it matches `expectations`. Returns it typed; makes no tensors.
 *
 * @throws CheckpointError naming the first bad field (`checkpoint.latent.x.shape = [1, 8, 8, 3]:
 *   must be [1, 16, 16, 3] ...`) — also for another version, a wrong model or a config mismatch.
 */
export function validateCheckpoint(input: unknown, expectations: CheckpointExpectations = {}): RunCheckpoint {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail([], input, 'must be a checkpoint object');
  const version = (input as Record<string, unknown>)['version'];
  if (version !== CHECKPOINT_VERSION) fail(['version'], version, `this build reads checkpoint version ${CHECKPOINT_VERSION} only`);
  const parsed = RunCheckpointSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') fail([...issue.path, issue.keys[0]!], valueAt(input, [...issue.path, issue.keys[0]!]), 'unknown field');
    const value = valueAt(input, issue.path);
    fail(issue.path, value, value === undefined ? 'is required' : issue.message);
  }
  const cp = parsed.data as unknown as RunCheckpoint;

  let config: PipelineConfig;
  try {
    config = parsePipelineConfig(cp.config, { defaults: false });
  } catch (error) {
    asCheckpointError(error, 'config');
  }
  if (config.resolution === undefined) fail(['config', 'resolution'], undefined, 'is required in a checkpoint (the resolution the run used)');
  const { height, width } = config.resolution;
  const steps = config.steps;

  // The plan and the step counters.
  if (cp.plan.steps.length !== steps) fail(['plan', 'steps'], `${cp.plan.steps.length} steps`, `config.steps is ${steps}`);
  cp.plan.steps.forEach((s, i) => {
    if (s.index !== i) fail(['plan', 'steps', i, 'index'], s.index, `must be ${i}`);
  });
  if (cp.plan.policy !== config.policy) fail(['plan', 'policy'], cp.plan.policy, `config.policy is "${config.policy}"`);
  if (cp.index >= steps) fail(['index'], cp.index, `must be < config.steps (${steps}): a finished run has no checkpoint`);
  if (cp.records.length !== cp.index) fail(['records'], `${cp.records.length} records`, `must hold one record per step done (${cp.index})`);
  // The state's kind is checked against the run's sampler when it is restored (a user sampler
  // may wrap a built-in one and keep its state, so the kind need not be config.sampler).
  if (cp.sampler.stepIndex !== cp.index) fail(['sampler', 'stepIndex'], cp.sampler.stepIndex, `must equal index (${cp.index})`);
  try {
    checkSamplerStateData(cp.sampler, undefined, 'sampler');
    restoreNoiseSource(cp.noise.resizer, 'noise.resizer');
    restoreNoiseSource(cp.noise.sampler, 'noise.sampler');
  } catch (error) {
    asCheckpointError(error, '');
  }

  // Shapes: the latent at its level, the history and the x0 estimate like it.
  const k = cp.latent.level;
  const f = 2 ** k;
  if (height % f !== 0 || width % f !== 0) fail(['latent', 'level'], k, `resolution ${height}x${width} is not divisible by 2^${k}`);
  const x = cp.latent.x;
  const channels = expectations.channels ?? x.shape[3];
  const expected = [config.batch, height / f, width / f, channels ?? 0];
  if (!sameShape(x.shape, expected) || !(expected[3]! >= 1)) {
    fail(['latent', 'x', 'shape'], x.shape, `must be ${shapeText(expected)} (batch ${config.batch}, ${height}x${width} at level ${k}${expectations.channels === undefined ? '' : `, ${expectations.channels} channels`})`);
  }
  checkFinite(x, ['latent', 'x']);
  const changes = cp.next.level !== k;
  if (changes && cp.denoised === null) fail(['denoised'], null, `is required when the next step changes level (${k} -> ${cp.next.level})`);
  if (!changes && cp.denoised !== null) fail(['denoised'], 'tensor data', 'must be null when the next step keeps the level');
  if (cp.denoised !== null) {
    if (!sameShape(cp.denoised.shape, x.shape)) fail(['denoised', 'shape'], cp.denoised.shape, `must be the latent's ${shapeText(x.shape)}`);
    checkFinite(cp.denoised, ['denoised']);
  }
  const samplerPath: string[] = ['sampler'];
  for (let d: SamplerStateData | undefined = cp.sampler; d !== undefined; d = d.inner, samplerPath.push('inner')) {
    for (const [name, t] of Object.entries(d.tensors)) {
      if (!sameShape(t.shape, x.shape)) fail([...samplerPath, 'tensors', name, 'shape'], t.shape, `must be the latent's ${shapeText(x.shape)}`);
      checkFinite(t, [...samplerPath, 'tensors', name]);
    }
  }

  if (expectations.model !== undefined) checkModelIdentity(cp.model, expectations.model);
  if (expectations.config !== undefined) {
    let wanted: PipelineConfig;
    try {
      wanted = parsePipelineConfig(expectations.config);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`expectations.config.${error.field}`, error.value, error.reason);
      throw error;
    }
    checkConfigContinues(config, wanted);
  }
  return cp;
}
