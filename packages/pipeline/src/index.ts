/**
 * @upshift/pipeline — the runner: picks plugins by name from a JSON config through DI, runs a
 * resolution-adaptive sampling loop and returns a cold RxJS stream of step events.
 */
export type { PipelineConfig, ParsePipelineConfigOptions, UpshiftNoise, WorkerSetting } from './pipeline-config.js';
export { PipelineConfigSchema, DEFAULT_PIPELINE_CONFIG, parsePipelineConfig, classLabelsOf } from './pipeline-config.js';
export type { RegisterAllOptions } from './register-all.js';
export { registerAll, defaultPoolOptions, DEFAULT_REGISTER_ALL_OPTIONS } from './register-all.js';
export { createPoolWorkerLoader } from './pool-worker-loader.js';
export type { WorkerCount, WorkerCountInput } from './worker-count.js';
export { resolveWorkerCount } from './worker-count.js';
export type { RunOptions } from './pipeline.js';
export { Pipeline } from './pipeline.js';
export type { CollectedRun, CollectedStage } from './collect-run.js';
export { collectRun, collectStage } from './collect-run.js';
export type { CheckpointOptions, LevelRange, RunStages } from './run-stages.js';
export { resolveRunStages, checkStopBefore } from './run-stages.js';
export type { CheckpointExpectations } from './checkpoint-validation.js';
export { RunCheckpointSchema, RESUME_MUTABLE_CONFIG_FIELDS, validateCheckpoint, checkConfigContinues, checkModelIdentity } from './checkpoint-validation.js';
export type { CheckpointJson, SamplerStateJson, TensorJson } from './checkpoint-codec.js';
export { CHECKPOINT_MAGIC, encodeCheckpoint, checkpointToJson, decodeCheckpoint } from './checkpoint-codec.js';
export { modelIdentity } from './model-identity.js';
export type { RunControl } from './run-control.js';
export { RunCancelledError } from './run-control.js';
export type { StepHookDecision } from './step-hooks.js';
export { runStepHooks } from './step-hooks.js';
export type { DenoiserTraits } from './denoiser-traits.js';
export { denoiserTraits } from './denoiser-traits.js';
export { findFactory, registeredFactories } from './plugin-lookup.js';
export { DEFAULT_RESOLUTION, plannedModelCalls } from './run-setup.js';
export type { RunPreflight, RunPreflightInput } from './run-preflight.js';
export { preflightRun } from './run-preflight.js';
export { toImageData } from './run-loop.js';
export { PipelineConfigToken } from './tokens.js';
export type { GuidanceInterval, GuidanceSettings } from './guidance-plan.js';
export { guidanceScaleAt, inGuidanceInterval, checkGuidanceLevels } from './guidance-plan.js';
export type { RecommendableField } from './recommended-sampling.js';
export { RECOMMENDABLE_FIELDS, withRecommendedSampling } from './recommended-sampling.js';
export type { PlanPreview, PlanPreviewGap } from './run-planner.js';
export { RunPlanner } from './run-planner.js';
export type { CallFlops, PlanContext, PlanContextInput } from './plan-context.js';
export { planContext } from './plan-context.js';
