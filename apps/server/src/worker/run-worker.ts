/**
 * `upshift worker`: a process that takes runs from BullMQ (the queues of the levels it
 * declares), runs them on its own backend, writes their events, checkpoints and results to
 * Redis, and hands a run on when its next level belongs to other workers (stage routing).
 *
 * Failure handling is BullMQ's: a worker killed mid-run stops renewing its job lock, another
 * worker's stalled-job checker puts the job back on its queue, and the next worker resumes it
 * from the last checkpoint in Redis. SIGTERM drains: no new jobs; running ones finish within the
 * drain timeout, or are stopped and handed back to the queue from their last checkpoint.
 */
import { hostname } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { WaitingError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { probeRedis } from '../queue/redis-probe.js';
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { Pipeline, RunPlanner, collectRun, registerAll } from '@upshift/pipeline';
import { executeRun } from '../runs/run-executor.js';
import type { RunOutcome, StopReason } from '../runs/run-executor.js';
import { RedisRunStore, redisConnectionOptions } from '../runs/redis-run-store.js';
import { ALL_LEVELS, levelQueueName } from '../queue/level-queues.js';
import type { LevelRange } from '../queue/level-queues.js';
import { addRunJob, bullConnection, openLevelQueues } from '../queue/bull-run-queue.js';
import { cancelChannel, workerKey } from '../queue/run-job.js';
import type { RunJobData } from '../queue/run-job.js';
import { StepRateMeter } from '../runs/step-rates.js';
import { SlotGate } from './slot-gate.js';

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  readonly redis: string;
  /** Levels whose queues this worker consumes. */
  readonly levels: LevelRange;
  /** Runs at a time. */
  readonly concurrency: number;
  /** The backend runs use here (`auto`, `cpu`, `wasm`, `webgpu`); overrides the run config's. */
  readonly backend: string;
  /** Threads per run's model calls (the pipeline's `workers`: 1, N or "auto"). */
  readonly threads: number | 'auto';
  /** Checkpoint every K steps (and at every level change). */
  readonly checkpointEvery: number;
  /** Job lock: a worker silent this long is considered dead (ms). */
  readonly lockDurationMs: number;
  /** How often this worker looks for stalled jobs of dead workers (ms). */
  readonly stalledIntervalMs: number;
  /** SIGTERM: how long running runs may take to finish before they are suspended at a checkpoint and handed back (ms). */
  readonly drainTimeoutMs: number;
  readonly previewIntervalMs: number;
  /** How long finished runs are kept (ms); applied by the store. */
  readonly resultTtlMs: number;
  readonly prefix?: string;
  /** Worker name (default `<host>-<pid>`). */
  readonly name?: string;
  readonly container?: DependencyContainer;
  readonly log?: (message: string) => void;
}

/** Defaults of {@link WorkerOptions} (all but `redis`). */
export const DEFAULT_WORKER_OPTIONS: Omit<WorkerOptions, 'redis'> = Object.freeze({
  levels: ALL_LEVELS,
  concurrency: 1,
  backend: 'auto',
  threads: 1,
  checkpointEvery: 5,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  drainTimeoutMs: 30_000,
  previewIntervalMs: 1000,
  resultTtlMs: 3600_000,
});

/** A started worker. */
export interface RunningWorker {
  readonly name: string;
  /** Runs now executing. */
  readonly active: number;
  /** Stops taking jobs; running runs finish within the drain timeout or go back to the queue. */
  drain(): Promise<void>;
  /** Closes at once (running runs are handed back). */
  close(): Promise<void>;
}

