/**
 * Backends through the pipeline: the same seeded run gives the same image on cpu, wasm and
 * webgpu (within float32 tolerance), a backend that cannot run fails the run with the reason,
 * a GPU device lost mid-run ends the run on the error channel with every tensor freed, and
 * auto-selection is logged once per Pipeline.
 *
 * webgpu runs on SwiftShader (a CPU Vulkan driver) when there is no GPU: ~10 ms per kernel
 * launch, so the model runs here are short. Without any adapter the webgpu tests are skipped
 * with the reason, except where the run requires webgpu (UPSHIFT_TEST_REQUIRE: CI installs
 * SwiftShader and must run them).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { container as globalContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { NO_ADAPTER_REASON, registerWebGpuBackend, webGpuBackendProvider } from '@upshift/backend-webgpu';
import { Backend, BackendUnavailableError, DenoiserFactory } from '@upshift/core';
import type { Denoiser, DenoiserContext } from '@upshift/core';
import { createFactoryGaussianDenoiser, gaussianDenoiserFactory, relativeError, skipUnless } from '@upshift/testing';
import { collectRun } from './collect-run.js';
import type { CollectedRun } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import { registerAll } from './register-all.js';

const gpu = await webGpuBackendProvider.check();
const noGpu = skipUnless('webgpu', gpu.available ? undefined : gpu.reason);
const backends = noGpu ? ['cpu', 'wasm'] : ['cpu', 'wasm', 'webgpu'];
/** NO_ADAPTER_REASON without its anchor, to match inside a longer message. */
const NO_ADAPTER = NO_ADAPTER_REASON.source.slice(1);
// The random-weights UNet fixture: its network makes 30-50 % of the output (the trained tiny
// fixture's barely moved output layers would leave a run almost all skip connection).
const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));

/** Every plugin, the three real backends, and the analytic "gaussian" model. */
function fullContainer(): DependencyContainer {
  const c = globalContainer.createChildContainer();
  registerAll(c);
  c.register(DenoiserFactory, { useValue: gaussianDenoiserFactory });
  return c;
}

let pipeline: Pipeline;
let baseline: number;

beforeAll(async () => {
  await tf.setBackend('cpu');
  baseline = tf.memory().numTensors;
  pipeline = new Pipeline(fullContainer());
});

afterAll(async () => {
  await pipeline.whenIdle();
  pipeline.dispose();
  await tf.setBackend('cpu');
  expect(tf.memory().numTensors).toBe(baseline);
});

afterEach(() => {
  // Every run path (done, error) frees what it made, whichever backend it ran on.
  expect(tf.memory().numTensors).toBe(baseline);
});

/** Runs `config` on each backend and returns the runs by backend name. */
async function onEachBackend(config: object, on: Pipeline = pipeline): Promise<Map<string, CollectedRun>> {
  const runs = new Map<string, CollectedRun>();
  for (const backend of backends) {
    const run = await collectRun(on.run({ ...config, backend }));
    expect(run.start.backend).toBe(backend);
    expect(tf.getBackend()).toBe(backend);
    runs.set(backend, run);
  }
  return runs;
}

/** Same plan and levels everywhere; images within `bound` (relative L2) of cpu's, and not trivial. */
function expectSameResult(runs: Map<string, CollectedRun>, bound: number): void {
  const cpu = runs.get('cpu')!;
  expect(cpu.done.image.data.every(Number.isFinite)).toBe(true);
  expect(cpu.done.image.data.some((v) => Math.abs(v) > 0.05)).toBe(true);
  for (const [backend, run] of runs) {
    expect(run.start.plan, backend).toEqual(cpu.start.plan);
    expect(run.done.stats.levels, backend).toEqual(cpu.done.stats.levels);
    expect(run.done.image.shape, backend).toEqual(cpu.done.image.shape);
    const error = relativeError(run.done.image.data, cpu.done.image.data);
    expect(error, `${backend} vs cpu: relative error ${error}`).toBeLessThanOrEqual(bound);
  }
}

