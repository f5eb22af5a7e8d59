/**
 * A linear resolution pair (D, U): a one-level down operator with orthogonal rows
 * (`D D^T = I / 4`) and its up operator `U = 4 D^T`, so `D U = I` and `U D` is an orthogonal
 * projection. See DESIGN.md "Resolution levels and exact noise bookkeeping".
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { DownOperator } from '@upshift/core';
import { boxDown, dctDown, dctUp, nearestUp } from './resize-math.js';

/** One level of a linear down / up pair, applied to NHWC tensors. */
export interface LinearPair {
  /** Name of the down operator (what the model's level-k training data must be made with). */
  readonly downOperator: DownOperator;
  /** D: level k -> k + 1 (halves both sides; keeps i.i.d. noise i.i.d. at sigma / 2). */
  down(x: Tensor4D): Tensor4D;
  /** U = 4 D^T: level k + 1 -> k (doubles both sides). */
  up(x: Tensor4D): Tensor4D;
}

/** Box pair: 2x2 average pooling down, nearest-neighbour up (`U D` is a block projection). */
export const BOX_PAIR: LinearPair = { downOperator: 'box', down: boxDown, up: nearestUp };

/**
 * DCT-II pair: keep the frequencies the coarse grid holds, zero-pad the spectrum to go up
 * (`U D` is the orthogonal low-pass projection onto the lowest n/2 DCT frequencies per axis).
 */
export const DCT_PAIR: LinearPair = { downOperator: 'dct', down: dctDown, up: dctUp };
