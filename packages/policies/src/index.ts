/**
 * @upshift/policies — upshift policies: which resolution level each step of the sigma grid
 * runs at, decided in noise level (sigma / logSNR), plus the plan helper for the `start` event.
 */
export { registerPolicies, POLICY_FACTORIES } from './register-policies.js';
export { buildPlan } from './build-plan.js';
export type { NoiseThreshold } from './policy-options.js';
export { thresholdSigma, validateSpectrum } from './policy-options.js';
export { NONE_POLICY, createNonePolicy, nonePolicyFactory } from './none-policy.js';
export type { FixedPolicyOptions } from './fixed-policy.js';
export { FIXED_POLICY, FIXED_POLICY_DEFAULTS, FIXED_DEFAULT_LEVEL, createFixedPolicy, fixedPolicyFactory, resolveFixedPolicyOptions } from './fixed-policy.js';
export type { PyramidPolicyOptions, PyramidStage, StageSwitch } from './pyramid-policy.js';
export {
  PYRAMID_POLICY,
  PYRAMID_POLICY_DEFAULTS,
  PYRAMID_DEFAULT_STAGES,
  createPyramidPolicy,
  pyramidPolicyFactory,
  readStages,
  resolvePyramidPolicyOptions,
  stageLevel,
  stageSwitches,
} from './pyramid-policy.js';
export type { BottleneckPolicyOptions } from './bottleneck-policy.js';
export {
  BOTTLENECK_POLICY,
  BOTTLENECK_POLICY_DEFAULTS,
  bottleneckPolicyFactory,
  createBottleneckPolicy,
  resolveBottleneckPolicyOptions,
} from './bottleneck-policy.js';
export type { SnrMatchedPolicyOptions } from './snr-matched-policy.js';
export {
  SNR_MATCHED_POLICY,
  SNR_MATCHED_POLICY_DEFAULTS,
  createSnrMatchedPolicy,
  discardedEnergy,
  resolveSnrMatchedPolicyOptions,
  snrMatchedPolicyFactory,
} from './snr-matched-policy.js';
export type { SpectralPolicyOptions } from './spectral-policy.js';
export {
  SPECTRAL_POLICY,
  SPECTRAL_POLICY_DEFAULTS,
  createSpectralPolicy,
  spectralPolicyFactory,
  resolveSpectralPolicyOptions,
} from './spectral-policy.js';
export type { AdaptivePolicyOptions, AdaptiveDecision } from './adaptive-policy.js';
export {
  ADAPTIVE_POLICY,
  ADAPTIVE_POLICY_DEFAULTS,
  ADAPTIVE_EMOJI_UNET_CALIBRATED,
  AdaptiveUpshiftHook,
  createAdaptivePolicy,
  adaptivePolicyFactory,
  resolveAdaptivePolicyOptions,
  topBandSnr,
} from './adaptive-policy.js';
export type { BudgetPolicyOptions, BudgetSolution } from './budget-policy.js';
export {
  BUDGET_POLICY,
  BUDGET_POLICY_DEFAULTS,
  createBudgetPolicy,
  budgetPolicyFactory,
  resolveBudgetPolicyOptions,
  solveBudget,
} from './budget-policy.js';
export type { SpectralBin } from './spectral-model.js';
export { spectralBins, bandOf, bandLoss, determinedPower, highestResolvedFrequency, nyquistAt } from './spectral-model.js';
