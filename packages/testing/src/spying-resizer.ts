/**
 * A test wrapper around a {@link Resizer} that keeps a copy of the latent produced by the last
 * `resize` (so a test can inspect the state right after an upshift) and counts `resizeSignal`
 * calls (so a test can tell history was resized rather than dropped).
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Latent, ResizeContext, Resizer } from '@upshift/core';

/** A resizer that records what the wrapped one did. Call `dispose()` to free `last`. */
export interface SpyingResizer extends Resizer {
  /** A clone of the latent returned by the last `resize` (owned by the spy), or null. */
  readonly last: Latent | null;
  /** Number of `resizeSignal` calls so far. */
  readonly signalResizes: number;
  /** Frees the kept copy. */
  dispose(): void;
}

/** Wraps `inner`; behaviour is unchanged, only recorded. */
export function spyOnResizer(inner: Resizer): SpyingResizer {
  let last: Latent | null = null;
  let signalResizes = 0;
  return {
    name: inner.name,
    downOperator: inner.downOperator,
    exact: inner.exact,
    get last() {
      return last;
    },
    get signalResizes() {
      return signalResizes;
    },
    resizeSignal(x: Tensor4D, from: number, to: number): Tensor4D {
      signalResizes++;
      return inner.resizeSignal(x, from, to);
    },
    resize(latent: Latent, toLevel: number, ctx: ResizeContext): Latent {
      const out = inner.resize(latent, toLevel, ctx);
      last?.x.dispose();
      last = { ...out, x: out.x.clone() };
      return out;
    },
    dispose(): void {
      last?.x.dispose();
      last = null;
    },
  };
}
