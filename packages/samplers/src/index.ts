/**
 * @upshift/samplers — samplers in sigma space with explicit, resizable state: Euler, Heun,
 * DDIM, DDPM, Euler-ancestral, DPM-Solver++(2M) and DPM-Solver++(2M) SDE, plus a generic
 * classifier-free guidance adapter.
 */
export type { EulerState } from './euler-sampler.js';
export { createEulerSampler, eulerSamplerFactory } from './euler-sampler.js';
export type { HeunState } from './heun-sampler.js';
export { createHeunSampler, heunSamplerFactory } from './heun-sampler.js';
export type { DdimState, DdimSamplerOptions } from './ddim-sampler.js';
export { createDdimSampler, ddimSamplerFactory, resolveDdimOptions, DDIM_SAMPLER_DEFAULTS } from './ddim-sampler.js';
export type { EulerAncestralState, EulerAncestralSamplerOptions } from './euler-ancestral-sampler.js';
export {
  createEulerAncestralSampler,
  eulerAncestralSamplerFactory,
  resolveEulerAncestralOptions,
  EULER_ANCESTRAL_SAMPLER_DEFAULTS,
} from './euler-ancestral-sampler.js';
export type { DdpmState, DdpmSamplerOptions, DdpmVariance } from './ddpm-sampler.js';
export { createDdpmSampler, ddpmSamplerFactory, resolveDdpmOptions, DDPM_SAMPLER_DEFAULTS } from './ddpm-sampler.js';
export type { DpmPp2mState, DpmPp2mSamplerOptions } from './dpmpp-2m-sampler.js';
export { createDpmPp2mSampler, dpmPp2mSamplerFactory, resolveDpmPp2mOptions, DPMPP_2M_SAMPLER_DEFAULTS } from './dpmpp-2m-sampler.js';
export type { DpmPp2mSdeState, DpmPp2mSdeSamplerOptions } from './dpmpp-2m-sde-sampler.js';
export {
  createDpmPp2mSdeSampler,
  dpmPp2mSdeSamplerFactory,
  resolveDpmPp2mSdeOptions,
  DPMPP_2M_SDE_SAMPLER_DEFAULTS,
} from './dpmpp-2m-sde-sampler.js';
export type { StepCountState } from './step-count-state.js';
export type { X0HistoryState, HistoryOnLevelChange } from './x0-history.js';
export { HISTORY_ON_LEVEL_CHANGE } from './x0-history.js';
export type { AncestralCoefficients } from './ancestral-step.js';
export { ancestralSigmas, towardDenoised } from './sampler-math.js';
export type { GuidedDenoiser } from './guided-denoiser.js';
export { withGuidance, usesGuidance } from './guided-denoiser.js';
export { SAMPLER_FACTORIES, registerSamplers } from './register-samplers.js';
export type { AfterUpshiftMode, AfterUpshiftOptions, AfterUpshiftSampler, AfterUpshiftState } from './after-upshift-sampler.js';
export { AFTER_UPSHIFT_DEFAULTS, AFTER_UPSHIFT_MODES, resolveAfterUpshiftOptions, withAfterUpshift } from './after-upshift-sampler.js';
