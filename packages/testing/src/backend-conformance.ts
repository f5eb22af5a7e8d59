/**
 * The backend conformance suite: every backend package runs it (as tfjs backends re-run
 * tfjs-core's suite). It checks the ops the UNet uses, a denoiser forward pass and a few seeded
 * sampler-like steps against the tfjs cpu backend within per-op relative error bounds, and that
 * no tensor leaks, including when an op throws.
 *
 * Data never moves from the backend under test back to cpu (tfjs moves data with a synchronous
 * read, which webgpu cannot do in Node): the cpu reference is computed first, from the same
 * seeded inputs, and everything made on the backend under test is read with `await data()`.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createNoiseSource } from '@upshift/core';
import type { BackendProvider, Denoiser, DenoiserContext } from '@upshift/core';
import { describe, expect, it } from 'vitest';
import { conformanceInputs, conformanceOpCases } from './conformance-ops.js';
import { createConformanceDenoiser } from './conformance-denoiser.js';
import { relativeError, relativeErrorBeyond } from './relative-error.js';

/** A real model for the denoiser tests (e.g. the tiny UNet fixture of @upshift/models). */
export interface ConformanceModel {
  /** Name for test titles. */
  readonly name: string;
  /** Loads a fresh copy on the active backend; the suite disposes it. */
  load(): Promise<Denoiser>;
  /** Side of the test input (keep it small on software GPUs). */
  readonly side: number;
  /** Resolution level that side is at. */
  readonly level: number;
  /** Class label per batch item (`null` = unconditional). */
  readonly classLabel?: number | null;
  /** Image channels the model expects; default 3. */
  readonly channels?: number;
}

/** Options of {@link describeBackendConformance}. */
export interface BackendConformanceOptions {
  /** The backend under test. */
  readonly provider: BackendProvider;
  /** Skip the whole suite, giving this reason (e.g. "no GPU adapter here"); default: run. */
  readonly skip?: string | false;
  /** Spatial side of the op inputs (even). */
  readonly side?: number;
  /** Channels of the op inputs (divisible by 4). */
  readonly channels?: number;
  /** Relative L2 error bounds by op name (see {@link DEFAULT_CONFORMANCE_TOLERANCES}). */
  readonly tolerances?: Readonly<Record<string, number>>;
  /** Real model for the forward-pass and sampler-steps tests; the synthetic denoiser always runs. */
  readonly model?: ConformanceModel;
  /** Seed of all inputs. */
  readonly seed?: number;
  /** Euler steps in the seeded sampler-like run. */
  readonly samplerSteps?: number;
  /** Timeout of each denoiser test in ms (software GPUs pay ~10 ms per kernel launch). */
  readonly denoiserTimeoutMs?: number;
}

/**
 * Relative L2 error bounds against cpu. float32 kernels that reorder sums land near 1e-6;
 * the bounds leave two orders of margin but catch a wrong kernel (errors near 1).
 */
export const DEFAULT_CONFORMANCE_TOLERANCES: Readonly<Record<string, number>> = {
  'conv2d-3x3': 1e-4,
  'conv2d-1x1': 1e-4,
  'conv2d-3x3-stride2': 1e-4,
  'group-norm': 1e-4,
  silu: 1e-5,
  attention: 1e-4,
  // sin/cos of phases up to ~30 rad: GPU transcendental functions are less exact than JS Math.
  'dense-embedding': 1e-3,
  'avg-pool-2x2': 1e-5,
  'resize-nearest-2x': 0,
  'resize-bilinear-2x': 1e-5,
  'concat-channels': 0,
  denoiser: 1e-3,
  'sampler-steps': 2e-3,
};

/** Defaults of the numeric options of {@link BackendConformanceOptions}. */
export const DEFAULT_BACKEND_CONFORMANCE_OPTIONS = { side: 16, channels: 16, seed: 1234, samplerSteps: 3, denoiserTimeoutMs: 60_000 } as const;

