/**
 * Seeded, backend-independent noise. Numbers come from a JS PRNG (SplitMix32 seeding a
 * xoshiro128** stream, Box-Muller for normals), so the same seed gives the same noise on
 * cpu, wasm and webgpu, and a run is reproducible bit for bit.
 */

import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ConfigError } from './errors.js';

/**
 * The position of a {@link NoiseSource}'s stream as plain JSON data (saved in run checkpoints):
 * restoring it with {@link restoreNoiseSource} continues the stream bit for bit.
 */
export interface NoiseSourceState {
  /** The generator (only `"xoshiro128**"` today). */
  readonly algorithm: 'xoshiro128**';
  /** The seed the source was created with (informative: forks derive from it). */
  readonly seed: number;
  /** The four 32-bit words of the generator state, as unsigned integers. */
  readonly words: readonly [number, number, number, number];
  /** Box-Muller's second normal of the last pair, if not yet drawn. */
  readonly spare: number | null;
}

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
  /** The stream's current position as plain data; drawing more does not change the returned object. */
  capture(): NoiseSourceState;
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

  constructor(
    readonly seed: number,
    restored?: NoiseSourceState,
  ) {
    if (restored !== undefined) {
      [this.s0, this.s1, this.s2, this.s3] = restored.words.map((w) => w | 0) as [number, number, number, number];
      this.spare = restored.spare ?? undefined;
      return;
    }
    const sm = splitmix32(seed >>> 0);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
  }

  capture(): NoiseSourceState {
    return {
      algorithm: 'xoshiro128**',
      seed: this.seed,
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
      spare: this.spare ?? null,
    };
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

const isUint32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/**
 * Recreates a noise source at a captured position (see {@link NoiseSource.capture}): it draws
 * exactly what the captured source would have drawn next.
 *
 * @param field names the state in errors (default `"noise"`).
 * @throws ConfigError naming `<field>.<key>` and the value when the state is malformed.
 */
export function restoreNoiseSource(state: NoiseSourceState, field = 'noise'): NoiseSource {
  if (state === null || typeof state !== 'object') throw new ConfigError(field, state, 'must be a captured noise state');
  if (state.algorithm !== 'xoshiro128**') throw new ConfigError(`${field}.algorithm`, state.algorithm, 'must be "xoshiro128**"');
  if (!isUint32(state.seed)) throw new ConfigError(`${field}.seed`, state.seed, 'must be an integer in [0, 4294967295]');
  const words = state.words as unknown;
  if (!Array.isArray(words) || words.length !== 4 || !words.every(isUint32)) {
    throw new ConfigError(`${field}.words`, words, 'must be 4 integers in [0, 4294967295]');
  }
  // xoshiro's all-zero state is a fixed point: it never comes out of a seeded stream.
  if (words.every((w) => w === 0)) throw new ConfigError(`${field}.words`, words, 'the all-zero state is invalid');
  if (state.spare !== null && !(typeof state.spare === 'number' && Number.isFinite(state.spare))) {
    throw new ConfigError(`${field}.spare`, state.spare, 'must be a finite number or null');
  }
  return new Xoshiro128NoiseSource(state.seed, state);
}
