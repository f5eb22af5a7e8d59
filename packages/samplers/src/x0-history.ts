/**
 * The history multistep DPM-Solver++ samplers keep: the previous step's x0 estimate and its
 * step size in logSNR/2 (`h = ln(sigma / sigma')`). An x0 estimate is clean signal, so across a
 * level change it can be moved with `resizer.resizeSignal` (D going down, U = 4 D^T going up);
 * step sizes are ratios of sigmas and do not change with the level. The alternative is to drop
 * the history, so the next step is first order (DPM-Solver++(1) = DDIM).
 */
import type { Rank, Tensor4D } from '@tensorflow/tfjs-core';
import { ConfigError, checkSamplerStateData, readTensorData, tensorFromData } from '@upshift/core';
import type { LevelChange, Resizer, SamplerState, SamplerStateData } from '@upshift/core';

/** What to do with the x0 history on a level change. */
export type HistoryOnLevelChange = 'resize' | 'first-order';

/** Choices of {@link HistoryOnLevelChange}. */
export const HISTORY_ON_LEVEL_CHANGE: readonly HistoryOnLevelChange[] = ['resize', 'first-order'];

/** A sampler state with one step of x0 history. */
export interface X0HistoryState<K extends string = string> extends SamplerState {
  /** The sampler name. */
  readonly kind: K;
  /** Number of steps taken. */
  readonly stepIndex: number;
  /** The previous step's x0 estimate at the current level, or null (first step / dropped). */
  readonly previousDenoised: Tensor4D | null;
  /** The previous step's `h = ln(sigma / sigma')`, or null. */
  readonly previousStepSize: number | null;
}

/** A fresh history state. */
export function initX0History<K extends string>(kind: K): X0HistoryState<K> {
  return { kind, stepIndex: 0, previousDenoised: null, previousStepSize: null };
}

/** Moves (or drops) the history for a level change; consumes `state`. */
export function x0HistoryOnLevelChange<K extends string>(
  state: X0HistoryState<K>,
  change: LevelChange,
  resizer: Resizer,
  mode: HistoryOnLevelChange,
): X0HistoryState<K> {
  const prev = state.previousDenoised;
  if (prev === null || change.from === change.to) return { ...state };
  if (mode === 'first-order') {
    prev.dispose();
    return { ...state, previousDenoised: null, previousStepSize: null };
  }
  const moved = resizer.resizeSignal(prev, change.from, change.to);
  if (moved !== prev) prev.dispose();
  return { ...state, previousDenoised: moved };
}

/** Frees the history tensor. */
export function disposeX0History(state: X0HistoryState): void {
  state.previousDenoised?.dispose();
}

/** Saves the history for a checkpoint (reads the tensor; the state stays the caller's). */
export async function saveX0History(state: X0HistoryState): Promise<SamplerStateData> {
  const prev = state.previousDenoised;
  return {
    kind: state.kind,
    stepIndex: state.stepIndex,
    fields: { previousStepSize: state.previousStepSize },
    tensors: prev === null ? {} : { previousDenoised: await readTensorData(prev, `sampler state "${state.kind}".previousDenoised`) },
  };
}

/**
 * Restores a history saved by {@link saveX0History} for sampler `kind` (a new tensor, owned by
 * the caller). The x0 estimate and its step size come together or not at all.
 *
 * @throws ConfigError naming `field.<key>` and the value.
 */
export function restoreX0History<K extends string>(kind: K, data: SamplerStateData, field = 'sampler'): X0HistoryState<K> {
  checkSamplerStateData(data, kind, field);
  if (data.inner !== undefined) throw new ConfigError(`${field}.inner`, data.inner.kind, `sampler "${kind}" wraps no other sampler`);
  for (const key of Object.keys(data.fields)) {
    if (key !== 'previousStepSize') throw new ConfigError(`${field}.fields.${key}`, data.fields[key], `sampler "${kind}" keeps no such state`);
  }
  for (const key of Object.keys(data.tensors)) {
    if (key !== 'previousDenoised') throw new ConfigError(`${field}.tensors.${key}`, key, `sampler "${kind}" keeps no such tensor`);
  }
  const h = data.fields['previousStepSize'] ?? null;
  if (h !== null && !(typeof h === 'number' && h > 0)) throw new ConfigError(`${field}.fields.previousStepSize`, h, 'must be a number > 0 or null');
  const prev = data.tensors['previousDenoised'];
  if ((prev === undefined) !== (h === null)) {
    throw new ConfigError(`${field}.fields.previousStepSize`, h, prev === undefined ? 'has no previousDenoised tensor to go with it' : 'must be set when previousDenoised is');
  }
  if (prev !== undefined && prev.shape.length !== 4) throw new ConfigError(`${field}.tensors.previousDenoised.shape`, prev.shape, 'must be NHWC (rank 4)');
  return {
    kind,
    stepIndex: data.stepIndex,
    previousDenoised: prev === undefined ? null : tensorFromData<Rank.R4>(prev, `${field}.tensors.previousDenoised`),
    previousStepSize: h,
  };
}