// First: once tfjs has initialised wasm in this process, wasm files are no longer needed.
describe('backends that cannot run, through the pipeline', () => {
  /** A pipeline whose only backend is `register`'s, with a model factory that counts creations. */
  function pipelineWith(register: (c: DependencyContainer) => void): { pipeline: Pipeline; created: () => number } {
    const c = globalContainer.createChildContainer();
    registerAll(c, { backends: false });
    register(c);
    let created = 0;
    c.register(DenoiserFactory, { useValue: { ...gaussianDenoiserFactory, create: (o, k) => (created++, gaussianDenoiserFactory.create(o, k)) } });
    return { pipeline: new Pipeline(c), created: () => created };
  }

  it('wasm files missing: the run fails with BackendUnavailableError naming the file, before a model is made', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'upshift-no-wasm-'));
    try {
      const { pipeline: p, created } = pipelineWith((c) => registerWasmBackend(c, { wasmPaths: empty }));
      const error = await collectRun(p.run({ model: 'gaussian', backend: 'wasm', steps: 2 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as Error).message).toBe(
        `Backend "wasm" is not available here: wasm file missing: ${empty}/tfjs-backend-wasm-simd.wasm (point backendOptions.wasmPaths at the folder holding tfjs-backend-wasm-simd.wasm)`,
      );
      expect(created()).toBe(0);
      p.dispose();
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('webgpu without an adapter: the run fails with BackendUnavailableError saying why', async () => {
    const { pipeline: p, created } = pipelineWith((c) => registerWebGpuBackend(c, { dawnFlags: ['adapter=no-such-adapter'] }));
    const error = await collectRun(p.run({ model: 'gaussian', backend: 'webgpu', steps: 2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`^Backend "webgpu" is not available here: ${NO_ADAPTER}`));
    expect(created()).toBe(0);
    p.dispose();
  });

  it('an unknown backend name fails with UnknownPluginError listing the registered backends', async () => {
    const error = await collectRun(pipeline.run({ model: 'gaussian', backend: 'cuda', steps: 2 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnknownPluginError', field: 'backend', value: 'cuda' });
    expect((error as Error).message).toBe('Invalid backend = "cuda": unknown name; registered: "auto", "webgpu", "wasm", "cpu"');
  });

  it('auto falls back past backends that cannot run and logs one line per Pipeline, naming the order and reasons', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'upshift-no-wasm-'));
    try {
      const { pipeline: p } = pipelineWith((c) => {
        registerCpuBackend(c);
        registerWasmBackend(c, { wasmPaths: empty });
        registerWebGpuBackend(c, { dawnFlags: ['adapter=no-such-adapter'] });
      });
      const log = vi.fn();
      const first = await collectRun(p.run({ model: 'gaussian', backend: 'auto', steps: 2, resolution: { height: 8, width: 8 } }, { log }));
      const second = await collectRun(p.run({ model: 'gaussian', backend: 'auto', steps: 2, resolution: { height: 8, width: 8 } }, { log }));
      expect([first.start.backend, second.start.backend]).toEqual(['cpu', 'cpu']);
      const lines = log.mock.calls.map((call) => String(call[0])).filter((line) => line.startsWith('backend:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^backend: using "cpu" \\(auto, order webgpu > wasm > cpu; skipped webgpu \\(${NO_ADAPTER}[\\s\\S]*\\), wasm \\(wasm file missing: [^)]*\\)\\)\\): tfjs cpu`),
      );
      // Naming a backend still selects (and logs) it.
      await collectRun(p.run({ model: 'gaussian', backend: 'cpu', steps: 2, resolution: { height: 8, width: 8 } }, { log }));
      expect(log.mock.calls.filter((call) => String(call[0]).startsWith('backend:'))).toHaveLength(2);
      p.dispose();
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});

describe('backend choice changes no result', () => {
  it(`the same seeded upshifting run gives the same image on ${backends.join(', ')} (gaussian model)`, async () => {
    // Ancestral noise, a three-level pyramid and the DCT resizer's matmuls: everything but the
    // model is real. All noise comes from the seeded JS source, so it is the same everywhere.
    const config = {
      model: 'gaussian',
      steps: 8,
      seed: 11,
      batch: 2,
      resolution: { height: 32, width: 32 },
      policy: 'pyramid',
      sampler: 'euler-ancestral',
      resizer: 'dct-exact',
      upshiftNoise: 'fresh',
    };
    const runs = await onEachBackend(config);
    expect(new Set(runs.get('cpu')!.done.stats.levels).size).toBe(3);
    expectSameResult(runs, 1e-5);
  });

  it(`the adaptive policy (a step hook that reads tensors asynchronously) runs and agrees on ${backends.join(', ')}`, async () => {
    // WebGPU in Node cannot read tensors synchronously: the hook must await data().
    const config = {
      model: 'gaussian',
      steps: 8,
      seed: 5,
      batch: 1,
      resolution: { height: 32, width: 32 },
      policy: 'adaptive',
      policyOptions: { startLevel: 2 },
    };
    const runs = await onEachBackend(config);
    expect(Math.max(...runs.get('cpu')!.done.stats.levels)).toBe(2);
    for (const [name, run] of runs) expect(run.done.stats.levels, name).toEqual(runs.get('cpu')!.done.stats.levels);
    expectSameResult(runs, 1e-5);
  });

  it(`the same seeded run of a UNet gives the same image on ${backends.join(', ')}`, async () => {
    // The random-weights fixture (conv, group norm, attention, embeddings), 3 Euler steps from
    // sigma 80 with guidance: the image is mostly network output, not noise or skip connection.
    const config = {
      model: 'emoji-unet',
      modelOptions: { path: RANDOM_UNET },
      steps: 3,
      seed: 4,
      resolution: { height: 8, width: 8 },
      policy: 'none',
      classLabels: 1,
      guidance: 2,
    };
    // A Pipeline of its own: it keeps the model's weights (per backend) until it is disposed.
    const own = new Pipeline(fullContainer());
    try {
      expectSameResult(await onEachBackend(config, own), 1e-4);
    } finally {
      own.dispose();
    }
  }, 180_000);
});

describe.skipIf(noGpu !== false)(`GPU device lost mid-run${noGpu ? ` (skipped: ${noGpu})` : ''}`, () => {
  /** A gaussian denoiser that destroys the GPU device during call number `at`. */
  function losingDenoiser(at: number): Denoiser & { calls: number } {
    const inner = createFactoryGaussianDenoiser();
    const d = {
      name: 'device-loser',
      channels: inner.channels,
      calls: 0,
      denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D {
        d.calls++;
        if (d.calls === at) webGpuBackendProvider.backend()!.device.destroy();
        return inner.denoise(x, sigma, ctx);
      },
    };
    return d;
  }

  it('fails the run on the error channel with BackendUnavailableError, frees its tensors, and the next run recovers', async () => {
    const denoiser = losingDenoiser(3);
    const types: string[] = [];
    const error = await new Promise<unknown>((resolve) =>
      pipeline.run({ model: 'gaussian', backend: 'webgpu', steps: 8, policy: 'pyramid', resolution: { height: 16, width: 16 } }, { denoiser }).subscribe({
        next: (e) => types.push(e.type),
        error: resolve,
        complete: () => resolve(undefined),
      }),
    );
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/^Backend "webgpu" is not available here: the GPU device was lost \(reason "destroyed"\)/);
    expect(types.filter((t) => t === 'step').length).toBeLessThan(3);
    expect(types).not.toContain('done');
    expect(denoiser.calls).toBeLessThanOrEqual(4);
    expect(tf.memory().numTensors).toBe(baseline);

    // The next run activates the provider again, which makes a new device.
    const { done } = await collectRun(pipeline.run({ model: 'gaussian', backend: 'webgpu', steps: 2, resolution: { height: 8, width: 8 } }));
    expect(done.image.data.every(Number.isFinite)).toBe(true);
  });
});

describe('registered backends', () => {
  it('registerAll registers cpu, wasm and webgpu under the Backend multi-token', () => {
    expect(fullContainer().resolveAll(Backend).map((b) => b.name)).toEqual(['cpu', 'wasm', 'webgpu']);
  });
});
