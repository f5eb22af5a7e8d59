/**
 * Runs one part of a run on a {@link Pipeline} and writes what happens to the store: the
 * record's state and progress, the event stream (step events without tensors, low-rate PNG
 * previews), the final image and its hash. The embedded queue and the BullMQ worker share it.
 *
 * A run stops early when its `signal` aborts: `cancel` (the client deleted it) or `drain` (the
 * worker is shutting down and hands the run back to the queue). Either way the pipeline is
 * unsubscribed and the executor returns only after the run has freed its tensors.
 */
import { createHash } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { ImageData4D, StepEvent } from '@upshift/core';
import type { Pipeline } from '@upshift/pipeline';
import { pngDataUrl } from './png-image.js';
import { FINAL_STATES } from './run-record.js';
import type { RunError, RunEvent, RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';
import type { LevelRange } from '../queue/level-queues.js';

/** Why an executor was asked to stop. */
export type StopReason = 'cancel' | 'drain';

/** How one part of a run ended. */
export type RunOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: RunError }
  | { readonly kind: 'cancelled' }
  /** Stopped for a drain: the run goes back on the queue (from its last checkpoint, if any). */
  | { readonly kind: 'drained'; readonly level: number }
  /** Its next step runs at a level this worker does not take: the run moves on from its checkpoint. */
  | { readonly kind: 'suspended'; readonly level: number }
  /** Nothing to do: the run is gone or already final (e.g. cancelled while it waited). */
  | { readonly kind: 'skipped' };

/** Inputs of {@link executeRun}. */
export interface ExecuteRunInput {
  readonly pipeline: Pipeline;
  readonly store: RunStore;
  readonly runId: string;
  /** This worker's name, recorded on the run. */
  readonly worker: string;
  /** Aborted with a {@link StopReason} as `signal.reason`. */
  readonly signal: AbortSignal;
  /** Least time between two previews in the event stream (ms). */
  readonly previewIntervalMs: number;
  /** Backend to run on here (overrides the config's). */
  readonly backend?: string;
  /** Levels this worker takes (default all): the run suspends at a change to another level. */
  readonly levels?: LevelRange;
  /** Checkpoint every K steps (and at every level change); default: no periodic checkpoints. */
  readonly checkpointEvery?: number;
  /** Receives log lines. */
  readonly log?: (message: string) => void;
}

/** SHA-256 (hex) of an image's float32 data: equal hashes, bit-identical images. */
export function imageSha256(image: Pick<ImageData4D, 'data'>): string {
  const d = image.data;
  return createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
}

/** The JSON-safe event for a pipeline event (tensors dropped; `start` handled by the caller). */
export function toRunEvent(event: Exclude<StepEvent, { type: 'start' | 'done' }>, preview?: string): RunEvent {
  if (event.type === 'step') {
    const { index, steps, sigma, sigmaNext, level, flops, ms, modelCalls } = event;
    return { type: 'step', index, steps, sigma, sigmaNext, level, flops, ms, modelCalls, ...(preview ? { preview } : {}) };
  }
  const { index, from, to, sigmaBefore, sigmaAfter, cause } = event;
  return { type: 'resolution-change', index, from, to, sigmaBefore, sigmaAfter, cause };
}

function errorOf(error: unknown): RunError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * Executes the run `input.runId` from its stored state to its end (or until stopped). Never
 * throws for a failing run: the failure is recorded and returned as an outcome. Throws only
 * when the store itself fails (the queue then retries the job).
 */
export async function executeRun(input: ExecuteRunInput): Promise<RunOutcome> {
  const { store, runId, signal } = input;
  const record = await store.get(runId);
  if (record === undefined || FINAL_STATES.has(record.state) || signal.aborted) return { kind: 'skipped' };
  const started = await store.update(runId, {
    state: 'running',
    startedAt: record.startedAt ?? new Date().toISOString(),
    workers: [...(record.workers ?? []), input.worker],
    attempts: (record.attempts ?? 0) + 1,
  });
  if (!started) return { kind: 'skipped' };
  return runPipeline(input, record);
}

function runPipeline(input: ExecuteRunInput, record: RunRecord): Promise<RunOutcome> {
  const { pipeline, store, runId, signal } = input;
  // Store writes happen in event order, one after the other.
  let writes: Promise<unknown> = Promise.resolve();
  let writeError: unknown;
  const write = (fn: () => Promise<unknown>): void => {
    writes = writes.then(fn).catch((error: unknown) => (writeError ??= error));
  };
  let lastPreview = -Infinity;
  let level = record.checkpoint?.level ?? 0;

  return new Promise<RunOutcome>((resolve, reject) => {
    let subscription: Subscription | undefined;
    let settled = false;
    const settle = (outcome: Promise<RunOutcome>): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome.then(async (o) => {
        await writes;
        if (writeError !== undefined) reject(writeError);
        else resolve(o);
      }, reject);
    };
    const onAbort = (): void => {
      subscription?.unsubscribe();
      const reason = signal.reason as StopReason;
      // Resolve only once the cancelled run has freed its tensors.
      settle(pipeline.whenIdle().then(() => (reason === 'drain' ? { kind: 'drained', level } : { kind: 'cancelled' })));
    };
    signal.addEventListener('abort', onAbort);

    const config = input.backend === undefined ? record.config : { ...record.config, backend: input.backend };
    subscription = pipeline.run(config, { log: input.log ?? (() => undefined) }).subscribe({
      next(event) {
        if (signal.aborted) return;
        if (event.type === 'start') {
          const e: RunEvent = { type: 'start', plan: event.plan, backend: event.backend, worker: input.worker, resumedAt: 0 };
          write(() => store.update(runId, { plan: event.plan, backend: event.backend, progress: { step: 0, steps: event.plan.steps.length, level: event.plan.steps[0]?.level ?? 0 } }));
          write(() => store.append(runId, e));
          return;
        }
        if (event.type === 'done') {
          const image = event.image;
          const sha = imageSha256(image);
          const finishedAt = new Date();
          const latencyMs = finishedAt.getTime() - Date.parse(record.createdAt);
          write(async () => {
            await store.putImage(runId, { data: image.data, shape: image.shape });
            const applied = await store.update(runId, { state: 'succeeded', stats: event.stats, imageSha256: sha, finishedAt: finishedAt.toISOString(), latencyMs });
            if (applied) {
              await store.append(runId, { type: 'done', stats: event.stats, imageSha256: sha });
              await store.expire(runId);
            }
          });
          return;
        }
        let preview: string | undefined;
        if (event.type === 'step') {
          level = event.level;
          const now = Date.now();
          if (event.preview && now - lastPreview >= input.previewIntervalMs) {
            lastPreview = now;
            preview = pngDataUrl(event.preview);
          }
          const progress = { step: event.index + 1, steps: event.steps, level: event.level };
          write(() => store.update(runId, { progress }));
        }
        const e = toRunEvent(event, preview);
        write(() => store.append(runId, e));
      },
      error(error: unknown) {
        if (signal.aborted) return;
        const e = errorOf(error);
        write(async () => {
          const applied = await store.update(runId, { state: 'failed', error: e, finishedAt: new Date().toISOString() });
          if (applied) {
            await store.append(runId, { type: 'failed', error: e });
            await store.expire(runId);
          }
        });
        settle(Promise.resolve({ kind: 'failed', error: e }));
      },
      complete() {
        settle(Promise.resolve({ kind: 'done' }));
      },
    });
  });
}
