/**
 * Euler-ancestral (k-diffusion `sample_euler_ancestral`): an Euler step down to sigmaDown, then
 * fresh noise of std sigmaUp brings the latent back to sigma' (see `ancestralSigmas`). With
 * eta = 1 it is the DDPM posterior sample (Ho et al. 2020) in sigma space.
 */
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { ancestralStep } from './ancestral-step.js';
import { ancestralSigmas } from './sampler-math.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord, readNumberIn } from './sampler-options.js';
import { initStepCountState, type StepCountState, restoreStepCountState, saveStepCountState } from './step-count-state.js';

/** Euler-ancestral's state: the step count only. */
export type EulerAncestralState = StepCountState<'euler-ancestral'>;

/** Options of Euler-ancestral. */
export interface EulerAncestralSamplerOptions {
  /** Fraction of the ancestral noise in [0, 1] (0 = Euler). */
  readonly eta: number;
}

/** Defaults (k-diffusion): eta 1. */
export const EULER_ANCESTRAL_SAMPLER_DEFAULTS: EulerAncestralSamplerOptions = { eta: 1 };

/** Validates options; errors name `prefix.field`. */
export function resolveEulerAncestralOptions(options: unknown, prefix = ''): EulerAncestralSamplerOptions {
  const r = optionsRecord(options, prefix, ['eta']);
  return { eta: readNumberIn(r, 'eta', prefix, EULER_ANCESTRAL_SAMPLER_DEFAULTS.eta, 0, 1) };
}

/** Creates Euler-ancestral. */
export function createEulerAncestralSampler(options: Partial<EulerAncestralSamplerOptions> = {}, prefix = ''): Sampler<EulerAncestralState> {
  const { eta } = resolveEulerAncestralOptions(options, prefix);
  return {
    name: 'euler-ancestral',
    order: 1,
    stochastic: eta > 0,
    initState: () => initStepCountState('euler-ancestral'),
    step: (input: SamplerStepInput<EulerAncestralState>): Promise<SamplerStepOutput<EulerAncestralState>> =>
      ancestralStep(input, (sigma, sigmaNext) => {
        const { sigmaDown, sigmaUp } = ancestralSigmas(sigma, sigmaNext, eta);
        return { keep: sigmaDown / sigma, sigmaUp };
      }),
    onLevelChange: (state) => ({ ...state }),
    disposeState: () => undefined,
    saveState: saveStepCountState,
    restoreState: (data, field) => restoreStepCountState('euler-ancestral', data, field),
  };
}

/** Registry entry `"euler-ancestral"` (options: eta). */
export const eulerAncestralSamplerFactory: PluginFactory<Sampler> = {
  name: 'euler-ancestral',
  description: 'Euler-ancestral (k-diffusion), eta 1 by default',
  create: (options) => createEulerAncestralSampler(options as Partial<EulerAncestralSamplerOptions>, SAMPLER_OPTIONS_FIELD),
};
