/**
 * `upshift serve`, `upshift worker` and `upshift api-key`: the service commands (the service
 * itself is @upshift/server). `serve` alone runs everything in this process; with `--redis`
 * it only serves HTTP and `upshift worker --redis` processes run the jobs. Both stop on Ctrl-C
 * or SIGTERM: the server stops listening, a worker drains (finishes or checkpoints its runs and
 * hands them back to the queue).
 */
import type { Command } from 'commander';
import { ConfigError } from '@upshift/core';
import { API_KEYS_ENV, DEFAULT_RUN_LIMITS, DEFAULT_SERVE_OPTIONS, DEFAULT_WORKER_OPTIONS, LOAD_AWARE_BUDGET_DEFAULTS, createApiKey, loadApiKeys, parseLevelRange, startServer, startWorker } from '@upshift/server';
import type { ServeOptions, WorkerOptions } from '@upshift/server';
import type { CliIo } from './cli-io.js';
import { parseIntegerOption, parseNameOption, parseNumberOption } from './option-values.js';

/** Raw `serve` options. */
export interface RawServeOptions {
  readonly host: string;
  readonly port: string;
  readonly redis?: string;
  readonly concurrency: string;
  readonly backend: string;
  readonly maxSteps: string;
  readonly maxBatch: string;
  readonly maxSide: string;
  readonly maxCount: string;
  readonly maxQueued: string;
  readonly models: string;
  readonly apiKeysFile?: string;
  readonly rateLimit: string;
  readonly bodyLimit: string;
  readonly resultTtl: string;
  readonly previewInterval: string;
  readonly budgetP95?: string;
  readonly budgetMinFraction?: string;
  readonly budgetMargin?: string;
  readonly prefix: string;
  readonly checkpointEvery?: string;
  readonly threads: string;
  readonly log?: boolean;
}

/** Raw `worker` options. */
export interface RawWorkerOptions {
  readonly redis: string;
  readonly levels: string;
  readonly concurrency: string;
  readonly backend: string;
  readonly checkpointEvery: string;
  readonly threads: string;
  readonly lockMs: string;
  readonly stalledMs: string;
  readonly drainTimeout: string;
  readonly resultTtl: string;
  readonly prefix: string;
  readonly name?: string;
}

/** Adds the `serve` options. */
export function defineServeOptions(cmd: Command): Command {
  const d = DEFAULT_SERVE_OPTIONS;
  const l = DEFAULT_RUN_LIMITS;
  return cmd
    .option('--host <host>', 'interface to listen on (anything but loopback needs API keys)', d.host)
    .option('--port <n>', 'port (0 = any free port)', String(d.port))
    .option('--redis <url>', 'multi-machine mode: queue runs on BullMQ at this Redis (run `upshift worker` processes)')
    .option('--concurrency <n>', 'embedded mode: runs at a time in this process', String(d.concurrency))
    .option('--backend <name>', 'embedded mode: tfjs backend of every run (auto, cpu, wasm, webgpu)', d.backend)
    .option('--checkpoint-every <k>', 'embedded mode: checkpoint every K steps and at level changes (GET /v1/runs/:id/checkpoint)')
    .option('--threads <n>', 'embedded mode: threads of each run\'s model calls (a denoiser pool), a number or "auto"', '1')
    .option('--max-steps <n>', 'most steps per run', String(l.maxSteps))
    .option('--max-batch <n>', 'most images per run', String(l.maxBatch))
    .option('--max-side <n>', 'longest image side', String(l.maxSide))
    .option('--max-count <n>', 'most runs per request', String(l.maxCount))
    .option('--max-queued <n>', 'most runs queued or running', String(l.maxQueued))
    .option('--models <names>', 'models requests may use (comma-separated)', l.models.join(','))
    .option('--api-keys-file <file>', `API key entries "<name>:sha256:<hex>", one per line (also: ${API_KEYS_ENV})`)
    .option('--rate-limit <n>', 'requests per minute per API key (per IP without keys)', String(d.rateLimit.max))
    .option('--body-limit <bytes>', 'largest request body', String(d.bodyLimit))
    .option('--result-ttl <s>', 'seconds finished runs are kept', String(d.resultTtlMs / 1000))
    .option('--preview-interval <ms>', 'least time between two previews in an event stream', String(d.previewIntervalMs))
    .option('--budget-p95 <ms>', 'load-aware budget: lower new runs\' FLOP budget to hold this p95 latency')
    .option('--budget-min-fraction <f>', 'load-aware budget: lowest FLOP fraction it gives a run (default: the cheapest plan)')
    .option('--budget-margin <f>', `load-aware budget: share of the target kept free for what the prediction misses (default ${LOAD_AWARE_BUDGET_DEFAULTS.margin})`)
    .option('--prefix <name>', 'Redis key and queue prefix (several services can share one Redis)', 'upshift')
    .option('--log', 'log requests (pino JSON on stdout)');
}

