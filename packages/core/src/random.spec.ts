import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createNoiseSource, restoreNoiseSource } from './random.js';
import { ConfigError } from './errors.js';

describe('createNoiseSource', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = createNoiseSource(42).normalArray(1000);
    const b = createNoiseSource(42).normalArray(1000);
    const c = createNoiseSource(43).normalArray(1000);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('draws standard normals (mean, variance, lag-1 correlation within 5 standard errors)', () => {
    const n = 200_000;
    const x = createNoiseSource(7).normalArray(n);
    let m = 0;
    for (const v of x) m += v;
    m /= n;
    let v2 = 0;
    let c1 = 0;
    for (let i = 0; i < n; i++) {
      v2 += (x[i]! - m) ** 2;
      if (i > 0) c1 += (x[i]! - m) * (x[i - 1]! - m);
    }
    v2 /= n;
    c1 /= n - 1;
    const se = 1 / Math.sqrt(n);
    expect(Math.abs(m)).toBeLessThan(5 * se);
    expect(Math.abs(v2 - 1)).toBeLessThan(5 * Math.SQRT2 * se);
    expect(Math.abs(c1)).toBeLessThan(5 * se);
  });

  it('forks independent, reproducible streams', () => {
    const f1 = createNoiseSource(1).fork('resizer').normalArray(10);
    const f2 = createNoiseSource(1).fork('resizer').normalArray(10);
    const g = createNoiseSource(1).fork('sampler').normalArray(10);
    expect(Array.from(f1)).toEqual(Array.from(f2));
    expect(Array.from(f1)).not.toEqual(Array.from(g));
  });

  it('makes tensors of the asked shape', () => {
    const before = tf.memory().numTensors;
    const t = createNoiseSource(3).normal([2, 4, 4, 3]);
    expect(t.shape).toEqual([2, 4, 4, 3]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a bad seed naming the field and value', () => {
    expect(() => createNoiseSource(-1)).toThrow(ConfigError);
    expect(() => createNoiseSource(1.5)).toThrow(/seed = 1.5/);
  });

  it('captures its position as JSON and restores it: the restored stream draws the same numbers', () => {
    for (const skip of [0, 1, 2, 7]) {
      const a = createNoiseSource(5).fork('sampler');
      a.normalArray(skip); // odd counts leave a Box-Muller spare behind
      const state = a.capture();
      const b = restoreNoiseSource(JSON.parse(JSON.stringify(state)) as typeof state);
      expect(Array.from(b.normalArray(9))).toEqual(Array.from(a.normalArray(9)));
      expect(b.capture()).toEqual(a.capture());
      expect(state.spare === null).toBe(skip % 2 === 0);
    }
  });

  it('rejects a malformed captured state, naming the field', () => {
    const state = createNoiseSource(1).capture();
    expect(() => restoreNoiseSource({ ...state, words: [1, 2, 3] as never }, 'checkpoint.noise.sampler')).toThrow(/checkpoint\.noise\.sampler\.words = \[1,2,3\]/);
    expect(() => restoreNoiseSource({ ...state, words: [0, 0, 0, 0] })).toThrow(/all-zero state/);
    expect(() => restoreNoiseSource({ ...state, spare: Number.NaN })).toThrow(/noise\.spare = NaN/);
    expect(() => restoreNoiseSource({ ...state, algorithm: 'mt19937' as never })).toThrow(/noise\.algorithm = "mt19937"/);
  });
});
