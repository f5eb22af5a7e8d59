/**
 * A sampler's state as plain data (for run checkpoints). Sampler states are explicit typed
 * objects (`kind`, `stepIndex`, and fields that are JSON scalars or tensors), so one generic
 * form fits them all: scalar fields as JSON, tensor fields as {@link TensorData}. A sampler whose
 * state needs more implements `Sampler.saveState` / `restoreState` itself.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, UpshiftError, describeValue } from './errors.js';
import type { SamplerState } from './sampler.js';
import type { TensorData } from './tensor-data.js';
import { checkTensorData, readTensorData, tensorFromData } from './tensor-data.js';

/** A JSON scalar. */
export type JsonScalar = number | string | boolean | null;

/** A sampler state as plain data. */
export interface SamplerStateData {
  /** The sampler name the state belongs to. */
  readonly kind: string;
  /** Number of steps taken. */
  readonly stepIndex: number;
  /** Scalar fields (numbers finite; `null` also stands for an absent tensor). */
  readonly fields: Readonly<Record<string, JsonScalar>>;
  /** Tensor fields (float32), by name. */
  readonly tensors: Readonly<Record<string, TensorData>>;
  /** The state of a wrapped sampler, for wrappers (e.g. stochastic steps after an upshift). */
  readonly inner?: SamplerStateData;
}

/** The innermost sampler kind of (possibly wrapped) state data: the sampler the config names. */
export function innermostKind(data: SamplerStateData): string {
  let d = data;
  while (d.inner !== undefined) d = d.inner;
  return d.kind;
}

/**
 * Saves a state made of JSON scalars and float32 tensors (every built-in sampler's state). The
 * tensors are read (async), not disposed.
 *
 * @throws UpshiftError naming the field when the state holds anything else (a function, an
 *   object, a non-finite number): such a sampler must implement `saveState` itself.
 */
export async function saveSamplerState(state: SamplerState): Promise<SamplerStateData> {
  const fields: Record<string, JsonScalar> = {};
  const tensors: Record<string, TensorData> = {};
  for (const [key, value] of Object.entries(state)) {
    if (key === 'kind' || key === 'stepIndex') continue;
    if (value instanceof tf.Tensor) tensors[key] = await readTensorData(value, `sampler state "${state.kind}".${key}`);
    else if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) fields[key] = value;
    else {
      throw new UpshiftError(
        `sampler state "${state.kind}".${key} = ${describeValue(value)} cannot be saved in a checkpoint ` +
          '(only finite numbers, strings, booleans, null and float32 tensors); implement Sampler.saveState / restoreState',
      );
    }
  }
  return { kind: state.kind, stepIndex: state.stepIndex, fields, tensors };
}

/**
 * Checks the generic shape of {@link SamplerStateData} (`kind` `expectedKind`, `stepIndex` an
 * integer >= 0, scalar fields, tensor data).
 *
 * @throws ConfigError naming `field.<key>` and the value.
 */
export function checkSamplerStateData(data: unknown, expectedKind: string | undefined, field = 'sampler'): asserts data is SamplerStateData {
  if (data === null || typeof data !== 'object') throw new ConfigError(field, data, 'must be a saved sampler state');
  const d = data as Record<string, unknown>;
  if (typeof d['kind'] !== 'string') throw new ConfigError(`${field}.kind`, d['kind'], 'must be a sampler name');
  if (expectedKind !== undefined && d['kind'] !== expectedKind) throw new ConfigError(`${field}.kind`, d['kind'], `is not the run's sampler "${expectedKind}"`);
  const step = d['stepIndex'];
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new ConfigError(`${field}.stepIndex`, step, 'must be an integer >= 0');
  const fields = d['fields'];
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new ConfigError(`${field}.fields`, fields, 'must be an object');
  for (const [k, v] of Object.entries(fields)) {
    if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      throw new ConfigError(`${field}.fields.${k}`, v, 'must be a finite number, a string, a boolean or null');
    }
  }
  const tensors = d['tensors'];
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors)) throw new ConfigError(`${field}.tensors`, tensors, 'must be an object');
  for (const [k, v] of Object.entries(tensors)) {
    if (k in fields) throw new ConfigError(`${field}.tensors.${k}`, k, 'is also a scalar field');
    checkTensorData(v, `${field}.tensors.${k}`);
  }
  if (d['inner'] !== undefined) checkSamplerStateData(d['inner'], undefined, `${field}.inner`);
}

/**
 * Rebuilds a state saved by {@link saveSamplerState}: scalars as they were, tensors as new
 * tensors (the caller owns the state and frees it with the sampler's `disposeState`).
 *
 * @throws ConfigError naming `field.<key>` when the data is malformed or of another kind.
 */
export function restoreSamplerState<S extends SamplerState>(data: SamplerStateData, expectedKind: string, field = 'sampler'): S {
  checkSamplerStateData(data, expectedKind, field);
  if (data.inner !== undefined) throw new ConfigError(`${field}.inner`, data.inner.kind, `sampler "${expectedKind}" wraps no other sampler`);
  const out: Record<string, unknown> = { kind: data.kind, stepIndex: data.stepIndex, ...data.fields };
  const made: tf.Tensor[] = [];
  try {
    for (const [k, v] of Object.entries(data.tensors)) {
      const t = tensorFromData(v, `${field}.tensors.${k}`);
      made.push(t);
      out[k] = t;
    }
  } catch (error) {
    for (const t of made) t.dispose();
    throw error;
  }
  return out as unknown as S;
}