/** Set UPSHIFT_CONFORMANCE_REPORT=1 to print each measured relative error. */
function report(backend: string, test: string, error: number): void {
  if (typeof process !== 'undefined' && process.env['UPSHIFT_CONFORMANCE_REPORT']) console.info(`[conformance] ${backend} ${test}: relative error ${error.toExponential(2)}`);
}

async function activateCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('cannot activate the tfjs cpu backend');
}

/** Runs `work` on the active backend, reads the result, and checks no tensor leaked. */
async function readLeakFree(work: () => tf.Tensor | Promise<tf.Tensor>): Promise<Float32Array> {
  const before = tf.memory().numTensors;
  const out = await work();
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  }
}

/**
 * The sigma grid of the sampler-like run: geometric from 10 down to 0.5, ending there (no final
 * step to 0). At these noise levels the network's prediction, not the skip connection, makes up
 * most of each update, so the result says whether the backends agree on the network.
 */
function eulerSigmas(steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => 10 * Math.pow(0.5 / 10, i / steps));
}

/** The run's starting point `sigma_0 * z`, z from the seeded noise source. */
function eulerStart(seed: number, side: number, channels: number, sigma0: number): Float32Array {
  return createNoiseSource(seed).normalArray(side * side * channels).map((v) => v * sigma0);
}

/** Sigma of the forward-pass test: high enough that the network, not the skip, dominates. */
const FORWARD_SIGMA = 10;

/** A seeded Euler run in sigma space (the sampler-like steps), returning the final x. */
async function seededEuler(denoiser: Denoiser, side: number, channels: number, ctx: DenoiserContext, start: Float32Array, steps: number): Promise<Float32Array> {
  const sigmas = eulerSigmas(steps);
  let x = tf.tensor4d(start, [1, side, side, channels]);
  try {
    for (let i = 0; i < steps; i++) {
      const s = sigmas[i]!;
      const next = sigmas[i + 1]!;
      const x0 = await denoiser.denoise(x, s, ctx);
      const stepped = tf.tidy(() => tf.add(x, tf.mul(tf.div(tf.sub(x, x0), s), next - s)) as tf.Tensor4D);
      x0.dispose();
      x.dispose();
      x = stepped;
    }
    return (await x.data()) as Float32Array;
  } finally {
    x.dispose();
  }
}

/**
 * Declares the conformance suite for one backend (call it at the top level of a spec file).
 *
 * @example
 * describeBackendConformance({ provider: wasmBackendProvider, model: tinyUnet });
 */
