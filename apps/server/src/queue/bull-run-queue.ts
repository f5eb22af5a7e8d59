/**
 * The HTTP side of the multi-machine mode: BullMQ Queues (one per level, see level-queues.ts)
 * to add jobs, QueueEvents to hear what workers cannot report themselves (a job that failed
 * for good, e.g. stalled too often: the run is marked failed, never silently lost; a stalled
 * job going back to wait: the run's stream says so), and a publish on the cancel channel to
 * stop a run on whichever worker holds it.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { ConnectionOptions } from 'bullmq';
import type { RedisRunStore } from '../runs/redis-run-store.js';
import { redisConnectionOptions } from '../runs/redis-run-store.js';
import type { QueueDepth, RunQueue } from '../runs/run-queue.js';
import { MAX_ROUTED_LEVEL, levelQueueName } from './level-queues.js';
import { cancelChannel, runJobId } from './run-job.js';
import type { RunJobData } from './run-job.js';

/** Options of {@link BullRunQueue}. */
export interface BullRunQueueOptions {
  readonly url: string;
  readonly store: RedisRunStore;
  /** Key and queue prefix (default `upshift`). */
  readonly prefix?: string;
  readonly log?: (message: string) => void;
}

/** BullMQ connection options of a Redis URL. */
export function bullConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...redisConnectionOptions(),
  } as ConnectionOptions;
}

/** Adds a job for `runId` on the queue of `level`. */
export async function addRunJob(queues: readonly Queue[], data: RunJobData, ttlSeconds: number): Promise<string> {
  const queue = queues[Math.min(data.level, MAX_ROUTED_LEVEL)]!;
  const job = await queue.add('run', data, {
    jobId: runJobId(data.runId),
    // A crashed worker's job is retried by the stalled-job checker; the processor itself never throws for a failing run.
    attempts: 3,
    backoff: { type: 'fixed', delay: 1000 },
    removeOnComplete: { age: ttlSeconds },
    removeOnFail: { age: ttlSeconds },
  });
  return job.id!;
}

/** Opens one Queue per routed level. */
export function openLevelQueues(url: string, prefix: string): Queue[] {
  const connection = bullConnection(url);
  return Array.from({ length: MAX_ROUTED_LEVEL + 1 }, (_, level) => new Queue(levelQueueName(prefix, level), { connection, prefix: `${prefix}:bull` }));
}

/** See the module comment. */
export class BullRunQueue implements RunQueue {
  readonly mode = 'redis' as const;
  private readonly prefix: string;
  private readonly queues: Queue[];
  private readonly events: QueueEvents[];

  constructor(private readonly options: BullRunQueueOptions) {
    this.prefix = options.prefix ?? 'upshift';
    this.queues = openLevelQueues(options.url, this.prefix);
    const connection = bullConnection(options.url);
    this.events = this.queues.map((q) => new QueueEvents(q.name, { connection, prefix: `${this.prefix}:bull` }));
    // Connection errors are retried by ioredis; the store's health check reports the outage.
    for (const q of this.queues) q.on('error', () => undefined);
    for (const [level, events] of this.events.entries()) {
      events.on('error', () => undefined);
      events.on('failed', ({ jobId, failedReason }) => void this.onFailed(level, jobId, failedReason));
      events.on('stalled', ({ jobId }) => void this.onStalled(level, jobId));
    }
  }

  private async runOf(level: number, jobId: string): Promise<string | undefined> {
    const job = await this.queues[level]!.getJob(jobId);
    return (job?.data as RunJobData | undefined)?.runId ?? jobId.split('.')[0];
  }

  private async onFailed(level: number, jobId: string, reason: string): Promise<void> {
    const { store } = this.options;
    const runId = await this.runOf(level, jobId);
    if (runId === undefined) return;
    const error = { name: 'WorkerError', message: `the job failed on the queue: ${reason}` };
    if (await store.update(runId, { state: 'failed', error, finishedAt: new Date().toISOString() })) {
      await store.append(runId, { type: 'failed', error });
      await store.expire(runId);
    }
  }

  private async onStalled(level: number, jobId: string): Promise<void> {
    const runId = await this.runOf(level, jobId);
    if (runId === undefined) return;
    this.options.log?.(`run ${runId}: its worker stopped answering; the job goes back to the queue (resumes from its last checkpoint)`);
    await this.options.store.append(runId, { type: 'queued', level, reason: 'stalled' });
  }

  async enqueue(runId: string, level: number): Promise<void> {
    await addRunJob(this.queues, { v: 1, runId, level, reason: 'created' }, Math.ceil(24 * 3600));
  }

  async cancel(runId: string): Promise<void> {
    // Waiting jobs: a worker that picks one sees the cancelled record and skips it. Running: tell the worker.
    await this.options.store.redis.publish(cancelChannel(this.prefix), runId);
  }

  async depth(): Promise<QueueDepth> {
    let waiting = 0;
    let active = 0;
    for (const q of this.queues) {
      const c = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      waiting += (c['waiting'] ?? 0) + (c['prioritized'] ?? 0) + (c['delayed'] ?? 0);
      active += c['active'] ?? 0;
    }
    return { waiting, active };
  }

  async slots(): Promise<number> {
    // Workers name their connections "upshift-worker:<name>:c<concurrency>"; one process may consume several queues.
    const seen = new Map<string, number>();
    for (const q of this.queues) {
      for (const w of await q.getWorkers().catch(() => [])) {
        const m = /upshift-worker:(.+):c(\d+)$/.exec(String(w['rawname'] ?? ''));
        if (m) seen.set(m[1]!, Number(m[2]));
      }
    }
    const total = [...seen.values()].reduce((a, b) => a + b, 0);
    return Math.max(1, total);
  }

  async workersByLevel(): Promise<number[]> {
    return Promise.all(
      this.queues.map(async (q) => {
        const names = new Set((await q.getWorkers().catch(() => [])).map((w) => String(w['rawname'] ?? '')).filter((n) => n.includes('upshift-worker:')));
        return names.size;
      }),
    );
  }

  async ready(): Promise<boolean> {
    return this.options.store.redis.status === 'ready';
  }

  async close(): Promise<void> {
    await Promise.all(this.events.map((e) => e.close()));
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
