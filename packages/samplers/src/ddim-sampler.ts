/**
 * DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models", Eq. 12) in sigma space.
 * Dividing the VP update by sqrt(alphaBar) turns DDIM's sigma_t(eta) into
 * `sigmaUp = eta sqrt(sigma'^2 (sigma^2 - sigma'^2) / sigma^2)` and the eps term into a step
 * to `sigmaDown = sqrt(sigma'^2 - sigmaUp^2)`: eta = 0 is the deterministic DDIM (= Euler on
 * the PF-ODE), eta = 1 the DDPM posterior. Independent of the data scale (no VP assumption).
 */
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { ancestralStep } from './ancestral-step.js';
import { ancestralSigmas } from './sampler-math.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord, readNumberIn } from './sampler-options.js';
import { initStepCountState, type StepCountState, restoreStepCountState, saveStepCountState } from './step-count-state.js';

/** DDIM's state: the step count only. */
export type DdimState = StepCountState<'ddim'>;

/** Options of DDIM. */
export interface DdimSamplerOptions {
  /** Stochasticity in [0, 1]: 0 deterministic DDIM, 1 DDPM-like. */
  readonly eta: number;
}

/** Defaults: deterministic DDIM. */
export const DDIM_SAMPLER_DEFAULTS: DdimSamplerOptions = { eta: 0 };

/** Validates options; errors name `prefix.field`. */
export function resolveDdimOptions(options: unknown, prefix = ''): DdimSamplerOptions {
  const r = optionsRecord(options, prefix, ['eta']);
  return { eta: readNumberIn(r, 'eta', prefix, DDIM_SAMPLER_DEFAULTS.eta, 0, 1) };
}

/** Creates DDIM. */
export function createDdimSampler(options: Partial<DdimSamplerOptions> = {}, prefix = ''): Sampler<DdimState> {
  const { eta } = resolveDdimOptions(options, prefix);
  return {
    name: 'ddim',
    order: 1,
    stochastic: eta > 0,
    initState: () => initStepCountState('ddim'),
    step: (input: SamplerStepInput<DdimState>): Promise<SamplerStepOutput<DdimState>> =>
      ancestralStep(input, (sigma, sigmaNext) => {
        const { sigmaDown, sigmaUp } = ancestralSigmas(sigma, sigmaNext, eta);
        return { keep: sigmaDown / sigma, sigmaUp };
      }),
    onLevelChange: (state) => ({ ...state }),
    disposeState: () => undefined,
    saveState: saveStepCountState,
    restoreState: (data, field) => restoreStepCountState('ddim', data, field),
  };
}

/** Registry entry `"ddim"` (options: eta). */
export const ddimSamplerFactory: PluginFactory<Sampler> = {
  name: 'ddim',
  description: 'DDIM in sigma space (eta 0 = deterministic)',
  create: (options) => createDdimSampler(options as Partial<DdimSamplerOptions>, SAMPLER_OPTIONS_FIELD),
};
