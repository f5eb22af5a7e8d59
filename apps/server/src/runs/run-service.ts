/**
 * What the HTTP routes call: create runs from a validated request (applying the load-aware
 * budget), read them, cancel them, read their events and images. It talks to a
 * {@link RunStore} and a {@link RunQueue}, so it is the same in the embedded and the Redis mode.
 */
import { randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, UpshiftError } from '@upshift/core';
import type { RunCheckpoint } from '@upshift/core';
import { decodeCheckpoint } from '@upshift/pipeline';
import type { PipelineConfig, RunPlanner } from '@upshift/pipeline';
import type { UpshiftPlan } from '@upshift/core';
import type { LoadAwareBudget } from './load-aware-budget.js';
import type { RunLimits } from './run-limits.js';
import { FINAL_STATES } from './run-record.js';
import type { RunRecord, SequencedEvent, StoredImage } from './run-record.js';
import type { RunQueue } from './run-queue.js';
import { checkRunConfig, underField } from './run-request.js';
import type { RunRequest } from './run-request.js';
import type { RunStore } from './run-store.js';
import type { ServerMetrics } from './server-metrics.js';

/** A run id that does not exist (or has expired). */
export class RunNotFoundError extends UpshiftError {
  constructor(readonly id: string) {
    super(`Invalid id = ${JSON.stringify(id)}: no such run (unknown, or its results expired)`);
    this.name = 'RunNotFoundError';
  }
}

/**
 * A run this server accepted is gone from the store before it finished (its Redis restarted
 * without persistence): said plainly (410) rather than answered as an unknown id.
 */
export class RunLostError extends UpshiftError {
  constructor(readonly id: string) {
    super(`Invalid id = ${JSON.stringify(id)}: the run was accepted but the queue's Redis lost it before it finished (restarted without persistence?); submit it again`);
    this.name = 'RunLostError';
  }
}

/** The request cannot be served now (queue full, Redis down); retry later. */
export class UnavailableError extends UpshiftError {
  constructor(message: string) {
    super(message);
    this.name = 'UnavailableError';
  }
}

/** A run is in a state that does not allow the request (e.g. cancelling a finished run). */
export class RunStateError extends UpshiftError {
  constructor(readonly id: string, readonly state: string, what: string) {
    super(`Invalid state = ${JSON.stringify(state)} of run ${id}: ${what}`);
    this.name = 'RunStateError';
  }
}

/** Inputs of {@link RunService}. */
export interface RunServiceOptions {
  readonly store: RunStore;
  readonly queue: RunQueue;
  /** Holds the plugin factories (registerAll): request configs are checked against it. */
  readonly container: DependencyContainer;
  readonly limits: RunLimits;
  /** Backend every run uses (`auto`, `cpu`, `wasm`, `webgpu`). */
  readonly backend: string;
  /**
   * Refuse runs that cannot fit this backend's memory (embedded mode with a named backend: the
   * runs execute in this process), with the batch split over `workers` threads.
   */
  readonly memory?: { readonly backend: string; readonly workers?: number };
  readonly metrics: ServerMetrics;
  /** Plans runs at submit time (routing to the queue of the first level; the budget's prediction). */
  readonly planner: RunPlanner;
  readonly budget?: LoadAwareBudget;
}

/**
 * The config a resumed run continues with: the checkpoint's (the request's `config` may only
 * ask for previews); the backend and model options are the server's business.
 */
function resumeConfig(checkpoint: RunCheckpoint, requested: Record<string, unknown>): Record<string, unknown> {
  const extra = Object.keys(requested).filter((k) => k !== 'previews');
  if (extra.length > 0) throw new ConfigError(`config.${extra[0]}`, requested[extra[0]!], 'cannot be set when resuming a checkpoint (the run continues with its own config; only previews may change)');
  const { backend: _backend, workers: _workers, ...config } = checkpoint.config as Record<string, unknown>;
  return { ...config, ...requested };
}

/** See the module comment. */
export class RunService {
  /** Runs this server submitted that have not finished. */
  private readonly inFlight = new Set<string>();
  /** Runs found missing from the store before they finished (see RunLostError). */
  private readonly lost = new Set<string>();
  private readonly lostListeners = new Map<string, Set<(event: SequencedEvent) => void>>();
  private unwatch: (() => void) | undefined;

  constructor(readonly options: RunServiceOptions) {}

