/**
 * `upshift serve`: the HTTP API over the embedded queue (default: runs execute in this
 * process, nothing else needed) or over BullMQ on Redis (`redis`: workers run them).
 */
import type { FastifyInstance } from 'fastify';
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { Backend, ConfigError, DenoiserFactory, UnknownPluginError } from '@upshift/core';
import { Pipeline, RunPlanner, registerAll } from '@upshift/pipeline';
import { ApiKeyRing } from './http/api-keys.js';
import type { ApiKeyEntry } from './http/api-keys.js';
import { buildApp } from './http/build-app.js';
import type { RateLimitOptions } from './http/build-app.js';
import { EmbeddedRunQueue } from './queue/embedded-run-queue.js';
import { BullRunQueue } from './queue/bull-run-queue.js';
import { probeRedis } from './queue/redis-probe.js';
import { LoadAwareBudget } from './runs/load-aware-budget.js';
import type { LoadAwareBudgetOptions } from './runs/load-aware-budget.js';
import { MemoryRunStore } from './runs/memory-run-store.js';
import { RedisRunStore } from './runs/redis-run-store.js';
import { DEFAULT_RUN_LIMITS } from './runs/run-limits.js';
import type { RunLimits } from './runs/run-limits.js';
import type { RunQueue } from './runs/run-queue.js';
import { RunService } from './runs/run-service.js';
import type { RunStore } from './runs/run-store.js';
import { ServerMetrics } from './runs/server-metrics.js';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host: string;
  /** Port (0 = a free one). */
  readonly port: number;
  /** Redis URL: multi-machine mode on BullMQ. Absent: embedded mode. */
  readonly redis?: string;
  /** Embedded mode: runs at a time. */
  readonly concurrency: number;
  /** Backend of every run (embedded mode; workers choose their own). */
  readonly backend: string;
  readonly limits: RunLimits;
  /** API key entries (none: no auth, allowed only on a loopback host). */
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly rateLimit: RateLimitOptions;
  readonly bodyLimit: number;
  /** How long finished runs are kept (ms). */
  readonly resultTtlMs: number;
  /** Least time between two previews of a run's event stream (ms). */
  readonly previewIntervalMs: number;
  /** Embedded mode: threads of each run's model calls (the pipeline's `workers`: 1, N or "auto"). */
  readonly threads?: number | 'auto';
  /** Embedded mode: checkpoint every K steps and at level changes (absent: no checkpoints). */
  readonly checkpointEvery?: number;
  /** The load-aware budget (absent: off). */
  readonly budget?: LoadAwareBudgetOptions;
  /** Redis key prefix (default `upshift`). */
  readonly prefix?: string;
  /** Container with the plugins (default: registerAll on a child of the root). */
  readonly container?: DependencyContainer;
  readonly logger?: boolean;
  readonly log?: (message: string) => void;
}

/** Defaults of {@link ServeOptions}. */
export const DEFAULT_SERVE_OPTIONS: ServeOptions = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  concurrency: 1,
  backend: 'auto',
  limits: DEFAULT_RUN_LIMITS,
  apiKeys: [],
  rateLimit: { max: 120, windowMs: 60_000 },
  bodyLimit: 4 * 1024 * 1024,
  resultTtlMs: 3600_000,
  previewIntervalMs: 1000,
});

/** A started server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** `http://host:port`. */
  readonly url: string;
  readonly service: RunService;
  readonly store: RunStore;
  readonly queue: RunQueue;
  /** Stops listening, cancels embedded runs, closes Redis connections. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Embedded runs use `backend`: a name no provider has is refused at start, not by every run. */
function checkBackendName(container: DependencyContainer, backend: string): void {
  const names = container.isRegistered(Backend, true) ? container.resolveAll(Backend).map((p) => p.name) : [];
  if (backend !== 'auto' && !names.includes(backend)) throw new UnknownPluginError('backend', backend, ['auto', ...names]);
}

/**
 * Every model in `limits.models` must be one a factory can build: a name none has would make
 * every request for it fail (and the OpenAPI schema offer it). Refused at start, named `models`.
 */
