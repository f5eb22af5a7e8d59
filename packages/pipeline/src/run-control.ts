/**
 * Cancellation of one run. Unsubscribing (or disposing the Pipeline) sets the flag; the run
 * checks it before every model call and between steps, then frees its tensors.
 */
import { UpshiftError } from '@upshift/core';
import type { Denoiser, DenoiserContext } from '@upshift/core';
import type { Tensor4D } from '@tensorflow/tfjs-core';

/** Ends a run that was cancelled; delivered only to subscribers still listening. */
export class RunCancelledError extends UpshiftError {
  constructor(readonly reason: string) {
    super(`Run cancelled: ${reason}`);
    this.name = 'RunCancelledError';
  }
}

/** The cancellation state of one run. */
export interface RunControl {
  /** Why the run was cancelled; undefined while it may go on. */
  cancelled: RunCancelledError | undefined;
}

/** Throws the run's {@link RunCancelledError} if it was cancelled. */
export function throwIfCancelled(control: RunControl): void {
  if (control.cancelled !== undefined) throw control.cancelled;
}

/**
 * Wraps a denoiser so that every call first checks `control` (a cancelled run makes no further
 * model call, even inside a multi-call step such as Heun's).
 */
export function guardDenoiser(denoiser: Denoiser, control: RunControl): Denoiser {
  return {
    name: denoiser.name,
    channels: denoiser.channels,
    denoise(x: Tensor4D, sigma: number, ctx: DenoiserContext): Tensor4D {
      throwIfCancelled(control);
      return denoiser.denoise(x, sigma, ctx);
    },
    ...(denoiser.flops ? { flops: denoiser.flops.bind(denoiser) } : {}),
  };
}
