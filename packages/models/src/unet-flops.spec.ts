import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countUNetFlops } from './unet-flops.js';
import { parseModelConfig } from './model-config.js';
import type { UNetArchitecture } from './model-config.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}/config.json`, import.meta.url));

const TINY: UNetArchitecture = {
  architecture: 'upshift-unet-v1',
  inChannels: 3,
  channels: [4, 8],
  numResBlocks: [1, 1],
  attentionStages: [1],
  attentionHeads: 2,
  groups: 2,
  embDim: 16,
  fourierDim: 8,
  numClasses: 2,
  numLevels: 2,
};

describe('countUNetFlops', () => {
  it('matches a hand count for channels [4, 8], one res block per stage, attention at stage 1 (8x8 input)', () => {
    // 2 * cin * cout * k^2 * pixels per conv; attention adds 2 * 2 * n^2 * c for q k^T and a v.
    const p8 = 64; // pixels at 8x8
    const p4 = 16; // pixels at 4x4
    const convIn = 2 * 3 * 4 * 9 * p8;
    const down0 = 2 * 4 * 4 * 9 * p8 + 2 * 4 * 4 * 9 * p8; // res 4 -> 4, no skip conv
    const down1 = 2 * 4 * 8 * 9 * p4 + 2 * 8 * 8 * 9 * p4 + 2 * 4 * 8 * p4; // res 4 -> 8 with 1x1 skip
    const attn8 = 2 * 8 * 24 * p4 + 2 * 8 * 8 * p4 + 2 * 2 * p4 * p4 * 8; // qkv, proj, two matmuls
    const mid = 2 * (2 * 8 * 8 * 9 * p4 * 2) + attn8; // two res 8 -> 8 and attention
    // Skips (encoder order): conv_in 4, down0 4, pool 4, down1 8; popped from the end.
    const up1a = 2 * 16 * 8 * 9 * p4 + 2 * 8 * 8 * 9 * p4 + 2 * 16 * 8 * p4 + attn8; // cat(8, 8) -> 8
    const up1b = 2 * 12 * 8 * 9 * p4 + 2 * 8 * 8 * 9 * p4 + 2 * 12 * 8 * p4 + attn8; // cat(8, 4) -> 8
    const upsample = 2 * 8 * 8 * 9 * p8;
    const up0a = 2 * 12 * 4 * 9 * p8 + 2 * 4 * 4 * 9 * p8 + 2 * 12 * 4 * p8; // cat(8, 4) -> 4
    const up0b = 2 * 8 * 4 * 9 * p8 + 2 * 4 * 4 * 9 * p8 + 2 * 8 * 4 * p8; // cat(4, 4) -> 4
    const convOut = 2 * 4 * 3 * 9 * p8;
    const hand = convIn + down0 + down1 + attn8 + mid + up1a + up1b + upsample + up0a + up0b + convOut;
    expect(hand).toBe(553_984);
    expect(countUNetFlops(TINY, 8, 8)).toBe(hand);
  });

  it('scales with pixels except attention (quadratic in pixels)', () => {
    const noAttn = { ...TINY, attentionStages: [] };
    // Without stage attention only the middle attention's n^2 term breaks exact 4x scaling.
    const mid = (p: number): number => 2 * 2 * p * p * 8;
    expect(countUNetFlops(noAttn, 16, 16) - mid(64)).toBe(4 * (countUNetFlops(noAttn, 8, 8) - mid(16)));
    expect(countUNetFlops(TINY, 16, 8)).toBeGreaterThan(countUNetFlops(TINY, 8, 8));
  });

  it.each(['tiny-unet', 'random-unet', 'random-unet-adapters'])('agrees with count_flops of model.py stored in %s/config.json', (name) => {
    const config = parseModelConfig(JSON.parse(readFileSync(fixture(name), 'utf8')));
    const side = config.resolution!;
    for (const [level, flops] of Object.entries(config.flops!)) {
      const k = Number(level);
      expect(countUNetFlops(config.architecture, side >> k, side >> k, k)).toBe(flops);
    }
  });

  it('counts level adapters (v2) at levels >= 1 only: 2 x 2 r C per pixel of each residual block', () => {
    const v2: UNetArchitecture = { ...TINY, architecture: 'upshift-unet-v2', levelAdapterRank: 3 };
    expect(countUNetFlops(v2, 8, 8, 0)).toBe(countUNetFlops(TINY, 8, 8));
    // Residual blocks (output channels, pixels): down 4 @64, 8 @16; mid 8, 8 @16; up 8, 8 @16, 4, 4 @64.
    const adapters = 2 * 2 * 3 * (4 * 64 + 8 * 16 + 2 * 8 * 16 + 2 * 8 * 16 + 2 * 4 * 64);
    expect(countUNetFlops(v2, 8, 8, 1) - countUNetFlops(TINY, 8, 8, 1)).toBe(adapters);
  });
});
