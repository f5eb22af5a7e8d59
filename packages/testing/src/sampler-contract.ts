/**
 * The contract every Upshift sampler passes (the idea of diffusers' `SchedulerCommonTest`):
 * shapes and sigma bookkeeping, determinism under a seed, explicit state (no closures, stepIndex,
 * freed by `disposeState`), no leaked tensors (also when the denoiser throws), exactness on
 * point-mass data (the exact denoiser is a constant, so x must stay N(c, sigma^2) at every
 * step: exactly for deterministic samplers, in distribution for stochastic ones) and
 * `onLevelChange` in both directions.
 *
 * @example
 * describeSamplerContract(() => createEulerSampler());
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createNoiseSource, restoreNoiseSource, restoreSamplerState, saveSamplerState } from '@upshift/core';
import type { Awaitable, Denoiser, DenoiserContext, Latent, NoiseSource, Sampler, SamplerState } from '@upshift/core';
import { createBoxTestResizer } from './box-test-resizer.js';
import { createGaussianDenoiser } from './gaussian-denoiser.js';
import { runSampler } from './run-sampler.js';

/** Options of {@link describeSamplerContract}. */
export interface SamplerContractOptions {
  /** Suite title (default: the sampler's name). */
  readonly title?: string;
  /** tfjs backend to run on (default "cpu"). */
  readonly backend?: string;
}

/** A denoiser wrapper that counts calls, records contexts and can throw on call `failAt`. */
function recording(inner: Denoiser, failAt = Infinity): Denoiser & { calls: number; contexts: DenoiserContext[] } {
  const rec = {
    name: `recording(${inner.name})`,
    channels: inner.channels,
    calls: 0,
    contexts: [] as DenoiserContext[],
    denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): Awaitable<tf.Tensor4D> {
      rec.calls++;
      rec.contexts.push(ctx);
      if (rec.calls >= failAt) throw new Error('denoiser failure (test)');
      return inner.denoise(x, sigma, ctx);
    },
  };
  return rec;
}

/**
 * `inner` answering asynchronously, as a worker pool does: the result is made now (on the
 * input as it is now) but handed over only after a macrotask; call `failAt` rejects.
 */
function answeringLater(inner: Denoiser, failAt = Infinity): Denoiser & { calls: number } {
  const later = {
    name: `later(${inner.name})`,
    channels: inner.channels,
    calls: 0,
    async denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): Promise<tf.Tensor4D> {
      later.calls++;
      const fail = later.calls >= failAt;
      const out = fail ? undefined : await inner.denoise(x, sigma, ctx);
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (fail) throw new Error('asynchronous denoiser failure (test)');
      return out!;
    },
  };
  return later;
}

/** A noise source that counts the samples drawn. */
function countingNoise(seed: number): NoiseSource & { drawn: number } {
  const inner = createNoiseSource(seed);
  const src = {
    seed,
    drawn: 0,
    normal<R extends tf.Rank>(shape: readonly number[]): tf.Tensor<R> {
      src.drawn += shape.reduce((a, b) => a * b, 1);
      return inner.normal<R>(shape);
    },
    normalArray(length: number): Float32Array {
      src.drawn += length;
      return inner.normalArray(length);
    },
    fork: (label: string) => inner.fork(label),
    capture: () => inner.capture(),
  };
  return src;
}

function karras(n: number, sigmaMin = 0.02, sigmaMax = 20, rho = 7): number[] {
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  return [...Array.from({ length: n }, (_, i) => (a + (n === 1 ? 0 : i / (n - 1)) * (b - a)) ** rho), 0];
}

function tensorsOf(state: SamplerState): tf.Tensor[] {
  return Object.values(state).filter((v): v is tf.Tensor => v instanceof tf.Tensor);
}

/**
 * Registers the shared sampler contract suite for `factory` (a fresh sampler per call).
 */
