/**
 * Helpers for this package's pool specs (not exported from the barrel): the random-weights UNet
 * fixture, a "faulty-unet" model factory that misbehaves on purpose in a pool worker (slow
 * forward passes, a throw or a thread exit on call k, a failing load), the test worker script,
 * and a container whose pool runs that script.
 */
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { container as globalContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { ConfigError, DenoiserFactory, ModelLoadError } from '@upshift/core';
import type { Denoiser, DenoiserContext, PluginFactory } from '@upshift/core';
import { loadModel } from '@upshift/models';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { registerAll } from './register-all.js';

/** The random-weights UNet fixture (32 x 32, 3 levels, 3 classes). */
export const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));

/** The worker script of the pool specs. */
export const TEST_POOL_WORKER = new URL('./test-pool-worker.ts', import.meta.url);

/** modelOptions of "faulty-unet"; every misbehaviour happens in a pool worker only. */
export interface FaultyUNetOptions {
  /** Busy-wait this long per call (a slow forward pass holding the worker's thread). */
  readonly delayMs?: number;
  /** Throw a model error on this call of each worker (1-based). */
  readonly throwAt?: number;
  /** End the worker's thread (`process.exit(3)`) on this call. */
  readonly exitAt?: number;
  /** Fail to load in a worker. */
  readonly failLoad?: boolean;
}

/** "faulty-unet": the random-weights UNet, misbehaving in workers as its options say. */
export const faultyUNetFactory: PluginFactory<Denoiser> = {
  name: 'faulty-unet',
  description: 'test: the random-weights UNet fixture that misbehaves in a pool worker on purpose',
  async create(options: unknown): Promise<Denoiser> {
    const o = (options ?? {}) as FaultyUNetOptions;
    if (!isMainThread && o.failLoad) throw new ModelLoadError(RANDOM_UNET, 'load failure in a worker (test)');
    const model = await loadModel(RANDOM_UNET);
    if (isMainThread) return model;
    let calls = 0;
    return {
      name: model.name,
      channels: model.channels,
      denoise(x: Tensor4D, sigma: number, ctx: DenoiserContext): Tensor4D {
        calls++;
        if (o.delayMs) {
          const until = Date.now() + o.delayMs;
          while (Date.now() < until) {
            // a forward pass that holds the thread
          }
        }
        if (o.throwAt === calls) throw new ConfigError('faulty-unet.call', calls, 'model failure in a worker (test)');
        if (o.exitAt === calls) process.exit(3);
        return model.denoise(x, sigma, ctx);
      },
      dispose: () => model.dispose(),
    };
  },
};

/** Registers what both the test container and the test worker have: every plugin, cpu + wasm, faulty-unet. */
export function registerPoolTestPlugins(container: DependencyContainer, pool: boolean): void {
  registerAll(container, { backends: false, pool: pool ? { script: TEST_POOL_WORKER } : false });
  registerCpuBackend(container);
  registerWasmBackend(container);
  container.register(DenoiserFactory, { useValue: faultyUNetFactory });
}

/** A container whose pool runs the test worker script. */
export function createPoolTestContainer(): DependencyContainer {
  const c = globalContainer.createChildContainer();
  registerPoolTestPlugins(c, true);
  return c;
}