  /** Starts following finished runs (metrics, budget observations). */
  async start(): Promise<void> {
    this.unwatch = await this.options.store.watchAll((id, e) => void this.onEvent(id, e));
  }

  /**
   * Looks for runs this server accepted that the store no longer has (call it after the store
   * reconnects): they are reported lost — `GET` answers 410 and open event streams end with a
   * `failed` event — instead of vanishing.
   */
  async checkLost(): Promise<string[]> {
    const found: string[] = [];
    for (const id of [...this.inFlight]) {
      if ((await this.options.store.get(id)) !== undefined) continue;
      this.inFlight.delete(id);
      this.options.budget?.forget(id);
      this.lost.add(id);
      found.push(id);
      this.options.metrics.finished.inc({ state: 'lost' });
      const error = { name: 'RunLostError', message: new RunLostError(id).message };
      for (const l of this.lostListeners.get(id) ?? []) l({ seq: Number.MAX_SAFE_INTEGER, event: { type: 'failed', error } });
    }
    return found;
  }

  private async onEvent(id: string, { event }: SequencedEvent): Promise<void> {
    const { metrics, budget } = this.options;
    budget?.observe(id, event);
    if (event.type !== 'done' && event.type !== 'failed' && event.type !== 'cancelled') return;
    this.inFlight.delete(id);
    if (event.type !== 'done') {
      metrics.finished.inc({ state: event.type === 'failed' ? 'failed' : 'cancelled' });
      return;
    }
    const record = await this.options.store.get(id).catch(() => undefined);
    const latencyMs = record?.latencyMs ?? 0;
    metrics.recordDone(record?.config.policy ?? 'unknown', event.stats, latencyMs);
  }

  /** The plan of a new run made ahead (undefined when its model cannot be planned ahead). @throws ConfigError naming `config.<field>` */
  private async planOf(config: PipelineConfig): Promise<UpshiftPlan | undefined> {
    const preview = await this.options.planner.preview(config);
    return 'plan' in preview ? preview.plan : undefined;
  }

  /** Validates and queues the runs of a request; returns their records. Nothing is queued if any check fails. */
  async submit(request: RunRequest, key: string | null): Promise<RunRecord[]> {
    const { store, queue, limits, budget, metrics } = this.options;
    const resume = request.checkpoint === undefined ? undefined : this.readCheckpoint(request);
    const input = resume ? resumeConfig(resume.checkpoint, request.config) : request.config;
    const base = await checkRunConfig(this.options.container, input, limits, this.options.backend, this.options.memory ? { memory: this.options.memory } : {});
    if (!(await queue.ready())) throw new UnavailableError('the queue is not reachable (Redis down?); retry later');
    const depth = await queue.depth();
    if (depth.waiting + depth.active + request.count > limits.maxQueued) {
      metrics.rejected.inc({ reason: 'queue-full' });
      throw new UnavailableError(`the queue is full (${depth.waiting + depth.active} runs, limit ${limits.maxQueued}); retry later`);
    }
    const slots = await queue.slots();
    const requestId = randomUUID();
    const records: RunRecord[] = [];
    const levels: number[] = [];
    try {
      for (let index = 0; index < request.count; index++) {
        let config = { ...base, seed: (base.seed + index) % 0x1_0000_0000 };
        let decision;
        let plan: UpshiftPlan | undefined;
        const id = randomUUID();
        this.inFlight.add(id);
        try {
          if (resume) {
            plan = resume.checkpoint.plan;
            budget?.track(id, plan, resume.checkpoint.index);
          } else if (budget) ({ config, decision, plan } = await budget.decide(id, config, slots));
          else plan = await this.planOf(config);
        } catch (error) {
          this.inFlight.delete(id);
          throw error instanceof ConfigError ? underField(error, 'config') : error;
        }
        if (decision) metrics.budget.set(decision.fraction ?? 1);
        records.push({
          id,
          state: 'queued',
          config,
          request: { id: requestId, index, count: request.count, key },
          createdAt: new Date().toISOString(),
          ...(plan ? { plan } : {}),
          ...(decision ? { budget: decision } : {}),
          ...(resume ? { checkpoint: { index: resume.checkpoint.index, level: resume.checkpoint.next.level, at: new Date().toISOString() } } : {}),
        });
        // A new run waits on the queue of the level its first step runs at (a resumed one: its next step's).
        levels.push(resume ? resume.checkpoint.next.level : (plan?.steps[0]?.level ?? 0));
      }
      for (const [i, record] of records.entries()) {
        const level = levels[i]!;
        await store.create(record);
        if (resume) await store.putCheckpoint(record.id, { bytes: resume.bytes, index: resume.checkpoint.index, level });
        await store.append(record.id, { type: 'queued', level, reason: 'created' });
        await queue.enqueue(record.id, level);
        metrics.submitted.inc({ policy: record.config.policy });
      }
    } catch (error) {
      // Runs that never reached the store are not ahead of anyone.
      for (const record of records) {
        if (!(await store.get(record.id).catch(() => undefined))) {
          this.inFlight.delete(record.id);
          budget?.forget(record.id);
        }
      }
      throw error;
    }
    return records;
  }

