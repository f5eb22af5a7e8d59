import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { emojiUNetFactory } from '@upshift/models';
import { maxLevelOf } from './model-levels.js';

describe('maxLevelOf', () => {
  it('the shipped UNet (4 levels, sides multiples of 8): the deepest level whose sides the network takes', async () => {
    const described = await emojiUNetFactory.describe!(undefined);
    expect(described).toMatchObject({ numLevels: 4, sideMultiple: 8, resolution: { height: 64, width: 64 } });
    const at = (height: number, width: number): number => maxLevelOf({ height, width }, described, 'emoji-unet');
    expect(at(64, 64)).toBe(3); // 8x8 at level 3
    expect(at(64, 32)).toBe(2); // 16x8; level 3 would be 8x4
    expect(at(32, 32)).toBe(2);
    expect(at(16, 16)).toBe(1);
    expect(at(8, 8)).toBe(0);
    expect(at(48, 32)).toBe(1); // 24x16; 12x8 is not a multiple of 8
    expect(at(128, 128)).toBe(3); // the model's levels cap it
  });

  it('without constraints: the deepest level with whole sides', () => {
    expect(maxLevelOf({ height: 60, width: 64 }, {}, 'm')).toBe(2);
    expect(maxLevelOf({ height: 7, width: 64 }, {}, 'm')).toBe(0);
  });

  it.each([
    [64, 36, '64x36', '64x40'],
    [20, 20, '20x20', '24x24'],
    [4, 64, '4x64', '8x64'],
  ])('%ix%i: ConfigError naming resolution, the value and a size that fits', (height, width, value, suggestion) => {
    let error: unknown;
    try {
      maxLevelOf({ height, width }, { numLevels: 4, sideMultiple: 8 }, 'emoji-unet');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'resolution', value });
    expect((error as Error).message).toContain(`must be multiples of 8 for model "emoji-unet" (its network halves the image 3 times); e.g. ${suggestion}`);
  });
});
