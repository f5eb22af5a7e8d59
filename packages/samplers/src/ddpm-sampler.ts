/**
 * DDPM ancestral sampling (Ho et al. 2020, "Denoising Diffusion Probabilistic Models", Eq. 6-7
 * and Algorithm 2) with the model's x0 estimate plugged into the posterior q(x_{t-1} | x_t, x0).
 * In sigma space the posterior mean is `D + (sigma'^2 / sigma^2) (x - D)`; its variance is
 *
 * - `"posterior"` (beta-tilde): `sigma'^2 (sigma^2 - sigma'^2) / sigma^2` — exact for the
 *   forward process, the same step as Euler-ancestral with eta = 1;
 * - `"beta"` (DDPM's other choice, sigma_t^2 = beta_t): `(sigma^2 - sigma'^2)(1 + sigma'^2) /
 *   (1 + sigma^2)` in sigma space — larger, and it assumes unit-variance (VP) data.
 *
 * No noise is added on the last step (sigma' = 0), as in Algorithm 2.
 */
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { ancestralStep } from './ancestral-step.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord, readChoice } from './sampler-options.js';
import { initStepCountState, type StepCountState, restoreStepCountState, saveStepCountState } from './step-count-state.js';

/** DDPM's state: the step count only. */
export type DdpmState = StepCountState<'ddpm'>;

/** Which DDPM variance to sample with. */
export type DdpmVariance = 'posterior' | 'beta';

/** Options of DDPM. */
export interface DdpmSamplerOptions {
  /** Posterior (beta-tilde) or beta variance of the added noise. */
  readonly variance: DdpmVariance;
}

/** Defaults: the posterior variance. */
export const DDPM_SAMPLER_DEFAULTS: DdpmSamplerOptions = { variance: 'posterior' };

/** Validates options; errors name `prefix.field`. */
export function resolveDdpmOptions(options: unknown, prefix = ''): DdpmSamplerOptions {
  const r = optionsRecord(options, prefix, ['variance']);
  return { variance: readChoice<DdpmVariance>(r, 'variance', prefix, DDPM_SAMPLER_DEFAULTS.variance, ['posterior', 'beta']) };
}

/** Creates the DDPM sampler. */
export function createDdpmSampler(options: Partial<DdpmSamplerOptions> = {}, prefix = ''): Sampler<DdpmState> {
  const { variance } = resolveDdpmOptions(options, prefix);
  return {
    name: 'ddpm',
    order: 1,
    stochastic: true,
    initState: () => initStepCountState('ddpm'),
    step: (input: SamplerStepInput<DdpmState>): Promise<SamplerStepOutput<DdpmState>> =>
      ancestralStep(input, (sigma, sigmaNext) => {
        const s2 = sigma * sigma;
        const n2 = sigmaNext * sigmaNext;
        if (sigmaNext === 0) return { keep: 0, sigmaUp: 0 };
        const up2 = variance === 'posterior' ? (n2 * (s2 - n2)) / s2 : ((s2 - n2) * (1 + n2)) / (1 + s2);
        return { keep: n2 / s2, sigmaUp: Math.sqrt(up2) };
      }),
    onLevelChange: (state) => ({ ...state }),
    disposeState: () => undefined,
    saveState: saveStepCountState,
    restoreState: (data, field) => restoreStepCountState('ddpm', data, field),
  };
}

/** Registry entry `"ddpm"` (options: variance). */
export const ddpmSamplerFactory: PluginFactory<Sampler> = {
  name: 'ddpm',
  description: 'DDPM ancestral sampling (posterior or beta variance)',
  create: (options) => createDdpmSampler(options as Partial<DdpmSamplerOptions>, SAMPLER_OPTIONS_FIELD),
};