export function describeSamplerContract(factory: () => Sampler, options: SamplerContractOptions = {}): void {
  const probe = factory();
  describe(options.title ?? `sampler contract: ${probe.name}`, () => {
    const shape: [number, number, number, number] = [2, 8, 8, 2];
    const data = { mean: 0.1, std: 0.5, channels: 2 };

    beforeAll(async () => {
      await tf.setBackend(options.backend ?? 'cpu');
      await tf.ready();
    });

    function initial(seed: number, sigma: number, s = shape): tf.Tensor4D {
      return tf.tidy(() => tf.add(tf.mul(createNoiseSource(seed).normal<tf.Rank.R4>(s), Math.sqrt(sigma * sigma + 0.25)), 0.1) as tf.Tensor4D);
    }

    it('declares name, order, stochastic and a fresh explicit state', () => {
      const s = factory();
      expect(typeof s.name).toBe('string');
      expect(s.name.length).toBeGreaterThan(0);
      expect(Number.isInteger(s.order) && s.order >= 1).toBe(true);
      expect(typeof s.stochastic).toBe('boolean');
      const a = s.initState();
      const b = s.initState();
      expect(a).not.toBe(b);
      expect(a.kind).toBe(s.name);
      expect(a.stepIndex).toBe(0);
      for (const v of Object.values(a)) expect(typeof v).not.toBe('function');
      expect(tensorsOf(a)).toHaveLength(0);
    });

    it('steps: same shape and level, sigma = sigmaNext, input kept, stepIndex + 1, ctx passed through', async () => {
      const s = factory();
      const d = createGaussianDenoiser(data);
      const rec = recording(d);
      const x = initial(1, 4);
      const noise = createNoiseSource(3);
      const ctx: DenoiserContext = { level: 0, classLabels: [1, null], guidance: 2.5 };
      let state = s.initState();
      let latent: Latent = { x, level: 0, sigma: 4 };
      for (const [i, next] of [2, 1, 0].entries()) {
        const before = rec.calls;
        const out = await s.step({ denoiser: rec, latent, sigmaNext: next, state, ctx, noise });
        expect(latent.x.isDisposed).toBe(false);
        expect(out.latent.x.shape).toEqual(shape);
        expect(out.denoised.shape).toEqual(shape);
        expect(out.latent.level).toBe(0);
        expect(out.latent.sigma).toBe(next);
        expect(out.state.stepIndex).toBe(i + 1);
        expect(out.state.kind).toBe(s.name);
        expect(out.modelCalls).toBe(rec.calls - before);
        expect(out.modelCalls).toBeGreaterThanOrEqual(1);
        expect(Array.from(out.latent.x.dataSync()).every(Number.isFinite)).toBe(true);
        for (const c of rec.contexts) {
          expect(c.level).toBe(0);
          expect(c.classLabels).toEqual([1, null]);
          expect(c.guidance).toBe(2.5);
        }
        latent.x.dispose();
        out.denoised.dispose();
        latent = out.latent;
        state = out.state;
      }
      latent.x.dispose();
      s.disposeState(state);
    });

    it('is exact on point-mass data: x stays N(c, sigma^2) at every step', async () => {
      const s = factory();
      const c = 0.3;
      const constant: Denoiser = { name: 'constant', channels: 2, denoise: (x) => tf.fill(x.shape, c) as tf.Tensor4D };
      const big: [number, number, number, number] = [2, 64, 64, 2];
      const sigmas = karras(8);
      const x = tf.tidy(() => tf.add(tf.mul(createNoiseSource(5).normal<tf.Rank.R4>(big), sigmas[0]!), c) as tf.Tensor4D);
      const start = x.dataSync().slice();
      (
        await runSampler({
          sampler: s,
          denoiser: constant,
        x,
        sigmas,
        noise: createNoiseSource(6),
        onStep: (i, latent) => {
          const v = latent.x.dataSync();
          const next = sigmas[i + 1]!;
          if (next === 0) {
            for (let k = 0; k < v.length; k += 97) expect(v[k]!).toBeCloseTo(c, 5);
            return;
          }
          if (!s.stochastic) {
            // Every consistent deterministic solver is exact here: x - c scales by sigma'/sigma.
            const ratio = next / sigmas[0]!;
            for (let k = 0; k < v.length; k += 97) {
              const e = (start[k]! - c) * ratio;
              expect(Math.abs(v[k]! - c - e)).toBeLessThan(3e-5 * (1 + Math.abs(e)));
            }
          } else {
            let sum2 = 0;
            for (let k = 0; k < v.length; k++) sum2 += (v[k]! - c) ** 2;
            // 16384 samples: std error of the std 0.55 %; 3 % tolerance.
            expect(Math.abs(Math.sqrt(sum2 / v.length) / next - 1)).toBeLessThan(0.03);
          }
        },
        })
      ).latent.x.dispose();
      x.dispose();
    });

    it('is deterministic under a seed and draws noise only if stochastic', async () => {
      const d = createGaussianDenoiser(data);
      const run = async (seed: number) => {
        const noise = countingNoise(seed);
        const x = initial(11, 20);
        const out = await runSampler({ sampler: factory(), denoiser: d, x, sigmas: karras(6), noise });
        const v = out.latent.x.dataSync().slice();
        out.latent.x.dispose();
        x.dispose();
        return { v, drawn: noise.drawn };
      };
      const a = await run(42);
      const b = await run(42);
      const c = await run(43);
      expect(Array.from(a.v)).toEqual(Array.from(b.v));
      if (probe.stochastic) {
        expect(a.drawn).toBeGreaterThan(0);
        expect(Array.from(a.v)).not.toEqual(Array.from(c.v));
      } else {
        expect(a.drawn).toBe(0);
        expect(Array.from(a.v)).toEqual(Array.from(c.v));
      }
    });

    it('leaks no tensors over a run, after disposeState, and when the denoiser throws', async () => {
      const d = createGaussianDenoiser(data);
      const x = initial(1, 20);
      const base = tf.memory().numTensors;
      const out = await runSampler({ sampler: factory(), denoiser: d, x, sigmas: karras(5), noise: createNoiseSource(1) });
      out.latent.x.dispose();
      expect(tf.memory().numTensors).toBe(base);
      for (const failAt of [1, 2, 4]) {
        const rec = recording(d, failAt);
        await expect(runSampler({ sampler: factory(), denoiser: rec, x, sigmas: karras(5), noise: createNoiseSource(1) })).rejects.toThrow(
          'denoiser failure',
        );
        expect(tf.memory().numTensors).toBe(base);
      }
      x.dispose();
    });

    it('gives the same result with a denoiser that answers asynchronously, and leaks nothing when it rejects', async () => {
      const d = createGaussianDenoiser(data);
      const x = initial(4, 20);
      const base = tf.memory().numTensors;
      const run = async (denoiser: Denoiser) => {
        const out = await runSampler({ sampler: factory(), denoiser, x, sigmas: karras(5), noise: createNoiseSource(8) });
        const v = Array.from(await out.latent.x.data());
        out.latent.x.dispose();
        return { v, calls: out.modelCalls };
      };
      const sync = await run(d);
      const later = answeringLater(d);
      const async = await run(later);
      expect(async.v).toEqual(sync.v);
      expect(later.calls).toBe(sync.calls);
      expect(tf.memory().numTensors).toBe(base);
      // Heun's second call of a step fails at call 2; the first step's single call at 1.
      for (const failAt of [1, 2, 5]) {
        await expect(run(answeringLater(d, failAt))).rejects.toThrow('asynchronous denoiser failure');
        expect(tf.memory().numTensors).toBe(base);
      }
      x.dispose();
    });

    it('saves its state as plain data; continuing from the restored state is bit-identical', async () => {
      const s = factory();
      const save = (st: SamplerState) => (s.saveState ? s.saveState(st) : saveSamplerState(st));
      const restore = (d: Awaited<ReturnType<typeof save>>, field?: string) => (s.restoreState ? s.restoreState(d, field) : restoreSamplerState(d, s.name, field));
      const d = createGaussianDenoiser(data);
      const base = tf.memory().numTensors;
      const sigmas = karras(6);
      const ctx: DenoiserContext = { level: 0 };
      const advance = async (st: SamplerState, latent: Latent, from: number, to: number, noise: NoiseSource) => {
        for (let i = from; i < to; i++) {
          const out = await s.step({ denoiser: d, latent, sigmaNext: sigmas[i + 1]!, state: st, ctx, noise });
          latent.x.dispose();
          out.denoised.dispose();
          latent = out.latent;
          st = out.state;
        }
        return { st, latent };
      };
      const noise = createNoiseSource(9);
      const mid = await advance(s.initState(), { x: initial(4, sigmas[0]!), level: 0, sigma: sigmas[0]! }, 0, 3, noise);
      const saved = await save(mid.st);
      const noiseState = noise.capture();
      const savedX = mid.latent.x.dataSync().slice();
      // The saved data is plain JSON scalars and typed arrays, and survives a JSON round trip of its scalars.
      expect(saved.kind).toBe(s.name);
      expect(saved.stepIndex).toBe(3);
      expect(JSON.parse(JSON.stringify(saved.fields))).toEqual(saved.fields);
      const straight = await advance(mid.st, mid.latent, 3, 6, noise);
      const restored = restore(saved, 'checkpoint.sampler');
      const resumed = await advance(restored, { x: tf.tensor4d(savedX, shape), level: 0, sigma: sigmas[3]! }, 3, 6, restoreNoiseSource(noiseState));
      expect(Array.from(resumed.latent.x.dataSync())).toEqual(Array.from(straight.latent.x.dataSync()));
      for (const r of [straight, resumed]) {
        r.latent.x.dispose();
        s.disposeState(r.st);
      }
      // Another sampler's state is rejected, naming the field.
      expect(() => restore({ ...saved, kind: `not-${s.name}` }, 'checkpoint.sampler')).toThrow(/checkpoint\.sampler\.kind/);
      expect(() => restore({ ...saved, stepIndex: -1 }, 'checkpoint.sampler')).toThrow(/checkpoint\.sampler\.stepIndex = -1/);
      expect(tf.memory().numTensors).toBe(base);
    });

    it('rejects a bad sigmaNext with ConfigError("sigmaNext") and keeps the state', async () => {
      const s = factory();
      const d = createGaussianDenoiser(data);
      const x = initial(1, 2);
      const base = tf.memory().numTensors;
      const state = s.initState();
      for (const bad of [-1, Number.NaN, 3, Infinity]) {
        let caught: unknown;
        try {
          await s.step({ denoiser: d, latent: { x, level: 0, sigma: 2 }, sigmaNext: bad, state, ctx: { level: 0 }, noise: createNoiseSource(1) });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(ConfigError);
        expect((caught as ConfigError).field).toBe('sigmaNext');
      }
      expect(tf.memory().numTensors).toBe(base);
      s.disposeState(state);
      x.dispose();
    });

    for (const [from, to] of [
      [1, 0],
      [0, 1],
    ] as const) {
      it(`onLevelChange ${from} -> ${to}: state tensors move to the new level, the run continues, nothing leaks`, async () => {
        const s = factory();
        const d = createGaussianDenoiser(data);
        const resizer = createBoxTestResizer();
        const noise = createNoiseSource(9);
        const fine: [number, number, number, number] = [2, 16, 16, 2];
        const base = tf.memory().numTensors;
        const sigmas = karras(6);
        let latent: Latent = { x: initial(2, sigmas[0]! / 2 ** from, from === 0 ? fine : shape), level: from, sigma: sigmas[0]! / 2 ** from };
        let state = s.initState();
        for (let i = 0; i < 2; i++) {
          const out = await s.step({ denoiser: d, latent, sigmaNext: sigmas[i + 1]! / 2 ** from, state, ctx: { level: from }, noise });
          latent.x.dispose();
          out.denoised.dispose();
          latent = out.latent;
          state = out.state;
        }
        const held = tensorsOf(state);
        const moved = s.onLevelChange(state, { from, to }, resizer);
        for (const t of held) if (!tensorsOf(moved).includes(t)) expect(t.isDisposed).toBe(true);
        expect(moved.stepIndex).toBe(2);
        expect(moved.kind).toBe(s.name);
        const side = to === 0 ? 16 : 8;
        for (const t of tensorsOf(moved)) expect(t.shape.slice(1, 3)).toEqual([side, side]);
        const resized = resizer.resize(latent, to, { noise });
        latent.x.dispose();
        latent = resized;
        state = moved;
        for (let i = 2; i < sigmas.length - 1; i++) {
          const out = await s.step({ denoiser: d, latent, sigmaNext: sigmas[i + 1]! / 2 ** to, state, ctx: { level: to }, noise });
          expect(out.latent.x.shape.slice(1, 3)).toEqual([side, side]);
          latent.x.dispose();
          out.denoised.dispose();
          latent = out.latent;
          state = out.state;
        }
        expect(Array.from(latent.x.dataSync()).every(Number.isFinite)).toBe(true);
        latent.x.dispose();
        s.disposeState(state);
        expect(tf.memory().numTensors).toBe(base);
      });
    }
  });
}
