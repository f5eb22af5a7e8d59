/**
 * Euler's method on the probability-flow ODE `dx/dsigma = (x - D(x, sigma)) / sigma`
 * (Karras et al. 2022, Algorithm 1 without the Heun correction; k-diffusion `sample_euler`).
 * One step: `x' = D + (sigma' / sigma) (x - D)`, identical to DDIM with eta = 0.
 * First order; one model call per step; lands exactly on D when sigma' = 0.
 */
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { afterDenoise, checkStepSigmas, towardDenoised } from './sampler-math.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord } from './sampler-options.js';
import { initStepCountState, nextStepCountState, type StepCountState, restoreStepCountState, saveStepCountState } from './step-count-state.js';

/** Euler's state: the step count only. */
export type EulerState = StepCountState<'euler'>;

/** Creates the Euler sampler (no options). */
export function createEulerSampler(): Sampler<EulerState> {
  return {
    name: 'euler',
    order: 1,
    stochastic: false,
    initState: () => initStepCountState('euler'),
    async step(input: SamplerStepInput<EulerState>): Promise<SamplerStepOutput<EulerState>> {
      const { latent, sigmaNext } = input;
      checkStepSigmas(latent, sigmaNext);
      const denoised = await input.denoiser.denoise(latent.x, latent.sigma, input.ctx);
      const x = afterDenoise(denoised, () => towardDenoised(latent.x, denoised, sigmaNext / latent.sigma));
      return { latent: { x, level: latent.level, sigma: sigmaNext }, denoised, state: nextStepCountState(input.state), modelCalls: 1 };
    },
    onLevelChange: (state) => ({ ...state }),
    disposeState: () => undefined,
    saveState: saveStepCountState,
    restoreState: (data, field) => restoreStepCountState('euler', data, field),
  };
}

/** Registry entry `"euler"`. */
export const eulerSamplerFactory: PluginFactory<Sampler> = {
  name: 'euler',
  description: 'Euler on the probability-flow ODE (1st order, 1 call per step)',
  create: (options) => {
    optionsRecord(options, SAMPLER_OPTIONS_FIELD, []);
    return createEulerSampler();
  },
};
