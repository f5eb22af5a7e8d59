/**
 * Runs one part of a run on a {@link Pipeline} and writes what happens to the store: the
 * record's state and progress, the event stream (step events without tensors, low-rate PNG
 * previews), the final image and its hash. The embedded queue and the BullMQ worker share it.
 *
 * A run stops early when its `signal` aborts: `cancel` (the client deleted it) or `drain` (the
 * worker is shutting down and hands the run back to the queue). Either way the pipeline is
 * unsubscribed and the executor returns only after the run has freed its tensors.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { ImageData4D, StepEvent } from '@upshift/core';
import { decodeCheckpoint, encodeCheckpoint } from '@upshift/pipeline';
import type { Pipeline, PipelineConfig, RunOptions, RunPlanner } from '@upshift/pipeline';
import type { RunCheckpoint } from '@upshift/core';
import { pngDataUrl } from './png-image.js';
import { FINAL_STATES } from './run-record.js';
import type { RunError, RunEvent, RunRecord } from './run-record.js';
import type { RunStore } from './run-store.js';
import type { LevelRange } from '../queue/level-queues.js';
import { BudgetCandidates } from './budget-candidates.js';
import type { PlannedCandidate } from './budget-candidates.js';
import { budgetAtStart } from './load-aware-budget.js';
import type { StepRateMeter } from './step-rates.js';

/**
 * Why an executor was asked to stop at once (unsubscribing the run): the client cancelled, or
 * the worker lost the job (its lock expired and the queue gave the run to another worker). A
 * drain instead suspends the run at its next step boundary with a checkpoint
 * ({@link ExecuteRunInput.suspendSignal}).
 */
export type StopReason = 'cancel' | 'lost';

/** How one part of a run ended. */
export type RunOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: RunError }
  | { readonly kind: 'cancelled' }
  /** Stopped for a drain: the run goes back on the queue (from its last checkpoint, if any). `owner`: this executor's token. */
  | { readonly kind: 'drained'; readonly level: number; readonly owner: string }
  /** Its next step runs at a level this worker does not take: the run moves on from its checkpoint. */
  | { readonly kind: 'suspended'; readonly level: number; readonly owner: string }
  /** Another executor owns the run now; this one stopped without writing more. */
  | { readonly kind: 'lost' }
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
  /** Aborting it suspends the run at the next step boundary with a checkpoint (a worker draining). */
  readonly suspendSignal?: AbortSignal;
  /** Least time between two previews in the event stream (ms). */
  readonly previewIntervalMs: number;
  /** Backend to run on here (overrides the config's). */
  readonly backend?: string;
  /** Threads of this worker's model calls (the pipeline's `workers`: N or "auto"; overrides the config's). */
  readonly threads?: number | 'auto';
  /** Levels this worker takes (default all): the run suspends at a change to another level. */
  readonly levels?: LevelRange;
  /**
   * Checkpoint every K steps and at every level change, into the store (a worker that dies
   * resumes from the last one). Default: no checkpoints (the embedded mode has no other worker).
   */
  readonly checkpointEvery?: number;
  /** This worker's measured step rates (its steps feed them; the load-aware budget's second look reads them). */
  readonly rates?: StepRateMeter;
  /** Plans the candidates of the load-aware budget's second look (without it there is none). */
  readonly planner?: RunPlanner;
  /** Receives log lines. */
  readonly log?: (message: string) => void;
}

/** SHA-256 (hex) of an image's float32 data: equal hashes, bit-identical images. */
export function imageSha256(image: Pick<ImageData4D, 'data'>): string {
  const d = image.data;
  return createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
}

/** The JSON-safe event for a pipeline event (tensors dropped; `start` handled by the caller). */
export function toRunEvent(event: Extract<StepEvent, { type: 'step' | 'resolution-change' }>, preview?: string): RunEvent {
  if (event.type === 'step') {
    const { index, steps, sigma, sigmaNext, level, flops, ms, modelCalls } = event;
    return { type: 'step', index, steps, sigma, sigmaNext, level, flops, ms, modelCalls, ...(preview ? { preview } : {}) };
  }
  const { index, from, to, sigmaBefore, sigmaAfter, cause } = event;
  return { type: 'resolution-change', index, from, to, sigmaBefore, sigmaAfter, cause };
}

/** The second look's candidate plans, per planner and floor (cached across runs). */
const candidateSets = new WeakMap<RunPlanner, Map<number | null, BudgetCandidates>>();

