/**
 * @upshift/metrics — image quality metrics (PSNR, SSIM, radial power spectra and band
 * energies, multi-scale sliced Wasserstein distance, class-matched reference draws and the
 * noise band of a comparison) and compute accounting. Works on plain NHWC data such as a
 * `done` event's image; no tensors.
 */
export type { ImageBatch } from './image-batch.js';
export { checkImageBatch, checkSameShape, checkSameImageSize, channelPlane, fromChannelPlanes } from './image-batch.js';
export type { PsnrOptions, PsnrResult } from './psnr.js';
export { psnr, PSNR_DEFAULTS } from './psnr.js';
export type { SsimOptions, SsimResult } from './ssim.js';
export { ssim, gaussianWindow1d, SSIM_DEFAULTS } from './ssim.js';
export { Dft2Power, isFftSize } from './dft2-power.js';
export type { RadialPowerSpectrum } from './radial-power-spectrum.js';
export { radialPowerSpectrum } from './radial-power-spectrum.js';
export { boxDownsample } from './box-downsample.js';
export type { LeveledPowerSpectrum } from './dataset-power-spectrum.js';
export { datasetPowerSpectrum } from './dataset-power-spectrum.js';
export type { BandEnergy } from './band-power.js';
export { bandEnergies, bandPowerRatios, levelBandEdges, levelNyquist } from './band-power.js';
export type { PlanarImages } from './laplacian-pyramid.js';
export { laplacianPyramid, pyramidDown, pyramidUp } from './laplacian-pyramid.js';
export { seededIntegers } from './seeded-uniform.js';
export type { DescriptorSet, SlicedWassersteinOptions } from './sliced-wasserstein.js';
export { slicedWasserstein, wasserstein1Sorted, SLICED_WASSERSTEIN_DEFAULTS } from './sliced-wasserstein.js';
export type { ImageSwdOptions, ImageSwdResult, SwdLevel, SwdNormalization } from './image-swd.js';
export { imageSwd, IMAGE_SWD_DEFAULTS, SWD_NORMALIZATIONS, SWD_REPORT_SCALE } from './image-swd.js';
export type { ReferenceDrawOptions } from './reference-draw.js';
export { drawClassMatchedReference, labelCounts, takeImages, REFERENCE_DRAW_DEFAULTS } from './reference-draw.js';
export type { SwdDrawSummary, SwdLevelSummary } from './swd-over-draws.js';
export { swdOverDraws, summarizeSwdDraws, meanAndSpread, DRAW_SEED_STRIDE } from './swd-over-draws.js';
export type { BandCheck, NoiseBand, NoiseBandLevel } from './noise-band.js';
export { noiseBand, checkAgainstNoiseBand } from './noise-band.js';
export type { RecordingComputeMeter } from './compute-meter.js';
export { createComputeMeter } from './compute-meter.js';
export type { StepCost, MsSummary, LevelCost, ComputeSummary, CostVsBaseline } from './compute-summary.js';
export { summarizeMs, summarizeSteps, flopFraction, timeRatio, compareToBaseline } from './compute-summary.js';
