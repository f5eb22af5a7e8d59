/**
 * A minimal sampling loop for tests and benchmarks: the same bookkeeping as the pipeline
 * (full-resolution sigma grid, per-step levels, sigma / 2^level at each level, resizer +
 * `onLevelChange` on a level switch) without DI, events or hooks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Denoiser, DenoiserContext, Latent, NoiseSource, Resizer, ResolutionLevel, Sampler, SamplerState } from '@upshift/core';

/** Inputs of {@link runSampler}. */
export interface RunSamplerOptions {
  readonly sampler: Sampler;
  readonly denoiser: Denoiser;
  /** Initial latent at `levels[0]` with per-pixel sigma `sigmas[0] / 2^levels[0]`. Not disposed. */
  readonly x: tf.Tensor4D;
  /** Full-resolution sigma grid (`steps + 1` values). */
  readonly sigmas: readonly number[];
  /** Level of each step (default: all 0). */
  readonly levels?: readonly ResolutionLevel[];
  /** Needed when `levels` change. */
  readonly resizer?: Resizer;
  readonly noise: NoiseSource;
  /** Conditioning (its `level` is overwritten per step). */
  readonly ctx?: Omit<DenoiserContext, 'level'>;
  /** Called after each step with the step's output (tensors valid during the call). */
  readonly onStep?: (index: number, latent: Latent, denoised: tf.Tensor4D) => void;
}

/** What {@link runSampler} returns: the final latent (caller owns `x`) and the call count. */
export interface RunSamplerResult {
  readonly latent: Latent;
  readonly modelCalls: number;
}

/** Runs a sampler over a grid. Frees everything it made, also when a step throws. */
export async function runSampler(o: RunSamplerOptions): Promise<RunSamplerResult> {
  const steps = o.sigmas.length - 1;
  const levels = o.levels ?? new Array<number>(steps).fill(0);
  const resizerNoise = o.noise.fork('resizer');
  const first = levels[0] ?? 0;
  let latent: Latent = { x: o.x.clone(), level: first, sigma: o.sigmas[0]! / 2 ** first };
  let state: SamplerState = o.sampler.initState();
  let modelCalls = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const level = levels[i]!;
      if (level !== latent.level) {
        if (!o.resizer) throw new Error('runSampler: levels change but no resizer was given');
        state = o.sampler.onLevelChange(state, { from: latent.level, to: level }, o.resizer);
        const moved = o.resizer.resize(latent, level, { noise: resizerNoise });
        latent.x.dispose();
        latent = moved;
      }
      const out = await o.sampler.step({
        denoiser: o.denoiser,
        latent,
        sigmaNext: o.sigmas[i + 1]! / 2 ** level,
        state,
        ctx: { ...o.ctx, level },
        noise: o.noise,
      });
      latent.x.dispose();
      latent = out.latent;
      state = out.state;
      modelCalls += out.modelCalls;
      try {
        o.onStep?.(i, latent, out.denoised);
      } finally {
        out.denoised.dispose();
      }
    }
  } catch (e) {
    latent.x.dispose();
    o.sampler.disposeState(state);
    throw e;
  }
  o.sampler.disposeState(state);
  return { latent, modelCalls };
}

