/**
 * Helpers for this package's specs and benchmark (not exported from the barrel): a container
 * with every plugin, the cpu backend and the analytic "gaussian" model, and a denoiser wrapper
 * that counts calls and can fail on purpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { container as globalContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { DenoiserFactory } from '@upshift/core';
import type { Awaitable, Denoiser, DenoiserContext, DenoiseOptions } from '@upshift/core';
import { gaussianDenoiserFactory } from '@upshift/testing';
import { registerAll } from './register-all.js';

/** A container with every plugin package, only the cpu backend, and the "gaussian" model. */
export function createTestContainer(): DependencyContainer {
  const c = globalContainer.createChildContainer();
  registerAll(c, { backends: false });
  registerCpuBackend(c);
  c.register(DenoiserFactory, { useValue: gaussianDenoiserFactory });
  return c;
}

/** A small, fast config on the analytic model. */
export const TEST_CONFIG = Object.freeze({
  model: 'gaussian',
  backend: 'cpu',
  steps: 8,
  seed: 1,
  batch: 1,
  resolution: { height: 32, width: 32 },
});

/** One recorded denoiser call. */
export interface RecordedCall {
  readonly shape: readonly number[];
  readonly sigma: number;
  readonly level: number;
  /** The guidance scale of the call's context. */
  readonly guidance: number | undefined;
  /** Mean |x| of the input. */
  readonly meanAbs: number;
}

/** A denoiser that records its calls. */
export interface InstrumentedDenoiser extends Denoiser {
  readonly calls: RecordedCall[];
  disposed: boolean;
}

/** Wraps `inner`, recording calls; throws `new Error('boom')` on call number `failAt` (1-based). */
export function instrument(inner: Denoiser, failAt?: number): InstrumentedDenoiser {
  const calls: RecordedCall[] = [];
  const d: InstrumentedDenoiser = {
    name: `instrumented(${inner.name})`,
    channels: inner.channels,
    calls,
    disposed: false,
    denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext, options?: DenoiseOptions): Awaitable<tf.Tensor4D> {
      const meanAbs = tf.tidy(() => tf.mean(tf.abs(x)).dataSync()[0]!);
      calls.push({ shape: x.shape, sigma, level: ctx.level, guidance: ctx.guidance, meanAbs });
      if (failAt !== undefined && calls.length === failAt) throw new Error('boom');
      return inner.denoise(x, sigma, ctx, options);
    },
    ...(inner.flops ? { flops: inner.flops.bind(inner) } : {}),
    dispose(): void {
      d.disposed = true;
      inner.dispose?.();
    },
  };
  return d;
}
