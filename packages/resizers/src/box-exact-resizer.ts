/**
 * Exact box resizer: 2x2 average pooling down, nearest-neighbour up plus the re-noising
 * correction `sigma_hi (z - nearestUp(avgpool(z)))` (Pyramid Flow, Jin et al. 2024, uses the
 * same correction). Never leaves the input range, but `U D` is a block projection, not a
 * low-pass, so it also damps low-band signal at a switch (DESIGN.md).
 */
import type { PluginFactory, Resizer } from '@upshift/core';
import { ExactPairResizer } from './exact-pair-resizer.js';
import { BOX_PAIR } from './linear-pair.js';
import { resizerOptionsRecord } from './resizer-options.js';

/** Registered name of the exact box resizer. */
export const BOX_EXACT_RESIZER = 'box-exact';

/** Creates the exact box resizer (it has no options). */
export function createBoxExactResizer(): Resizer {
  return new ExactPairResizer(BOX_EXACT_RESIZER, BOX_PAIR);
}

/** Factory of the exact box resizer; rejects any option. */
export const boxExactResizerFactory: PluginFactory<Resizer> = {
  name: BOX_EXACT_RESIZER,
  description: 'Exact box pair: 2x2 average pool down, nearest up + re-noising (noise stays i.i.d.).',
  create(options: unknown): Resizer {
    resizerOptionsRecord(options, []);
    return createBoxExactResizer();
  },
};
