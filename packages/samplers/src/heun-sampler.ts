/**
 * Heun's second-order method on the PF-ODE (Karras et al. 2022, "Elucidating the Design Space
 * of Diffusion-Based Generative Models", Algorithm 1; k-diffusion `sample_heun`, no churn):
 * an Euler predictor to sigma', then the trapezoidal corrector with the slope there. Two model
 * calls per step; the last step (sigma' = 0, where the slope is undefined) is plain Euler.
 * The intermediate slope lives only inside a step, so the state holds no tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { afterDenoise, checkStepSigmas, towardDenoised } from './sampler-math.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord } from './sampler-options.js';
import { initStepCountState, nextStepCountState, type StepCountState, restoreStepCountState, saveStepCountState } from './step-count-state.js';

/** Heun's state: the step count only. */
export type HeunState = StepCountState<'heun'>;

/** Creates the Heun sampler (no options). */
export function createHeunSampler(): Sampler<HeunState> {
  return {
    name: 'heun',
    order: 2,
    stochastic: false,
    initState: () => initStepCountState('heun'),
    async step(input: SamplerStepInput<HeunState>): Promise<SamplerStepOutput<HeunState>> {
      const { latent, sigmaNext, denoiser, ctx } = input;
      checkStepSigmas(latent, sigmaNext);
      const sigma = latent.sigma;
      const denoised = await denoiser.denoise(latent.x, sigma, ctx);
      let x: tf.Tensor4D;
      if (sigmaNext === 0) {
        x = afterDenoise(denoised, () => towardDenoised(latent.x, denoised, 0));
      } else {
        const dt = sigmaNext - sigma;
        // The predictor's tensors live across the second (possibly asynchronous) model call,
        // so they are freed explicitly rather than by one tf.tidy around the step.
        const { d, xPred } = afterDenoise(denoised, () => {
          const d = tf.div(tf.sub(latent.x, denoised), sigma) as tf.Tensor4D;
          return { d, xPred: tf.add(latent.x, tf.mul(d, dt)) as tf.Tensor4D };
        });
        try {
          const denoisedPred = await denoiser.denoise(xPred, sigmaNext, ctx);
          try {
            x = tf.tidy(() => {
              const dPred = tf.div(tf.sub(xPred, denoisedPred), sigmaNext);
              return tf.add(latent.x, tf.mul(tf.add(d, dPred), dt / 2)) as tf.Tensor4D;
            });
          } finally {
            denoisedPred.dispose();
          }
        } catch (e) {
          denoised.dispose();
          throw e;
        } finally {
          d.dispose();
          xPred.dispose();
        }
      }
      return {
        latent: { x, level: latent.level, sigma: sigmaNext },
        denoised,
        state: nextStepCountState(input.state),
        modelCalls: sigmaNext === 0 ? 1 : 2,
      };
    },
    onLevelChange: (state) => ({ ...state }),
    disposeState: () => undefined,
    saveState: saveStepCountState,
    restoreState: (data, field) => restoreStepCountState('heun', data, field),
  };
}

/** Registry entry `"heun"`. */
export const heunSamplerFactory: PluginFactory<Sampler> = {
  name: 'heun',
  description: "Heun's 2nd-order method (2 calls per step, Euler on the last step)",
  create: (options) => {
    optionsRecord(options, SAMPLER_OPTIONS_FIELD, []);
    return createHeunSampler();
  },
};
