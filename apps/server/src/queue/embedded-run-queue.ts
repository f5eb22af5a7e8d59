/**
 * The embedded default: runs execute in this process, at most `concurrency` at a time, first
 * come first served. Each slot has its own {@link Pipeline} (so a cancelled run's cleanup can
 * be awaited on its own; the model is cached per slot). Same API as the BullMQ mode; nothing
 * else to install or start.
 */
import type { Pipeline, RunPlanner } from '@upshift/pipeline';
import { executeRun } from '../runs/run-executor.js';
import { StepRateMeter } from '../runs/step-rates.js';
import type { StopReason } from '../runs/run-executor.js';
import type { RunStore } from '../runs/run-store.js';
import type { QueueDepth, RunQueue } from '../runs/run-queue.js';

/** Options of {@link EmbeddedRunQueue}. */
export interface EmbeddedRunQueueOptions {
  readonly store: RunStore;
  /** Makes the Pipeline of one slot. */
  readonly createPipeline: () => Pipeline;
  /** Plans the load-aware budget's second look. */
  readonly planner?: RunPlanner;
  /** Runs at a time (>= 1). */
  readonly concurrency: number;
  readonly previewIntervalMs: number;
  /** Checkpoint every K steps and at level changes (downloadable with GET /v1/runs/:id/checkpoint); default none. */
  readonly checkpointEvery?: number;
  /** Threads of each run's model calls (the pipeline's `workers`). */
  readonly threads?: number | 'auto';
  readonly log?: (message: string) => void;
}

interface Slot {
  pipeline: Pipeline | undefined;
  running: { runId: string; controller: AbortController } | undefined;
}

/** See the module comment. */
export class EmbeddedRunQueue implements RunQueue {
  readonly mode = 'embedded' as const;
  private readonly waiting: string[] = [];
  private readonly slotList: Slot[];
  private closed = false;
  /** This process's step rates (the load-aware budget's second look). */
  private readonly rates = new StepRateMeter();
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: EmbeddedRunQueueOptions) {
    this.slotList = Array.from({ length: Math.max(1, options.concurrency) }, () => ({ pipeline: undefined, running: undefined }));
  }

  async enqueue(runId: string): Promise<void> {
    if (this.closed) throw new Error('the queue is closed');
    this.waiting.push(runId);
    this.pump();
  }

  async cancel(runId: string): Promise<void> {
    const i = this.waiting.indexOf(runId);
    if (i >= 0) this.waiting.splice(i, 1);
    for (const slot of this.slotList) if (slot.running?.runId === runId) slot.running.controller.abort('cancel' satisfies StopReason);
  }

  async depth(): Promise<QueueDepth> {
    return { waiting: this.waiting.length, active: this.slotList.filter((s) => s.running).length };
  }

  async slots(): Promise<number> {
    return this.slotList.length;
  }

  async ready(): Promise<boolean> {
    return !this.closed;
  }

  /** Resolves when nothing runs or waits (tests and graceful shutdown). */
  whenIdle(): Promise<void> {
    if (this.waiting.length === 0 && this.slotList.every((s) => !s.running)) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  /** Stops taking runs, cancels running ones (their records say so) and frees the models. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    for (const slot of this.slotList) slot.running?.controller.abort('cancel' satisfies StopReason);
    await this.whenIdle();
    for (const slot of this.slotList) {
      slot.pipeline?.dispose();
      await slot.pipeline?.whenIdle();
    }
  }

  private pump(): void {
    for (const slot of this.slotList) {
      if (slot.running || this.waiting.length === 0 || this.closed) continue;
      const runId = this.waiting.shift()!;
      const controller = new AbortController();
      slot.running = { runId, controller };
      slot.pipeline ??= this.options.createPipeline();
      executeRun({
        pipeline: slot.pipeline,
        store: this.options.store,
        runId,
        worker: 'embedded',
        signal: controller.signal,
        previewIntervalMs: this.options.previewIntervalMs,
        rates: this.rates,
        ...(this.options.planner ? { planner: this.options.planner } : {}),
        ...(this.options.checkpointEvery ? { checkpointEvery: this.options.checkpointEvery } : {}),
        ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}),
        ...(this.options.log ? { log: this.options.log } : {}),
      })
        .catch((error: unknown) => this.options.log?.(`run ${runId}: store failed: ${String(error)}`))
        .finally(() => {
          slot.running = undefined;
          this.pump();
          if (this.waiting.length === 0 && this.slotList.every((s) => !s.running)) {
            for (const resolve of this.idle) resolve();
            this.idle.clear();
          }
        });
    }
  }
}