function candidatesFor(planner: RunPlanner, minFraction: number | null): (config: PipelineConfig) => Promise<readonly PlannedCandidate[] | undefined> {
  let byFloor = candidateSets.get(planner);
  if (byFloor === undefined) candidateSets.set(planner, (byFloor = new Map()));
  let candidates = byFloor.get(minFraction);
  if (candidates === undefined) byFloor.set(minFraction, (candidates = new BudgetCandidates(planner, minFraction ?? undefined)));
  const set = candidates;
  return async (config) => {
    const found = await set.of(config).catch(() => undefined);
    return found !== undefined && 'candidates' in found ? found.candidates : undefined;
  };
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
  const partStart = performance.now();
  const record = await store.get(runId);
  if (record === undefined || FINAL_STATES.has(record.state) || signal.aborted) return { kind: 'skipped' };
  const owner = randomUUID();
  const firstStart = (record.attempts ?? 0) === 0;
  const started = await store.update(runId, {
    owner,
    state: 'running',
    startedAt: record.startedAt ?? new Date().toISOString(),
    workers: [...(record.workers ?? []), input.worker],
    attempts: (record.attempts ?? 0) + 1,
  });
  if (!started) return { kind: 'skipped' };
  let resumeFrom: RunCheckpoint | undefined;
  let discarded: { index: number; reason: string } | undefined;
  const stored = await input.store.getCheckpoint(runId);
  if (stored !== undefined) {
    try {
      resumeFrom = decodeCheckpoint(stored.bytes);
    } catch (error) {
      // A checkpoint that cannot be read is dropped and the run starts again from step 0: with
      // its recorded config (seed included) it produces, bit for bit on one backend, the image
      // the uninterrupted run would have; only the time spent on the lost steps is lost.
      const reason = errorOf(error).message;
      discarded = { index: stored.index, reason };
      input.log?.(`its checkpoint (step ${stored.index}) cannot be decoded, so the run restarts from step 0: ${reason}`);
      const at = new Date().toISOString();
      if (!(await store.update(runId, { discardedCheckpoint: { index: stored.index, level: stored.level, reason, at } }, { owner }))) return { kind: 'lost' };
      await input.store.deleteCheckpoint(runId);
    }
  }
  // The load-aware budget's second look, now that the wait is known (the first start only: a
  // restart must run the plan the run began with).
  let run = record;
  if (resumeFrom === undefined && firstStart && record.budget !== undefined && input.planner !== undefined) {
    const candidates = candidatesFor(input.planner, record.budget.minFraction);
    const second = await budgetAtStart(record.config, record.budget, record.createdAt, Date.now(), candidates, input.rates?.rates);
    if (second !== undefined && (await store.update(runId, { config: second.config, budget: second.decision }, { owner }))) {
      run = { ...record, config: second.config, budget: second.decision };
      if (second.decision.atStart?.fraction !== null) input.log?.(`budget at start: ${second.decision.atStart?.reason}`);
    }
  }
  return runPipeline(input, run, owner, resumeFrom, partStart, discarded);
}