function checkModelNames(container: DependencyContainer, models: readonly string[]): void {
  const names = container.isRegistered(DenoiserFactory, true) ? container.resolveAll(DenoiserFactory).map((f) => f.name) : [];
  for (const model of models) if (!names.includes(model)) throw new UnknownPluginError('models', model, names);
}

/** A failed listen as a ConfigError naming the option to change (the port in use, a host that is not here). */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConfigError('port', port, `${host}:${port} is already in use (another server there? --port 0 picks a free port)`);
  if (code === 'EACCES') return new ConfigError('port', port, `listening on ${host}:${port} is not permitted (ports below 1024 need privileges)`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return new ConfigError('host', host, `is not an address of this machine (${code})`);
  return error;
}

/** Starts the server (see {@link ServeOptions}). */
export async function startServer(input: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const options: ServeOptions = { ...DEFAULT_SERVE_OPTIONS, ...input };
  const keys = new ApiKeyRing(options.apiKeys);
  if (!keys.enabled && !LOOPBACK.has(options.host)) {
    throw new ConfigError('host', options.host, 'is not a loopback address, and there are no API keys: set UPSHIFT_API_KEYS or --api-keys-file (see `upshift api-key`)');
  }
  if (options.redis !== undefined) await probeRedis(options.redis);
  const container = options.container ?? rootContainer.createChildContainer();
  if (options.container === undefined) registerAll(container);
  try {
    checkModelNames(container, options.limits.models);
    if (options.redis === undefined) checkBackendName(container, options.backend);
  } catch (error) {
    if (options.container === undefined) await container.dispose();
    throw error;
  }
  const planner = new RunPlanner(container);
  let store: RunStore;
  let queue: RunQueue;
  if (options.redis === undefined) {
    store = new MemoryRunStore(options.resultTtlMs);
    queue = new EmbeddedRunQueue({
      store,
      createPipeline: () => new Pipeline(container),
      planner,
      concurrency: options.concurrency,
      previewIntervalMs: options.previewIntervalMs,
      ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
  } else {
    const redisStore = new RedisRunStore({ url: options.redis, resultTtlMs: options.resultTtlMs, ...(options.prefix ? { prefix: options.prefix } : {}) });
    store = redisStore;
    queue = new BullRunQueue({ url: options.redis, store: redisStore, ...(options.prefix ? { prefix: options.prefix } : {}), ...(options.log ? { log: options.log } : {}) });
  }
  const metrics = new ServerMetrics(queue);
  const service = new RunService({
    store,
    queue,
    container,
    limits: options.limits,
    backend: options.backend,
    // Embedded runs execute here: a batch that cannot fit the named backend is refused at once.
    ...(options.redis === undefined && options.backend !== 'auto' && options.threads !== 'auto' ? { memory: { backend: options.backend, workers: options.threads ?? 1 } } : {}),
    metrics,
    planner,
    ...(options.budget ? { budget: new LoadAwareBudget(options.budget, planner) } : {}),
  });
  await service.start();
  if (options.redis !== undefined) {
    // After a Redis restart, runs the new Redis does not know were lost with the old one's data.
    let wasDown = false;
    const redis = (store as RedisRunStore).redis;
    redis.on('close', () => (wasDown = true));
    redis.on('ready', () => {
      if (!wasDown) return;
      wasDown = false;
      void service.checkLost().then((ids) => {
        if (ids.length) options.log?.(`Redis came back without ${ids.length} run(s) in flight: reported as lost`);
      }, () => undefined);
    });
  }
  const closeAll = async (): Promise<void> => {
    await service.close();
    await queue.close();
    await store.close();
    if (options.container === undefined) await container.dispose();
  };
  const app = await buildApp({ service, queue, metrics, limits: options.limits, keys, rateLimit: options.rateLimit, bodyLimit: options.bodyLimit, logger: options.logger ?? false });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    await closeAll().catch(() => undefined);
    throw listenError(error, options.host, options.port);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    app,
    url: `http://${host}:${port}`,
    service,
    store,
    queue,
    async close() {
      await app.close();
      await closeAll();
    },
  };
}
