/**
 * Classifier-free guidance (Ho & Salimans 2022, "Classifier-Free Diffusion Guidance", Eq. 6)
 * as a denoiser adapter: `D = D_uncond + w (D_cond - D_uncond)` with `w = ctx.guidance`.
 * Samplers never see guidance: they call one `Denoiser`. A model that implements
 * `ctx.guidance` itself (batching cond + uncond in one call, as @upshift/models does) needs no
 * adapter; `withGuidance` is the generic fallback for denoisers that do not, and makes two
 * calls per evaluation (one with the labels, one with every label null).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ConfigError, combineGuidance } from '@upshift/core';
import type { Denoiser, DenoiserContext, DenoiseOptions } from '@upshift/core';

/** A denoiser that applies guidance by combining two calls of `inner`. */
export interface GuidedDenoiser extends Denoiser {
  /** The wrapped denoiser. */
  readonly inner: Denoiser;
}

/** Whether a context asks for guidance (a scale other than 1). */
export function usesGuidance(ctx: DenoiserContext | undefined): boolean {
  return ctx?.guidance !== undefined && ctx.guidance !== 1;
}

/**
 * Wraps `denoiser` so that `ctx.guidance = w` (w != 1) is applied by two calls: conditional
 * (`ctx.classLabels`) and unconditional (all labels null), both with guidance 1. With w = 1
 * or no guidance it is one plain call.
 */
export function withGuidance(denoiser: Denoiser): GuidedDenoiser {
  return {
    name: `guided(${denoiser.name})`,
    channels: denoiser.channels,
    inner: denoiser,
    async denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext, options?: DenoiseOptions): Promise<tf.Tensor4D> {
      if (!usesGuidance(ctx)) return denoiser.denoise(x, sigma, ctx, options);
      const w = ctx.guidance!;
      if (!Number.isFinite(w)) throw new ConfigError('guidance', w, 'must be a finite number');
      const labels = ctx.classLabels ? ctx.classLabels.map(() => null) : null;
      // Both calls start before either is awaited: an asynchronous inner denoiser runs them at once.
      const call = (c: DenoiserContext): Promise<tf.Tensor4D> => {
        try {
          return Promise.resolve(denoiser.denoise(x, sigma, c, options));
        } catch (e) {
          return Promise.reject(e);
        }
      };
      const settled = await Promise.allSettled([call({ ...ctx, guidance: 1 }), call({ ...ctx, classLabels: labels, guidance: 1 })]);
      const [cond, uncond] = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      try {
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        return combineGuidance(cond!, uncond!, w);
      } finally {
        cond?.dispose();
        uncond?.dispose();
      }
    },
    flops(height: number, width: number, batch: number, ctx?: DenoiserContext): number {
      const calls = usesGuidance(ctx) ? 2 : 1;
      const one = denoiser.flops ? denoiser.flops(height, width, batch, { ...(ctx ?? { level: 0 }), guidance: 1 }) : height * width * batch;
      return calls * one;
    },
    ...(denoiser.dispose ? { dispose: () => denoiser.dispose!() } : {}),
  };
}
