/**
 * One call that registers every Upshift plugin package with a container (tfjs-backend-webgpu
 * `register_all_kernels.ts` style): schedules, samplers, resizers, policies, models and,
 * unless turned off, the cpu / wasm / webgpu backends.
 */
import type { DependencyContainer } from 'tsyringe';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { registerWebGpuBackend } from '@upshift/backend-webgpu';
import { registerModels } from '@upshift/models';
import { registerPolicies } from '@upshift/policies';
import { registerResizers } from '@upshift/resizers';
import { registerSamplers } from '@upshift/samplers';
import { registerSchedules } from '@upshift/schedules';
import { isNodeRuntime, registerDenoiserPool } from '@upshift/denoiser-pool';
import type { DenoiserPoolOptions } from '@upshift/denoiser-pool';

/** Options of {@link registerAll}. */
export interface RegisterAllOptions {
  /**
   * Register the cpu, wasm and webgpu backend providers (default true). Turn off when the
   * application sets up tfjs itself; a run with `backend: "auto"` then uses the active tfjs
   * backend.
   */
  readonly backends?: boolean;
  /**
   * The denoiser pool (runs with `workers` > 1): its options, or false for none. Default: in
   * Node, worker threads running this package's `pool-worker` script; in a browser, none (a
   * browser app registers its own bundled worker script, see `@upshift/denoiser-pool`).
   */
  readonly pool?: DenoiserPoolOptions | false;
  /** Options of the wasm and webgpu providers (`registerWasmBackend`, `registerWebGpuBackend`). */
  readonly backendOptions?: { readonly wasm?: unknown; readonly webgpu?: unknown };
}

/** Defaults of {@link RegisterAllOptions} (`pool` is decided per runtime, see {@link defaultPoolOptions}). */
export const DEFAULT_REGISTER_ALL_OPTIONS: Required<Omit<RegisterAllOptions, 'pool'>> = { backends: true, backendOptions: {} };

/**
 * The default pool: in Node, worker threads running `pool-worker.ts` next to this file when it
 * runs from source (the threads get the TypeScript loader) or `pool-worker.js` when built;
 * elsewhere none.
 */
export function defaultPoolOptions(): DenoiserPoolOptions | false {
  if (!isNodeRuntime()) return false;
  // The file name is a variable so that bundlers do not treat this as an asset to copy.
  const file = `pool-worker${/\.[cm]?ts$/.test(new URL(import.meta.url).pathname) ? '.ts' : '.js'}`;
  return { script: new URL(file, import.meta.url) };
}

/**
 * Registers every plugin package under the core multi-tokens.
 *
 * @example
 * const container = rootContainer.createChildContainer();
 * registerAll(container);
 * const pipeline = new Pipeline(container);
 */
export function registerAll(container: DependencyContainer, options: RegisterAllOptions = {}): void {
  const { backends, backendOptions } = { ...DEFAULT_REGISTER_ALL_OPTIONS, ...options };
  const pool = options.pool === undefined ? defaultPoolOptions() : options.pool;
  registerSchedules(container);
  registerSamplers(container);
  registerResizers(container);
  registerPolicies(container);
  registerModels(container);
  if (backends) {
    registerCpuBackend(container);
    registerWasmBackend(container, backendOptions.wasm);
    registerWebGpuBackend(container, backendOptions.webgpu);
  }
  if (pool !== false) registerDenoiserPool(container, pool);
}