/** Starts a worker (see the module comment). */
export async function startWorker(input: Partial<WorkerOptions> & { readonly redis: string }): Promise<RunningWorker> {
  const options: WorkerOptions = { ...DEFAULT_WORKER_OPTIONS, ...input };
  const prefix = options.prefix ?? 'upshift';
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const log = options.log ?? (() => undefined);
  await probeRedis(options.redis);
  const container = options.container ?? rootContainer.createChildContainer();
  if (options.container === undefined) registerAll(container);
  const store = new RedisRunStore({ url: options.redis, resultTtlMs: options.resultTtlMs, prefix });
  const queues = openLevelQueues(options.redis, prefix);
  const ttlSeconds = Math.ceil(options.resultTtlMs / 1000);
  const gate = new SlotGate(Math.max(1, options.concurrency));
  const pipelines: Pipeline[] = [];
  const running = new Map<string, AbortController>();
  /** This process's step rates (the load-aware budget's second look), and its planner. */
  const rates = new StepRateMeter();
  const planner = new RunPlanner(container);
  /** Per running run: aborting it suspends the run at its next step (drain). */
  const suspenders = new Map<string, AbortController>();

  // Cancel requests from any server.
  const subscriber = new Redis(options.redis, redisConnectionOptions());
  subscriber.on('error', () => undefined);
  for (const q of queues) q.on('error', () => undefined);
  subscriber.on('message', (_channel: string, runId: string) => running.get(runId)?.abort('cancel' satisfies StopReason));
  await subscriber.subscribe(cancelChannel(prefix));

  const status = async (): Promise<void> => {
    await store.redis
      .multi()
      .hset(workerKey(prefix, name), {
        levels: `${options.levels.min}-${options.levels.max}`,
        concurrency: String(options.concurrency),
        active: String(running.size),
        tensors: String(tf.engine().state.numTensors),
        pid: String(process.pid),
        updatedAt: new Date().toISOString(),
      })
      .pexpire(workerKey(prefix, name), 3 * Math.max(5000, options.stalledIntervalMs))
      .exec();
  };
  const statusTimer = setInterval(() => void status().catch(() => undefined), 5000).unref();

  // Back to the queue (of the level its next step runs at), only if this executor still owns the
  // run. Should this process die between the two writes, its own job is retried by the
  // stalled-job checker and resumes the (queued) run from its checkpoint: nothing is lost.
  const handOn = async (runId: string, level: number, owner: string, reason: 'stage' | 'drain'): Promise<void> => {
    if (!(await store.update(runId, { state: 'queued' }, { onlyIn: ['running'], owner }))) return;
    await addRunJob(queues, { v: 1, runId, level, reason }, ttlSeconds);
    await store.append(runId, { type: 'queued', level, reason });
  };

  // A model load (and the backend's first kernels at full size) on the first job would block the
  // event loop past short job locks and slow the first run: warm every slot's pipeline before
  // taking jobs (a one-step run at the model's resolution).
  const warmUp = async (pipeline: Pipeline): Promise<void> => {
    await collectRun(pipeline.run({ steps: 1, backend: options.backend, workers: options.threads, policy: 'none' }, { log: (m) => log(m) }));
  };
  for (let i = 0; i < gate.size; i++) {
    const pipeline = new Pipeline(container);
    await warmUp(pipeline);
    pipelines.push(pipeline);
  }

  const processor = async (job: Job<RunJobData>, token?: string, lockLost?: AbortSignal): Promise<string> => {
    // Several level Workers may fetch a job each for one free slot: the ones that find it taken
    // go back to the front of their queue, for whichever worker is free, instead of waiting here
    // holding a job another process could run now.
    if (!(await gate.tryAcquire())) {
      await job.moveToWait(token);
      throw new WaitingError(`run ${job.data.runId}: every slot of ${name} is busy; back to its queue`);
    }
    const pipeline = pipelines.pop() ?? new Pipeline(container);
    const controller = new AbortController();
    const { runId } = job.data;
    lockLost?.addEventListener('abort', () => controller.abort('lost' satisfies StopReason));
    running.set(runId, controller);
    const suspender = new AbortController();
    suspenders.set(runId, suspender);
    if (draining) suspender.abort();
    let outcome: RunOutcome;
    try {
      log(`run ${runId}: start (job ${job.id}, ${job.data.reason}, level ${job.data.level})`);
      outcome = await executeRun({
        pipeline,
        store,
        runId,
        worker: name,
        signal: controller.signal,
        suspendSignal: suspender.signal,
        previewIntervalMs: options.previewIntervalMs,
        backend: options.backend,
        threads: options.threads,
        levels: options.levels,
        checkpointEvery: options.checkpointEvery,
        rates,
        planner,
        log: (m) => log(`run ${runId}: ${m}`),
      });
      if (outcome.kind === 'drained') await handOn(runId, outcome.level, outcome.owner, 'drain');
      if (outcome.kind === 'suspended') await handOn(runId, outcome.level, outcome.owner, 'stage');
      log(`run ${runId}: ${outcome.kind}${outcome.kind === 'suspended' || outcome.kind === 'drained' ? ` at level ${outcome.level}` : ''}`);
    } finally {
      running.delete(runId);
      suspenders.delete(runId);
      pipelines.push(pipeline);
      gate.release();
      void status().catch(() => undefined);
    }
    return outcome.kind;
  };

  const connection = bullConnection(options.redis);
  const workers: Worker[] = [];
  for (let level = options.levels.min; level <= options.levels.max; level++) {
    const worker = new Worker<RunJobData, string>(levelQueueName(prefix, level), processor, {
      connection,
      prefix: `${prefix}:bull`,
      name: `upshift-worker:${name}:c${options.concurrency}`,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: 3,
      autorun: false,
    });
    worker.on('error', (error) => {
      if (!/ECONNREFUSED|Connection is closed/.test(error.message)) log(`worker error: ${error.message}`);
    });
    // A lock that could not be renewed means the queue may give the job to another worker:
    // stop it here (the new owner resumes it from its checkpoint).
    worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) worker.cancelJob(id, 'lock lost');
    });
    workers.push(worker);
  }
  gate.attach(workers);
  for (const w of workers) void w.run();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  await status();
  log(`worker ${name}: levels ${options.levels.min}-${options.levels.max}, concurrency ${options.concurrency}, backend ${options.backend}`);

  let closing: Promise<void> | undefined;
  let draining = false;
  const shutdown = (timeoutMs: number): Promise<void> =>
    (closing ??= (async () => {
      await gate.hold();
      // Runs that do not finish in time stop at their next step with a checkpoint and go back to the queue.
      const deadline = setTimeout(() => {
        draining = true;
        for (const s of suspenders.values()) s.abort();
      }, timeoutMs);
      await Promise.all(workers.map((w) => w.close()));
      clearTimeout(deadline);
      clearInterval(statusTimer);
      for (const p of pipelines) p.dispose();
      await Promise.all(pipelines.map((p) => p.whenIdle()));
      await store.redis.del(workerKey(prefix, name)).catch(() => undefined);
      subscriber.disconnect();
      await Promise.all(queues.map((q) => q.close()));
      await store.close();
      if (options.container === undefined) await container.dispose();
    })());
  return {
    name,
    get active() {
      return running.size;
    },
    drain: () => shutdown(options.drainTimeoutMs),
    close: () => shutdown(0),
  };
}
