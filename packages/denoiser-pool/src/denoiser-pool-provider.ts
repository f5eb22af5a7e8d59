/**
 * The denoiser pool as a plugin: a {@link DenoiserPoolProvider} that starts workerpool pools of
 * worker threads (Node) or module Web Workers (browser) running a worker script that calls
 * `serveDenoiserPool`, registered under core's `DenoiserPoolToken`.
 */
import workerpool from 'workerpool';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, DenoiserPoolToken } from '@upshift/core';
import type { Denoiser, DenoiserPool, DenoiserPoolProvider, DenoiserPoolSpec } from '@upshift/core';
import { DEFAULT_DENOISER_POOL_OPTIONS, validateDenoiserPoolOptions } from './denoiser-pool-options.js';
import type { DenoiserPoolOptions } from './denoiser-pool-options.js';
import { PooledDenoiser } from './pooled-denoiser.js';
import { isNodeRuntime, nodeWorkerStart, runtimeCores } from './worker-runtime.js';

/** Backends a pool runs: the CPU ones (a GPU is one device; more threads feeding it gain nothing). */
export const POOL_BACKENDS: readonly string[] = Object.freeze(['cpu', 'wasm']);

/** A pool provider with its validated options. */
export interface DenoiserPoolProviderWithOptions extends DenoiserPoolProvider {
  readonly options: DenoiserPoolOptions;
}

/** Creates the provider; `options` is validated (ConfigError naming `pool.<field>`). */
export function createDenoiserPoolProvider(options: unknown): DenoiserPoolProviderWithOptions {
  const o = validateDenoiserPoolOptions(options);
  const node = isNodeRuntime();
  return {
    name: node ? 'worker-threads' : 'web-workers',
    backends: POOL_BACKENDS,
    options: o,
    cores: () => Math.min(runtimeCores(), o.maxAutoWorkers ?? Number.POSITIVE_INFINITY),
    async create(spec: DenoiserPoolSpec, workers: number, local: Denoiser): Promise<DenoiserPool> {
      if (!Number.isInteger(workers) || workers < 1) throw new ConfigError('workers', workers, 'must be an integer >= 1');
      if (!POOL_BACKENDS.includes(spec.backend)) throw new ConfigError('backend', spec.backend, `a denoiser pool runs ${POOL_BACKENDS.join(' or ')}`);
      const terminateTimeoutMs = o.terminateTimeoutMs ?? DEFAULT_DENOISER_POOL_OPTIONS.terminateTimeoutMs;
      let pool: ReturnType<typeof workerpool.pool>;
      if (node) {
        const start = nodeWorkerStart(o.script, o.execArgv);
        pool = workerpool.pool(start.path, {
          minWorkers: workers,
          maxWorkers: workers,
          workerType: 'thread',
          workerTerminateTimeout: terminateTimeoutMs,
          ...(start.execArgv ? { workerThreadOpts: { execArgv: [...start.execArgv] } } : {}),
        });
      } else {
        pool = workerpool.pool(String(o.script), {
          minWorkers: workers,
          maxWorkers: workers,
          workerType: 'web',
          workerTerminateTimeout: terminateTimeoutMs,
          workerOpts: { type: 'module', name: 'upshift-denoiser' },
        });
      }
      return PooledDenoiser.start({ pool, terminate: () => new Promise<void>((resolve, reject) => void pool.terminate(true).then(resolve, reject)), spec, workers, local });
    },
  };
}

/**
 * Registers a pool provider under `DenoiserPoolToken`; runs whose `workers` setting resolves to
 * more than one use it.
 *
 * @example
 * registerDenoiserPool(container, { script: new URL('./my-pool-worker.js', import.meta.url) });
 */
export function registerDenoiserPool(container: DependencyContainer, options: DenoiserPoolOptions): void {
  container.register(DenoiserPoolToken, { useValue: createDenoiserPoolProvider(options) });
}
