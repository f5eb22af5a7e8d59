import { ConfigError, checkSamplerStateData } from '@upshift/core';
import type { SamplerState, SamplerStateData } from '@upshift/core';

/**
 * State of a one-step sampler (Euler, Heun, DDIM, DDPM, Euler-ancestral): it holds no tensors,
 * only the step count, so a level change needs nothing resized and a checkpoint saves one number.
 */
export interface StepCountState<K extends string = string> extends SamplerState {
  /** The sampler name. */
  readonly kind: K;
  /** Number of steps taken. */
  readonly stepIndex: number;
}

/** A fresh {@link StepCountState}. */
export function initStepCountState<K extends string>(kind: K): StepCountState<K> {
  return { kind, stepIndex: 0 };
}

/** The next {@link StepCountState}. */
export function nextStepCountState<K extends string>(state: StepCountState<K>): StepCountState<K> {
  return { kind: state.kind, stepIndex: state.stepIndex + 1 };
}

/** Saves a {@link StepCountState} (no tensors) for a checkpoint. */
export function saveStepCountState(state: StepCountState): Promise<SamplerStateData> {
  return Promise.resolve({ kind: state.kind, stepIndex: state.stepIndex, fields: {}, tensors: {} });
}

/**
 * Restores a {@link StepCountState} of sampler `kind` saved by {@link saveStepCountState}.
 *
 * @throws ConfigError naming `field.<key>` (wrong kind, bad stepIndex, unexpected fields).
 */
export function restoreStepCountState<K extends string>(kind: K, data: SamplerStateData, field = 'sampler'): StepCountState<K> {
  checkSamplerStateData(data, kind, field);
  if (data.inner !== undefined) throw new ConfigError(`${field}.inner`, data.inner.kind, `sampler "${kind}" wraps no other sampler`);
  for (const key of Object.keys(data.fields)) throw new ConfigError(`${field}.fields.${key}`, data.fields[key], `sampler "${kind}" keeps no such state`);
  for (const key of Object.keys(data.tensors)) throw new ConfigError(`${field}.tensors.${key}`, key, `sampler "${kind}" keeps no tensors`);
  return { kind, stepIndex: data.stepIndex };
}