export function describeBackendConformance(options: BackendConformanceOptions): void {
  const { provider, model } = options;
  const side = options.side ?? DEFAULT_BACKEND_CONFORMANCE_OPTIONS.side;
  const channels = options.channels ?? DEFAULT_BACKEND_CONFORMANCE_OPTIONS.channels;
  const seed = options.seed ?? DEFAULT_BACKEND_CONFORMANCE_OPTIONS.seed;
  const steps = options.samplerSteps ?? DEFAULT_BACKEND_CONFORMANCE_OPTIONS.samplerSteps;
  const denoiserTimeout = options.denoiserTimeoutMs ?? DEFAULT_BACKEND_CONFORMANCE_OPTIONS.denoiserTimeoutMs;
  const tolerances = { ...DEFAULT_CONFORMANCE_TOLERANCES, ...options.tolerances };
  const bound = (name: string) => tolerances[name] ?? 1e-4;

  /** Runs `compute` on cpu, then on the backend under test; returns both results. */
  async function onBoth(compute: () => Promise<Float32Array>): Promise<{ expected: Float32Array; actual: Float32Array }> {
    await activateCpu();
    const expected = await compute();
    await provider.activate();
    expect(tf.getBackend()).toBe(provider.name);
    const actual = await compute();
    return { expected, actual };
  }

  const suite = options.skip ? describe.skip : describe;
  suite(`backend conformance: ${provider.name}${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    it('passes its capability check and activates', async () => {
      const capability = await provider.check();
      expect(capability, JSON.stringify(capability)).toMatchObject({ available: true });
      await provider.activate();
      expect(tf.getBackend()).toBe(provider.name);
    });

    for (const opCase of conformanceOpCases(side, channels)) {
      it(`${opCase.name} matches cpu (relative error <= ${bound(opCase.name)}) without leaks`, async () => {
        const { expected, actual } = await onBoth(() =>
          readLeakFree(() => {
            const inputs = conformanceInputs(opCase, seed);
            try {
              return tf.tidy(() => opCase.run(inputs));
            } finally {
              tf.dispose(inputs);
            }
          }),
        );
        const error = relativeError(actual, expected);
        report(provider.name, opCase.name, error);
        expect(error, `${opCase.name} relative error ${error}`).toBeLessThanOrEqual(bound(opCase.name));
      });
    }

    it('frees every tensor when an op throws inside tidy', async () => {
      await provider.activate();
      const before = tf.memory().numTensors;
      expect(() =>
        tf.tidy(() => {
          const x = tf.ones([1, side, side, channels]) as tf.Tensor4D;
          const w = tf.ones([3, 3, channels + 1, channels]) as tf.Tensor4D;
          return tf.conv2d(x, w, 1, 'same');
        }),
      ).toThrow();
      expect(tf.memory().numTensors).toBe(before);
    });

    const denoisers: { name: string; load: () => Promise<Denoiser>; side: number; channels: number; ctx: DenoiserContext }[] = [
      {
        name: 'synthetic conformance denoiser',
        load: async () => createConformanceDenoiser({ seed, channels: 3 }),
        side,
        channels: 3,
        ctx: { level: 0 },
      },
    ];
    if (model !== undefined) {
      denoisers.push({
        name: model.name,
        load: () => model.load(),
        side: model.side,
        channels: model.channels ?? 3,
        ctx: { level: model.level, classLabels: model.classLabel === undefined ? null : [model.classLabel] },
      });
    }

    for (const d of denoisers) {
      /** Loads the denoiser on the active backend, runs `use`, disposes it, checks leaks. */
      const withDenoiser = async (use: (denoiser: Denoiser) => Promise<Float32Array>): Promise<Float32Array> => {
        const before = tf.memory().numTensors;
        const denoiser = await d.load();
        try {
          return await use(denoiser);
        } finally {
          denoiser.dispose?.();
          expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
        }
      };

      // Errors are measured on the part of the output that is not a multiple of the input (the
      // skip connection, identical everywhere), see relativeErrorBeyond.
      const shape: [number, number, number, number] = [1, d.side, d.side, d.channels];
      const forwardInput = createNoiseSource(seed).normalArray(d.side * d.side * d.channels);
      const eulerInput = eulerStart(seed, d.side, d.channels, eulerSigmas(steps)[0]!);

      it(`${d.name}: forward pass matches cpu (relative error of the network part <= ${bound('denoiser')})`, async () => {
        const { expected, actual } = await onBoth(() =>
          withDenoiser(async (denoiser) => {
            const x = tf.tensor4d(forwardInput, shape);
            try {
              return await readLeakFree(() => denoiser.denoise(x, FORWARD_SIGMA, d.ctx));
            } finally {
              x.dispose();
            }
          }),
        );
        const error = relativeErrorBeyond(actual, expected, forwardInput);
        report(provider.name, `${d.name} forward`, error);
        expect(error, `forward relative error ${error}`).toBeLessThanOrEqual(bound('denoiser'));
      }, denoiserTimeout);

      it(`${d.name}: ${steps} seeded Euler steps give the cpu result (relative error of the network part <= ${bound('sampler-steps')})`, async () => {
        const { expected, actual } = await onBoth(() =>
          withDenoiser((denoiser) => seededEuler(denoiser, d.side, d.channels, d.ctx, eulerInput, steps)),
        );
        const error = relativeErrorBeyond(actual, expected, eulerInput);
        report(provider.name, `${d.name} ${steps} Euler steps`, error);
        expect(error, `sampler-steps relative error ${error}`).toBeLessThanOrEqual(bound('sampler-steps'));
      }, denoiserTimeout);
    }
  });
}