  /** Decodes and validates the request's checkpoint (CheckpointError naming `checkpoint.<field>`). */
  private readCheckpoint(request: RunRequest): { bytes: Uint8Array; checkpoint: RunCheckpoint } {
    if (request.count !== 1) throw new ConfigError('count', request.count, 'must be 1 when resuming a checkpoint');
    const bytes = new Uint8Array(Buffer.from(request.checkpoint!, 'base64'));
    try {
      return { bytes, checkpoint: decodeCheckpoint(bytes) };
    } catch (error) {
      throw error instanceof ConfigError ? underField(error, 'checkpoint') : error;
    }
  }

  /**
   * The latest checkpoint of a run (encoded), for `GET /v1/runs/:id/checkpoint`; a finished run
   * keeps its last one as long as its record (resuming it reproduces the run's image).
   *
   * @throws RunNotFoundError, RunStateError (no checkpoint taken)
   */
  async checkpoint(id: string): Promise<Uint8Array> {
    const record = await this.get(id);
    const stored = await this.options.store.getCheckpoint(id);
    if (stored === undefined) throw new RunStateError(id, record.state, 'the run has no checkpoint: none taken yet, or this server takes none (embedded mode without --checkpoint-every); a finished run keeps its last one');
    return stored.bytes;
  }

  /** @throws RunNotFoundError */
  async get(id: string): Promise<RunRecord> {
    const record = await this.options.store.get(id);
    if (record === undefined) throw this.lost.has(id) || this.inFlight.has(id) ? new RunLostError(id) : new RunNotFoundError(id);
    return record;
  }

  /**
   * Cancels a queued or running run: the record says `cancelled` at once, and the worker
   * running it unsubscribes and frees its tensors.
   *
   * @throws RunNotFoundError, RunStateError (already final)
   */
  async cancel(id: string): Promise<RunRecord> {
    const { store, queue } = this.options;
    const record = await this.get(id);
    if (FINAL_STATES.has(record.state)) throw new RunStateError(id, record.state, 'the run has finished; nothing to cancel');
    const applied = await store.update(id, { state: 'cancelled', finishedAt: new Date().toISOString() });
    if (!applied) {
      const now = await this.get(id);
      throw new RunStateError(id, now.state, 'the run has finished; nothing to cancel');
    }
    await store.append(id, { type: 'cancelled', reason: 'cancelled by the client' });
    await queue.cancel(id);
    await store.expire(id);
    return this.get(id);
  }

  /** Events from `from` on, then live ones until the run's final event. */
  events(id: string, from: number): Promise<SequencedEvent[]> {
    return this.options.store.events(id, from);
  }

  async watch(id: string, listener: (event: SequencedEvent) => void): Promise<() => void> {
    let set = this.lostListeners.get(id);
    if (set === undefined) this.lostListeners.set(id, (set = new Set()));
    set.add(listener);
    const unwatch = await this.options.store.watch(id, listener);
    return () => {
      unwatch();
      set.delete(listener);
      if (set.size === 0) this.lostListeners.delete(id);
    };
  }

  /** @throws RunNotFoundError, RunStateError (not finished) */
  async image(id: string): Promise<StoredImage> {
    const record = await this.get(id);
    if (record.state !== 'succeeded') throw new RunStateError(id, record.state, 'the image exists once the run has succeeded');
    const image = await this.options.store.getImage(id);
    if (image === undefined) throw new RunNotFoundError(id);
    return image;
  }

  async close(): Promise<void> {
    this.unwatch?.();
  }
}
