/**
 * Cancellation of one run. Unsubscribing (or disposing the Pipeline) sets the flag and aborts
 * the run's signal; the run checks the flag before every model call and between steps, stops
 * waiting for a pending asynchronous model call, then frees its tensors.
 */
import { UpshiftError } from '@upshift/core';
import type { Awaitable, Denoiser, DenoiserContext } from '@upshift/core';
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
  /**
   * Aborted with the {@link RunCancelledError} when the run is cancelled (see
   * {@link cancelRun}); passed to every denoiser call, so a denoiser that answers
   * asynchronously (a worker pool) drops the call's pending work.
   */
  readonly abort: AbortController;
}

/** A fresh, not cancelled {@link RunControl}. */
export function createRunControl(): RunControl {
  return { cancelled: undefined, abort: new AbortController() };
}

/** Cancels the run (the first reason wins) and aborts its pending denoiser calls. */
export function cancelRun(control: RunControl, reason: string): void {
  control.cancelled ??= new RunCancelledError(reason);
  if (!control.abort.signal.aborted) control.abort.abort(control.cancelled);
}

/** Throws the run's {@link RunCancelledError} if it was cancelled. */
export function throwIfCancelled(control: RunControl): void {
  if (control.cancelled !== undefined) throw control.cancelled;
}

/**
 * Settles with `pending`, or rejects with the run's cancellation as soon as the run is
 * cancelled; a result that arrives after that is disposed (nobody will own it).
 */
function raceCancellation(pending: Promise<Tensor4D>, control: RunControl): Promise<Tensor4D> {
  const signal = control.abort.signal;
  return new Promise<Tensor4D>((resolve, reject) => {
    const onAbort = (): void => reject(control.cancelled ?? signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (out) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) out.dispose();
        else resolve(out);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? (control.cancelled ?? error) : error);
      },
    );
  });
}

/**
 * Wraps a denoiser so that every call first checks `control` (a cancelled run makes no further
 * model call, even inside a multi-call step such as Heun's), passes the run's abort signal,
 * and stops waiting for an asynchronous answer the moment the run is cancelled.
 */
export function guardDenoiser(denoiser: Denoiser, control: RunControl): Denoiser {
  return {
    name: denoiser.name,
    channels: denoiser.channels,
    denoise(x: Tensor4D, sigma: number, ctx: DenoiserContext): Awaitable<Tensor4D> {
      throwIfCancelled(control);
      const out = denoiser.denoise(x, sigma, ctx, { signal: control.abort.signal });
      return out instanceof Promise ? raceCancellation(out, control) : out;
    },
    ...(denoiser.flops ? { flops: denoiser.flops.bind(denoiser) } : {}),
  };
}
