import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import { imageSwd } from './image-swd.js';
import { checkAgainstNoiseBand, noiseBand } from './noise-band.js';
import { drawClassMatchedReference, takeImages } from './reference-draw.js';
import type { SwdDrawSummary } from './swd-over-draws.js';
import { DRAW_SEED_STRIDE, meanAndSpread, summarizeSwdDraws, swdOverDraws } from './swd-over-draws.js';
import { attenuateFineDetail, smoothRandomImages } from './test-images.js';

const summary = (means: number[][]): SwdDrawSummary => ({
  draws: means[0]!.length,
  levels: means.map((values, k) => ({ side: 64 >> k, ...meanAndSpread(values), values })),
});

describe('meanAndSpread / summarizeSwdDraws', () => {
  it('gives mean, sample standard deviation, min and max per level', () => {
    expect(meanAndSpread([1, 2, 3, 6])).toEqual({ mean: 3, std: Math.sqrt(14 / 3), min: 1, max: 6 });
    expect(meanAndSpread([5]).std).toBe(0);
    const s = summarizeSwdDraws([
      { levels: [{ side: 32, distance: 1 }, { side: 16, distance: 4 }], mean: 2.5 },
      { levels: [{ side: 32, distance: 3 }, { side: 16, distance: 4 }], mean: 3.5 },
    ]);
    expect(s.draws).toBe(2);
    expect(s.levels[0]).toEqual({ side: 32, mean: 2, std: Math.SQRT2, min: 1, max: 3, values: [1, 3] });
    expect(s.levels[1]!.std).toBe(0);
    expect(() => summarizeSwdDraws([])).toThrow(ConfigError);
    expect(() => summarizeSwdDraws([{ levels: [{ side: 32, distance: 1 }], mean: 1 }, { levels: [{ side: 16, distance: 1 }], mean: 1 }])).toThrow(/levels 32/);
  });
});

describe('noiseBand / checkAgainstNoiseBand (numbers)', () => {
  it('is the spread of the sets\' means per level, and a difference is resolved only outside it', () => {
    const full = summary([[80, 82], [60, 62], [170, 176]]); // means 81, 61, 173
    const second = summary([[83, 83], [64, 62], [175, 175]]); // means 83, 63, 175
    const band = noiseBand([full, second]);
    expect(band.sets).toBe(2);
    expect(band.levels.map((l) => l.width)).toEqual([2, 2, 2]);
    expect(band.levels[0]!.relative).toBeCloseTo(2 / 82, 12);
    const policy = summary([[145, 144], [62, 63], [150, 150]]); // +63.5, +1.5, -23
    const checks = checkAgainstNoiseBand(policy, full, band);
    expect(checks.map((c) => c.resolved)).toEqual([true, false, true]);
    expect(checks[0]!.difference).toBeCloseTo(63.5, 12);
    expect(checks[0]!.ratio).toBeCloseTo(31.75, 12);
    expect(checks[2]!.difference).toBeCloseTo(-23, 12);
    expect(noiseBand([full, second, summary([[90, 90], [61, 61], [173, 173]])]).levels[0]!.width).toBe(9);
  });

  it('rejects fewer than two sets and mismatched levels', () => {
    const a = summary([[1], [2]]);
    expect(() => noiseBand([a])).toThrow(/at least two/);
    expect(() => noiseBand([a, summary([[1]])])).toThrow(ConfigError);
    expect(() => checkAgainstNoiseBand(summary([[1]]), a, noiseBand([a, a]))).toThrow(ConfigError);
  });
});

describe('noise band of SWD on image sets', () => {
  // A held-out pool and generated sets of 16 px images (48 per set), three reference draws.
  const opts = { patchesPerImage: 48, directions: 32, minResolution: 8 };
  const pool = smoothRandomImages(96, 16, 100);
  const draws = drawClassMatchedReference(new Int32Array(96), new Array<number>(48).fill(0), { seed: 5, draws: 3 }).map((d) => takeImages(pool, d));
  const a = swdOverDraws(smoothRandomImages(48, 16, 1), draws, opts);

  it('swdOverDraws is imageSwd against each draw with the draw\'s seed offset', () => {
    const test = smoothRandomImages(48, 16, 1);
    const direct = draws.map((ref, d) => imageSwd(test, ref, { ...opts, seed: d * DRAW_SEED_STRIDE }));
    expect(a.draws).toBe(3);
    a.levels.forEach((l, k) => {
      expect(l.values).toEqual(direct.map((r) => r.levels[k]!.distance));
      expect(l.mean).toBeCloseTo(direct.reduce((s, r) => s + r.levels[k]!.distance, 0) / 3, 12);
    });
    expect(() => swdOverDraws(test, [], opts)).toThrow(/at least one reference draw/);
  });

  it('is narrow for two sets of one distribution and wide for two different ones (fine detail x 0.85)', () => {
    const b = swdOverDraws(smoothRandomImages(48, 16, 2), draws, opts);
    const softened = swdOverDraws(attenuateFineDetail(smoothRandomImages(48, 16, 3), 0.85), draws, opts);
    const same = noiseBand([a, b]);
    const different = noiseBand([a, softened]);
    expect(different.levels[0]!.width).toBeGreaterThan(4 * same.levels[0]!.width);
    // Measured against the same-distribution band, the softened set's difference is resolved.
    const check = checkAgainstNoiseBand(softened, a, same);
    expect(check[0]!.resolved).toBe(true);
    expect(check[0]!.difference).toBeGreaterThan(0);
  });
});