function runPipeline(
  input: ExecuteRunInput,
  record: RunRecord,
  owner: string,
  resumeFrom: RunCheckpoint | undefined,
  partStart: number,
  discarded: { index: number; reason: string } | undefined,
): Promise<RunOutcome> {
  const { pipeline, signal } = input;
  const runId = input.runId;
  // Store writes happen in event order, one after the other, and only while this executor owns
  // the run: once a write finds another owner (or a final state) the run is no longer ours.
  let writes: Promise<unknown> = Promise.resolve();
  let writeError: unknown;
  let lost = false;
  const owned = (ok: boolean | number): void => {
    if (ok === false || ok === -1) lost = true;
  };
  const store = {
    update: (patch: Parameters<RunStore['update']>[1]) => input.store.update(runId, patch, { owner }).then((ok) => (owned(ok), ok)),
    append: (event: RunEvent) => input.store.append(runId, event, owner).then((seq) => (owned(seq), seq)),
  };
  let stopLost: () => void = () => undefined;
  const write = (fn: () => Promise<unknown>): void => {
    writes = writes
      .then(() => (lost ? undefined : fn()))
      .then(() => {
        if (lost) stopLost();
      })
      .catch((error: unknown) => (writeError ??= error));
  };
  let lastPreview = -Infinity;
  /** Wall time of this part's steps (the rest of the part is overhead). */
  let stepMs = 0;
  let suspended: { level: number; requested: boolean } | undefined;
  // A checkpoint is stored only while this executor owns the run (the record's pointer first).
  const saveCheckpoint = (checkpoint: RunCheckpoint, index: number): void => {
    const bytes = encodeCheckpoint(checkpoint);
    const level = checkpoint.next.level;
    write(async () => {
      if (!(await store.update({ checkpoint: { index, level, at: new Date().toISOString() } }))) return;
      await input.store.putCheckpoint(runId, { bytes, index, level });
      await store.append({ type: 'checkpoint', index, level });
    });
  };

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
    const stop = (reason: StopReason): void => {
      subscription?.unsubscribe();
      // Resolve only once the stopped run has freed its tensors.
      settle(pipeline.whenIdle().then((): RunOutcome => (reason === 'lost' ? { kind: 'lost' } : { kind: 'cancelled' })));
    };
    const onAbort = (): void => stop(signal.reason as StopReason);
    stopLost = () => stop('lost');
    signal.addEventListener('abort', onAbort);

    const config = {
      ...record.config,
      ...(input.backend === undefined ? {} : { backend: input.backend }),
      ...(input.threads === undefined ? {} : { workers: input.threads }),
    };
    const options: RunOptions = {
      log: input.log ?? (() => undefined),
      ...(input.checkpointEvery !== undefined ? { checkpoints: { atLevelChange: true, everySteps: input.checkpointEvery } } : {}),
      ...(resumeFrom ? { resumeFrom } : {}),
      ...(input.levels ? { levels: { min: input.levels.min, max: input.levels.max } } : {}),
      ...(input.suspendSignal ? { suspendSignal: input.suspendSignal } : {}),
    };
    subscription = pipeline.run(config, options).subscribe({
      next(event) {
        if (signal.aborted || lost) return;
        if (event.type === 'start') {
          const at = event.resumedFrom ?? 0;
          const e: RunEvent = { type: 'start', plan: event.plan, backend: event.backend, worker: input.worker, resumedAt: at, ...(discarded ? { discardedCheckpoint: discarded } : {}) };
          const steps = event.plan.steps;
          write(() => store.update({ plan: event.plan, backend: event.backend, progress: { step: at, steps: steps.length, level: steps[Math.min(at, steps.length - 1)]?.level ?? 0 } }));
          write(() => store.append(e));
          return;
        }
        if (event.type === 'checkpoint') {
          saveCheckpoint(event.checkpoint, event.index);
          return;
        }
        if (event.type === 'suspended') {
          saveCheckpoint(event.checkpoint, event.index);
          suspended = { level: event.level, requested: event.reason.kind === 'requested' };
          return;
        }
        if (event.type === 'done') {
          const image = event.image;
          const sha = imageSha256(image);
          const finishedAt = new Date();
          const latencyMs = finishedAt.getTime() - Date.parse(record.createdAt);
          const overheadMs = Math.max(0, Math.round(performance.now() - partStart - stepMs));
          input.rates?.observeOverhead(overheadMs);
          write(async () => {
            await input.store.putImage(runId, { data: image.data, shape: image.shape });
            const applied = await store.update({ state: 'succeeded', stats: event.stats, imageSha256: sha, finishedAt: finishedAt.toISOString(), latencyMs });
            if (applied) {
              await store.append({ type: 'done', stats: event.stats, imageSha256: sha, overheadMs });
              await input.store.expire(runId);
            }
          });
          return;
        }
        let preview: string | undefined;
        if (event.type === 'step') {
          stepMs += event.ms;
          input.rates?.observeStep(event.level, event.flops, event.ms);
          const now = Date.now();
          if (event.preview && now - lastPreview >= input.previewIntervalMs) {
            lastPreview = now;
            preview = pngDataUrl(event.preview);
          }
          const progress = { step: event.index + 1, steps: event.steps, level: event.level };
          write(() => store.update({ progress }));
        }
        const e = toRunEvent(event, preview);
        write(() => store.append(e));
      },
      error(error: unknown) {
        if (signal.aborted || lost) return;
        const e = errorOf(error);
        write(async () => {
          const applied = await store.update({ state: 'failed', error: e, finishedAt: new Date().toISOString() });
          if (applied) {
            await store.append({ type: 'failed', error: e });
            await input.store.expire(runId);
          }
        });
        settle(Promise.resolve({ kind: 'failed', error: e }));
      },
      complete() {
        if (suspended === undefined) settle(Promise.resolve({ kind: 'done' }));
        else settle(Promise.resolve({ kind: suspended.requested ? 'drained' : 'suspended', level: suspended.level, owner }));
      },
    });
  });
}
