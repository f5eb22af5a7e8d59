/**
 * @upshift/resizers — how a noisy latent moves between resolution levels: exact box and DCT
 * pairs, a detail-prior variant and the naive bilinear baseline.
 */
export { registerResizers, RESIZER_FACTORIES } from './register-resizers.js';
export { ExactPairResizer } from './exact-pair-resizer.js';
export type { LinearPair } from './linear-pair.js';
export { BOX_PAIR, DCT_PAIR } from './linear-pair.js';
export { BOX_EXACT_RESIZER, createBoxExactResizer, boxExactResizerFactory } from './box-exact-resizer.js';
export { DCT_EXACT_RESIZER, createDctExactResizer, dctExactResizerFactory } from './dct-exact-resizer.js';
export type { DetailPriorResizerOptions } from './detail-prior-resizer.js';
export {
  DETAIL_PRIOR_RESIZER,
  DETAIL_PRIOR_RESIZER_DEFAULTS,
  DetailPriorResizer,
  detailPriorResizerFactory,
} from './detail-prior-resizer.js';
export { BILINEAR_RESIZER, BilinearResizer, bilinearResizerFactory } from './bilinear-resizer.js';
export { dctMatrix, dctDownMatrix, dctDownMatrix64, dctUpMatrix } from './dct-matrix.js';
export { boxDown, nearestUp, dctDown, dctUp, applySeparable } from './resize-math.js';
export { radialPower, spectrumForSide } from './spectrum-math.js';