/** Adds the `worker` options. */
export function defineWorkerOptions(cmd: Command): Command {
  const d = DEFAULT_WORKER_OPTIONS;
  return cmd
    .requiredOption('--redis <url>', 'Redis of the queue, e.g. redis://127.0.0.1:6379')
    .option('--levels <range>', 'levels this worker runs: "all", "0", "1-3"', 'all')
    .option('--concurrency <n>', 'runs at a time', String(d.concurrency))
    .option('--backend <name>', 'tfjs backend (auto, cpu, wasm, webgpu)', d.backend)
    .option('--checkpoint-every <k>', 'checkpoint every K steps (and at every level change)', String(d.checkpointEvery))
    .option('--threads <n>', 'threads of each run\'s model calls (a denoiser pool), a number or "auto"', String(d.threads))
    .option('--lock-ms <ms>', 'job lock: a worker silent this long is taken for dead', String(d.lockDurationMs))
    .option('--stalled-ms <ms>', 'how often to look for jobs of dead workers', String(d.stalledIntervalMs))
    .option('--drain-timeout <ms>', 'on SIGTERM, how long running runs may finish before they are handed back', String(d.drainTimeoutMs))
    .option('--result-ttl <s>', 'seconds finished runs are kept', String(d.resultTtlMs / 1000))
    .option('--prefix <name>', 'Redis key and queue prefix (the server\'s --prefix)', 'upshift')
    .option('--name <name>', 'worker name (default <host>-<pid>)');
}

function redisUrl(flag: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(flag, raw, 'must be a URL such as redis://127.0.0.1:6379');
  }
  if (u.protocol !== 'redis:') throw new ConfigError(flag, raw, 'must be a redis:// URL');
  return raw;
}

function threadsOption(raw: string): number | 'auto' {
  return raw.trim() === 'auto' ? 'auto' : parseIntegerOption('--threads', raw, { min: 1, max: 256 });
}

function prefixOption(raw: string): string {
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(raw)) throw new ConfigError('--prefix', raw, 'must be 1-32 letters, digits, "_", "." or "-"');
  return raw;
}

/** Converts raw `serve` options (ConfigError naming the flag on bad input). */
export function resolveServeOptions(raw: RawServeOptions, env: NodeJS.ProcessEnv = process.env): Partial<ServeOptions> {
  const int = (flag: string, v: string, min = 1, max = 1e9): number => parseIntegerOption(flag, v, { min, max });
  const p95 = raw.budgetP95 === undefined ? undefined : parseNumberOption('--budget-p95', raw.budgetP95, { min: 1 });
  for (const [flag, v] of [['--budget-min-fraction', raw.budgetMinFraction], ['--budget-margin', raw.budgetMargin]] as const) {
    if (p95 === undefined && v !== undefined) {
      throw new ConfigError(flag, v, 'applies to the load-aware budget: set --budget-p95 too');
    }
  }
  const budget =
    p95 === undefined
      ? undefined
      : {
          targetP95Ms: p95,
          ...(raw.budgetMinFraction === undefined ? {} : { minFraction: parseNumberOption('--budget-min-fraction', raw.budgetMinFraction, { min: 0.01, max: 1 }) }),
          ...(raw.budgetMargin === undefined ? {} : { margin: parseNumberOption('--budget-margin', raw.budgetMargin, { min: 0, max: 0.9 }) }),
        };
  return {
    host: parseNameOption('--host', raw.host),
    port: int('--port', raw.port, 0, 65535),
    ...(raw.redis === undefined ? {} : { redis: redisUrl('--redis', raw.redis) }),
    concurrency: int('--concurrency', raw.concurrency, 1, 64),
    backend: parseNameOption('--backend', raw.backend),
    ...(raw.checkpointEvery === undefined ? {} : { checkpointEvery: int('--checkpoint-every', raw.checkpointEvery) }),
    threads: threadsOption(raw.threads),
    limits: {
      maxSteps: int('--max-steps', raw.maxSteps),
      maxBatch: int('--max-batch', raw.maxBatch),
      maxSide: int('--max-side', raw.maxSide),
      maxCount: int('--max-count', raw.maxCount),
      maxQueued: int('--max-queued', raw.maxQueued),
      models: raw.models.split(',').map((m) => parseNameOption('--models', m)),
    },
    apiKeys: loadApiKeys({ ...(env[API_KEYS_ENV] === undefined ? {} : { env: env[API_KEYS_ENV] }), ...(raw.apiKeysFile ? { file: raw.apiKeysFile } : {}) }),
    rateLimit: { max: int('--rate-limit', raw.rateLimit), windowMs: 60_000 },
    bodyLimit: int('--body-limit', raw.bodyLimit, 1024),
    resultTtlMs: int('--result-ttl', raw.resultTtl) * 1000,
    previewIntervalMs: int('--preview-interval', raw.previewInterval, 0),
    ...(budget === undefined ? {} : { budget }),
    prefix: prefixOption(raw.prefix),
    logger: Boolean(raw.log),
  };
}

