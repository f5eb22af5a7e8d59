/**
 * The step all ancestral samplers here share: `x' = D + keep (x - D) + sigmaUp z`, z drawn
 * from the run's seeded noise. DDIM (Song et al. 2021, Eq. 12), DDPM's posterior (Ho et al.
 * 2020, Eq. 7) and Euler-ancestral (k-diffusion `sample_euler_ancestral`) differ only in
 * `keep` and `sigmaUp`; in sigma space DDIM(eta) and Euler-ancestral(eta) coincide.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { afterDenoise, checkStepSigmas } from './sampler-math.js';
import { nextStepCountState, type StepCountState } from './step-count-state.js';

/** Coefficients of one ancestral step. */
export interface AncestralCoefficients {
  /** Multiplies `x - D` (sigmaDown / sigma for DDIM / Euler-ancestral). */
  readonly keep: number;
  /** Std of the fresh noise added (0: none drawn). */
  readonly sigmaUp: number;
}

/** Runs one ancestral step with coefficients from `coefficients(sigma, sigmaNext)`. */
export async function ancestralStep<S extends StepCountState>(
  input: SamplerStepInput<S>,
  coefficients: (sigma: number, sigmaNext: number) => AncestralCoefficients,
): Promise<SamplerStepOutput<S>> {
  const { latent, sigmaNext } = input;
  checkStepSigmas(latent, sigmaNext);
  const { keep, sigmaUp } = coefficients(latent.sigma, sigmaNext);
  const denoised = await input.denoiser.denoise(latent.x, latent.sigma, input.ctx);
  const x = afterDenoise(denoised, () => {
    let x = tf.add(denoised, tf.mul(tf.sub(latent.x, denoised), keep));
    if (sigmaUp > 0) x = tf.add(x, tf.mul(input.noise.normal(latent.x.shape), sigmaUp));
    return x as tf.Tensor4D;
  });
  return { latent: { x, level: latent.level, sigma: sigmaNext }, denoised, state: nextStepCountState(input.state) as S, modelCalls: 1 };
}
