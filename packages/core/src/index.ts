/**
 * @upshift/core — the contracts every Upshift package shares: types, DI tokens, step events
 * and errors. No backend imports.
 */
export {
  UpshiftError,
  ConfigError,
  HookError,
  BackendUnavailableError,
  ModelLoadError,
  CheckpointError,
  UnknownPluginError,
  DenoiserWorkerError,
  NonFiniteError,
  describeValue,
} from './errors.js';
export type { ResolutionLevel, Resolution } from './level.js';
export { resolutionAtLevel, sigmaAtLevel, sigmaAtFull, maxLevelFor } from './level.js';
export type { NoiseLevel } from './noise-level.js';
export { sigmaToLogSnr, logSnrToSigma, noiseLevel } from './noise-level.js';
export type { Latent } from './latent.js';
export type { NoiseSource, NoiseSourceState } from './random.js';
export { createNoiseSource, restoreNoiseSource } from './random.js';
export type { TensorData } from './tensor-data.js';
export { readTensorData, checkTensorData, tensorFromData } from './tensor-data.js';
export type { JsonScalar, SamplerStateData } from './sampler-state-data.js';
export { saveSamplerState, restoreSamplerState, checkSamplerStateData, innermostKind } from './sampler-state-data.js';
export type { LevelCause, ModelIdentity, HookStateData, RunCheckpoint } from './checkpoint.js';
export { CHECKPOINT_VERSION } from './checkpoint.js';
export type { Awaitable, Denoiser, DenoiserContext, DenoiseOptions, DenoiserDescription, ModelFactory } from './denoiser.js';
export { needsGuidance, guidanceRowLabels, combineGuidance } from './guidance.js';
export { sha256Fingerprint } from './fingerprint.js';
export type { DenoiserPoolSpec, DenoiserPool, DenoiserPoolProvider, WorkerMemory } from './denoiser-pool.js';
export type { NoiseSchedule } from './schedule.js';
export type { SamplerState, SamplerStepInput, SamplerStepOutput, LevelChange, Sampler } from './sampler.js';
export type { DownOperator, ResizeContext, Resizer } from './resizer.js';
export type { PowerSpectrum, PowerSpectrumLevel } from './spectrum.js';
export type { PolicyContext, PlannedStep, UpshiftPlan, UpshiftPolicy } from './policy.js';
export type { StepHookContext, StepHookResult, StepHook } from './hook.js';
export { STEP_HOOK_MUTABLE_FIELDS } from './hook.js';
export type { ComputeRecord, ComputeTotals, ComputeMeter } from './compute-meter.js';
export type {
  StartEvent,
  StepProgressEvent,
  ResolutionChangeEvent,
  RunStats,
  ImageData4D,
  DoneEvent,
  CheckpointEvent,
  SuspendReason,
  SuspendedEvent,
  StepEvent,
} from './events.js';
export type { BackendCapability, BackendMemoryLimit, BackendProvider } from './backend.js';
export type { PluginFactory } from './plugin.js';
export {
  SamplerFactory,
  ScheduleFactory,
  ResizerFactory,
  PolicyFactory,
  DenoiserFactory,
  Backend,
  DenoiserPoolToken,
  StepHookToken,
  SamplerToken,
  NoiseScheduleToken,
  ResizerToken,
  UpshiftPolicyToken,
  DenoiserToken,
  ComputeMeterToken,
  NoiseSourceToken,
  PowerSpectrumToken,
} from './tokens.js';
