/**
 * @upshift/testing — shared contract suites and test helpers.
 */
export { describeBackendConformance, DEFAULT_CONFORMANCE_TOLERANCES, DEFAULT_BACKEND_CONFORMANCE_OPTIONS } from './backend-conformance.js';
export type { BackendConformanceOptions, ConformanceModel } from './backend-conformance.js';
export { conformanceOpCases, conformanceInputs, composedGroupNorm, silu, attention } from './conformance-ops.js';
export type { ConformanceOpCase } from './conformance-ops.js';
export { createConformanceDenoiser, DEFAULT_CONFORMANCE_DENOISER_OPTIONS } from './conformance-denoiser.js';
export type { ConformanceDenoiserOptions } from './conformance-denoiser.js';
export { relativeError, relativeErrorBeyond } from './relative-error.js';
export {
  createGaussianDenoiser,
  gaussianOdeScale,
  gaussianOdeSolution,
  gaussianPosteriorMean,
  GAUSSIAN_DENOISER_DEFAULTS,
} from './gaussian-denoiser.js';
export type { GaussianDenoiser, GaussianDenoiserOptions, GaussianLevelStats, GaussianStatistic } from './gaussian-denoiser.js';
export { describeSamplerContract } from './sampler-contract.js';
export type { SamplerContractOptions } from './sampler-contract.js';
export { runSampler } from './run-sampler.js';
export type { RunSamplerOptions, RunSamplerResult } from './run-sampler.js';
export { createBoxTestResizer } from './box-test-resizer.js';
export type { BoxTestResizer } from './box-test-resizer.js';
export { spyOnResizer } from './spying-resizer.js';
export type { SpyingResizer } from './spying-resizer.js';
export { noiseStatistics, iidNoiseViolations } from './noise-statistics.js';
export type { NoiseStatistics, PairCorrelations } from './noise-statistics.js';
export type { DenseMatrix } from './dense-matrix.js';
export { zeros, identity, fromRows, transpose, matmul, add, kron, diagOfCongruence, symmetricEigen } from './dense-matrix.js';
export type { ReferenceDownOperator } from './level-operators.js';
export { dct1d, down1d, downLevels1d, upLevels1d, bilinearUp1d, separable2d } from './level-operators.js';
export type { SpectralGaussianField, SpectralGaussianFieldOptions, LevelEigen } from './spectral-gaussian-field.js';
export { createSpectralGaussianField, dct2 } from './spectral-gaussian-field.js';
export type { TheoryUpshift, UpshiftTheoryInput } from './upshift-theory.js';
export { predictFinalCoefficientVariance } from './upshift-theory.js';
export type { BandEstimate } from './dct-band-power.js';
export { dctCoefficients, bandOf, bandPowers, bandPowerEstimates, pairedRatio, meanAndSe } from './dct-band-power.js';
export type { UpshiftRunInput } from './upshift-run.js';
export { runUpshift } from './upshift-run.js';
export type { GaussianDenoiserFactoryOptions, FactoryGaussianDenoiser } from './gaussian-denoiser-factory.js';
export {
  gaussianDenoiserFactory,
  createFactoryGaussianDenoiser,
  resolveGaussianDenoiserFactoryOptions,
  GAUSSIAN_DENOISER_FACTORY_DEFAULTS,
} from './gaussian-denoiser-factory.js';
export { skipUnless, requiredHere, MissingTestRequirementError, TEST_REQUIRE_ENV } from './test-requirements.js';
export type { IidBandPowers, IidProcess, IidResizerKind, IidTheoryInput } from './iid-upshift-theory.js';
export { predictIidBandPowers } from './iid-upshift-theory.js';
