import type { SamplerState } from '@upshift/core';

/**
 * State of a one-step sampler (Euler, Heun, DDIM, DDPM, Euler-ancestral): it holds no tensors,
 * only the step count, so a level change needs nothing resized.
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
