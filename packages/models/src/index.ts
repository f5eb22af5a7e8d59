/**
 * @upshift/models — the multi-resolution EDM UNet in tfjs: config, safetensors loader, FLOP
 * counter, and the model as a core Denoiser.
 */
export type { UNetArchitecture, UNetArchitectureTag, EdmPreconditioning, WeightsInfo, ModelConfig } from './model-config.js';
export { parseModelConfig, parsePowerSpectrum } from './model-config.js';
export type { RecommendedSampling } from './recommended-sampling.js';
export { RecommendedSamplingSchema, parseRecommendedSampling } from './recommended-sampling.js';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsFile, SafetensorsInput } from './safetensors.js';
export { SAFETENSORS_DTYPE_BYTES, parseSafetensors, readFloat32, readInt32, sizeOf, encodeSafetensors, firstNonFinite } from './safetensors.js';
export { float16ToFloat32, bfloat16ToFloat32 } from './float16.js';
export type { ResBlockLayout, UNetBlockLayout, UNetStageLayout, UNetLayout } from './unet-layout.js';
export { unetLayout, parameterCount } from './unet-layout.js';
export { countUNetFlops } from './unet-flops.js';
export { estimateUNetForwardBytes, largestUNetTensorBytes } from './unet-memory.js';
export type { ConvWeights, NormWeights, LevelAdapterWeights, ResBlockWeights, AttentionWeights, UNetWeights } from './unet-weights.js';
export { validateWeights, buildUNetWeights } from './unet-weights.js';
export { unetForward } from './unet.js';
export type { EdmCoefficients } from './unet-denoiser.js';
export { UNetDenoiser, edmCoefficients, unetSideMultiple, describeModelConfig } from './unet-denoiser.js';
export type { ModelFiles, LoadModelFromUrlOptions } from './load-model.js';
export { MODEL_CONFIG_FILE, loadModel, loadModelConfig, loadModelFromUrl, createModel, readModelConfig } from './load-model.js';
export type { EmojiUNetOptions } from './register-models.js';
export {
  EMOJI_UNET_ASSETS,
  DEFAULT_EMOJI_UNET_OPTIONS,
  validateEmojiUNetOptions,
  emojiUNetFactory,
  registerModels,
} from './register-models.js';
export type { LevelParity } from './parity-check.js';
export { checkParity } from './parity-check.js';
