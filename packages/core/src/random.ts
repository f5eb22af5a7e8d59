/**
 * Seeded, backend-independent noise. Numbers come from a JS PRNG (SplitMix32 seeding a
 * xoshiro128** stream, Box-Muller for normals), so the same seed gives the same noise on
 * cpu, wasm and webgpu, and a run is reproducible bit for bit.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ConfigError } from './errors.js';

/** A source of seeded Gaussian noise. Each call advances the stream. */
export interface NoiseSource {
  /** The seed this source was created with. */
  readonly seed: number;
  /** A tensor of i.i.d. N(0, 1) samples of `shape` (float32). The caller owns it. */
  normal<R extends tf.Rank>(shape: readonly number[]): Tensor<R>;
  /** Raw samples into a Float32Array (no tensor). */
  normalArray(length: number): Float32Array;
  /** An independent child stream (for e.g. a resizer), derived from this seed and `label`. */
  fork(label: string): NoiseSource;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t = t ^ (t >>> 15);
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

function hashLabel(seed: number, label: string): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

class Xoshiro128NoiseSource implements NoiseSource {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(readonly seed: number) {
    const sm = splitmix32(seed >>> 0);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
  }

  private nextUint(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1), never 0 (Box-Muller takes its log). */
  private uniform(): number {
    return (this.nextUint() + 0.5) / 4294967296;
  }

  private gaussian(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  normalArray(length: number): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.gaussian();
    return out;
  }

  normal<R extends tf.Rank>(shape: readonly number[]): Tensor<R> {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(this.normalArray(n), [...shape] as number[], 'float32') as unknown as Tensor<R>;
  }

  fork(label: string): NoiseSource {
    return new Xoshiro128NoiseSource(hashLabel(this.nextUint() ^ this.seed, label));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Creates a seeded noise source. `seed` must be an integer in [0, 2^32). */
export function createNoiseSource(seed: number): NoiseSource {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ConfigError('seed', seed, 'must be an integer in [0, 4294967295]');
  }
  return new Xoshiro128NoiseSource(seed);
}