/** Converts raw `worker` options. */
export function resolveWorkerOptions(raw: RawWorkerOptions): Partial<WorkerOptions> & { redis: string } {
  const int = (flag: string, v: string, min = 1, max = 1e9): number => parseIntegerOption(flag, v, { min, max });
  return {
    redis: redisUrl('--redis', raw.redis),
    levels: parseLevelRange('--levels', raw.levels),
    concurrency: int('--concurrency', raw.concurrency, 1, 64),
    backend: parseNameOption('--backend', raw.backend),
    checkpointEvery: int('--checkpoint-every', raw.checkpointEvery),
    threads: threadsOption(raw.threads),
    lockDurationMs: int('--lock-ms', raw.lockMs, 500),
    stalledIntervalMs: int('--stalled-ms', raw.stalledMs, 500),
    drainTimeoutMs: int('--drain-timeout', raw.drainTimeout, 0),
    resultTtlMs: int('--result-ttl', raw.resultTtl) * 1000,
    prefix: prefixOption(raw.prefix),
    ...(raw.name === undefined ? {} : { name: parseNameOption('--name', raw.name) }),
  };
}

/** Resolves when the process is asked to stop (Ctrl-C through `signal`, or SIGTERM). */
function untilStopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const onTerm = (): void => resolve('SIGTERM');
    process.once('SIGTERM', onTerm);
    signal?.addEventListener('abort', () => {
      process.off('SIGTERM', onTerm);
      resolve('SIGINT');
    });
  });
}

/**
 * A ConfigError of the server or worker about one of its options (`port`, `host`, `redis`, ...),
 * named as the command-line option (`--port`), so the user sees what to change.
 */
export function asOptionError(error: unknown): unknown {
  if (!(error instanceof ConfigError) || !/^[a-z][A-Za-z]*$/.test(error.field)) return error;
  const flag = `--${error.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return new ConfigError(flag, error.value, error.reason);
}

/** Starts what `start` starts, with its option errors named as command-line options. */
async function started<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw asOptionError(error);
  }
}

/** Runs `upshift serve` until stopped. */
export async function runServe(options: Partial<ServeOptions>, io: CliIo, signal?: AbortSignal): Promise<void> {
  const server = await started(() => startServer({ ...options, log: (m) => io.stderr.write(`${m}\n`) }));
  const mode = options.redis === undefined ? `embedded, ${options.concurrency ?? 1} run(s) at a time` : `redis ${options.redis}`;
  const auth = (options.apiKeys ?? []).length > 0 ? `${options.apiKeys!.length} API key(s)` : 'no API keys (loopback only)';
  io.stdout.write(`upshift serve: listening on ${server.url} (${mode}; ${auth}; OpenAPI at ${server.url}/openapi.json)\n`);
  const why = await untilStopped(signal);
  io.stderr.write(`${why}: stopping\n`);
  await server.close();
}

/** Runs `upshift worker` until stopped (then drains). */
export async function runWorker(options: Partial<WorkerOptions> & { redis: string }, io: CliIo, signal?: AbortSignal): Promise<void> {
  const worker = await started(() => startWorker({ ...options, log: (m) => io.stderr.write(`${m}\n`) }));
  io.stdout.write(`upshift worker ${worker.name}: ready\n`);
  const why = await untilStopped(signal);
  io.stderr.write(`${why}: draining (${worker.active} run(s) active)\n`);
  await worker.drain();
  io.stderr.write('drained\n');
}

/** Prints a new API key and its entry for UPSHIFT_API_KEYS / --api-keys-file. */
export function runApiKey(name: string, io: CliIo): void {
  const { key, entry } = createApiKey(name);
  io.stdout.write(`key (give it to the client; it is not stored):\n  ${key}\nentry (for ${API_KEYS_ENV} or --api-keys-file):\n  ${entry}\n`);
}
