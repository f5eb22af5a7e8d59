/**
 * A minimal upshifting sampling loop for tests of resizers and policies (the real runner is
 * @upshift/pipeline): start at the plan's first level from `sigma_max * z0` seen through the
 * resizer's down operator, move the latent whenever the plan's level changes (passing the
 * last x0 estimate and, when coupled, the run's own initial noise at the target level), then
 * take the sampler's step. Frees everything it allocates except the returned image.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Denoiser, Latent, NoiseSource, Resizer, Sampler, SamplerState } from '@upshift/core';

/** Inputs of {@link runUpshift}. */
export interface UpshiftRunInput<S extends SamplerState> {
  readonly denoiser: Denoiser;
  readonly sampler: Sampler<S>;
  readonly resizer: Resizer;
  /** Full-resolution sigma grid (steps + 1 values, last 0). */
  readonly sigmas: readonly number[];
  /** Level per step. */
  readonly levels: readonly number[];
  /** Initial full-resolution N(0, I) noise z0 (not disposed). */
  readonly initialNoise: Tensor4D;
  /** Fresh noise for resizers and stochastic samplers. */
  readonly noise: NoiseSource;
  /** Coupled upshift: pass `2^j D^j z0` (z0 seen at the target level j) as `targetNoise`. */
  readonly coupled: boolean;
}

/** Runs the loop and returns the final level-0 image (caller owns it). */
export async function runUpshift<S extends SamplerState>(input: UpshiftRunInput<S>): Promise<Tensor4D> {
  const { denoiser, sampler, resizer, sigmas, levels } = input;
  const first = levels[0] ?? 0;
  const start = tf.tidy(() => tf.mul(input.initialNoise, sigmas[0] as number) as Tensor4D);
  let latent: Latent = resizer.resize({ x: start, level: 0, sigma: sigmas[0] as number }, first, { noise: input.noise });
  start.dispose();
  let state = sampler.initState();
  let denoised: Tensor4D | undefined;
  try {
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as number;
      if (level !== latent.level) {
        const targetNoise = input.coupled && level < latent.level
          ? tf.tidy(() => tf.mul(resizer.resizeSignal(input.initialNoise, 0, level), 2 ** level) as Tensor4D)
          : undefined;
        const moved = resizer.resize(latent, level, {
          noise: input.noise,
          ...(denoised ? { denoised } : {}),
          ...(targetNoise ? { targetNoise } : {}),
        });
        targetNoise?.dispose();
        state = sampler.onLevelChange(state, { from: latent.level, to: level }, resizer);
        latent.x.dispose();
        latent = moved;
      }
      const out = await sampler.step({
        denoiser,
        latent,
        sigmaNext: (sigmas[i + 1] as number) / 2 ** level,
        state,
        ctx: { level },
        noise: input.noise,
      });
      latent.x.dispose();
      denoised?.dispose();
      latent = out.latent;
      denoised = out.denoised;
      state = out.state;
    }
    if (latent.level !== 0) {
      const up = resizer.resizeSignal(latent.x, latent.level, 0);
      latent.x.dispose();
      return up;
    }
    return latent.x;
  } catch (e) {
    latent.x.dispose();
    throw e;
  } finally {
    denoised?.dispose();
    sampler.disposeState(state);
  }
}
