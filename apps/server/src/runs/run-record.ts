/**
 * What the service keeps about one run: its record (JSON, what `GET /v1/runs/:id` returns) and
 * the events it emitted, in order (what `GET /v1/runs/:id/events` streams). Both are plain
 * data, so they can live in process memory or in Redis alike.
 */
import type { RunStats, UpshiftPlan } from '@upshift/core';
import type { PipelineConfig } from '@upshift/pipeline';

/** Where a run is. `queued` also covers a run waiting to be moved to another worker. */
export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** States a run never leaves. */
export const FINAL_STATES: ReadonlySet<RunState> = new Set<RunState>(['succeeded', 'failed', 'cancelled']);

/** The numbers behind a load-aware budget decision. */
export interface BudgetPrediction {
  /** Predicted time until a worker slot frees for the run (ms). */
  readonly startMs: number;
  /** Predicted time of the chosen plan's steps (ms). */
  readonly serviceMs: number;
  /** Predicted latency of the run as requested (ms). */
  readonly requestedMs: number;
  /** The latency aimed at: target x (1 - margin), ms. */
  readonly limitMs: number;
  readonly slots: number;
  /** Runs of this server running / queued ahead of it. */
  readonly running: number;
  readonly queued: number;
  /** Their remaining (running) and planned (queued) GFLOPs. */
  readonly workAheadGflop: number;
  /** GFLOPs and FLOP fraction of the plan it got. */
  readonly plannedGflop: number;
  readonly plannedFlopFraction: number;
  /** Plans it chose among. */
  readonly candidates: number;
  /** Measured ms per GFLOP of one worker slot at each level (null: not measured yet; the nearest level's is used). */
  readonly msPerGflop: readonly (number | null)[];
  /** Measured time of a run beyond its steps (ms). */
  readonly overheadMs: number;
}

/** The FLOP budget the load-aware policy gave a run, and why. */
export interface BudgetDecision {
  /** The budget policy's FLOP fraction it got; null = unchanged (the request's own policy). */
  readonly fraction: number | null;
  /** One sentence: the queue it saw, the prediction, the target. */
  readonly reason: string;
  /** Predicted latency (queue wait + run) in ms at the chosen budget; null when nothing could be predicted. */
  readonly predictedMs: number | null;
  /** The p95 latency target it aims for, in ms. */
  readonly targetP95Ms: number;
  /** Share of the target kept free for what the prediction misses. */
  readonly margin: number;
  /** The policy the request asked for (replaced by `budget` when lowered). */
  readonly requestedPolicy: string;
  /** The FLOP fraction the request asked for (none: 1; budget: its own), null for policies that are not budgeted. */
  readonly requestedFraction: number | null;
  /** The lowest fraction the budget may give; null = the cheapest plan the budget policy makes. */
  readonly minFraction: number | null;
  /** The numbers it decided with (absent when it could not predict). */
  readonly prediction?: BudgetPrediction;
  /**
   * The second look, when a worker first starts the run: how long it waited, what it then
   * predicted, and the fraction it got (lowered if the wait ran over the prediction).
   */
  readonly atStart?: {
    readonly waitedMs: number;
    readonly predictedMs: number;
    readonly fraction: number | null;
    readonly reason: string;
    /** Whose rates it predicted with: the worker's own, or the server's recorded ones. */
    readonly rates: 'worker' | 'server';
    readonly msPerGflop: readonly (number | null)[];
    readonly overheadMs: number;
  };
}

/** A run's error, as the API reports it. */
export interface RunError {
  readonly name: string;
  readonly message: string;
}

/** Progress as last seen. */
export interface RunProgress {
  /** Steps finished. */
  readonly step: number;
  readonly steps: number;
  readonly level: number;
}

/** The last checkpoint stored for a run (the checkpoint itself is kept separately). */
export interface CheckpointInfo {
  /** Steps done when it was taken (the run resumes at step `index`). */
  readonly index: number;
  readonly level: number;
  readonly at: string;
}

/** Everything the API says about one run. */
export interface RunRecord {
  readonly id: string;
  readonly state: RunState;
  /** The validated pipeline config the run executes (budget applied). */
  readonly config: PipelineConfig;
  /** Which request created it and its place there. */
  readonly request: { readonly id: string; readonly index: number; readonly count: number; readonly key: string | null };
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly budget?: BudgetDecision;
  readonly plan?: UpshiftPlan;
  readonly backend?: string;
  readonly progress?: RunProgress;
  readonly stats?: RunStats;
  readonly error?: RunError;
  /** Worker that ran (or runs) it; with stage routing, each part's worker in order. */
  readonly workers?: readonly string[];
  /** Token of the executor that owns the run now (see WriteGuard.owner). */
  readonly owner?: string;
  /** Times a worker started on it (a resume after a crash or a stage move counts). */
  readonly attempts?: number;
  readonly checkpoint?: CheckpointInfo;
  /** SHA-256 of the final image's float32 data (hex): equal hashes, bit-identical images. */
  readonly imageSha256?: string;
  /** Queue wait + run time in ms (finished runs). */
  readonly latencyMs?: number;
  /** A stored checkpoint that could not be decoded: the run restarted from step 0 (same config and seed). */
  readonly discardedCheckpoint?: { readonly index: number; readonly level: number; readonly reason: string; readonly at: string };
}

/** A JSON-safe event of a run, as streamed over SSE (a discriminated union on `type`). */
export type RunEvent =
  | { readonly type: 'queued'; readonly level: number; readonly reason: 'created' | 'stage' | 'drain' | 'stalled' }
  | {
      readonly type: 'start';
      readonly plan: UpshiftPlan;
      readonly backend: string;
      readonly worker: string;
      /** Step index the run resumed at (0 for a fresh start). */
      readonly resumedAt: number;
      /** The checkpoint this start could not decode (it restarted from step 0 instead). */
      readonly discardedCheckpoint?: { readonly index: number; readonly reason: string };
    }
  | {
      readonly type: 'step';
      readonly index: number;
      readonly steps: number;
      readonly sigma: number;
      readonly sigmaNext: number;
      readonly level: number;
      readonly flops: number;
      readonly ms: number;
      readonly modelCalls: number;
      /** A PNG data URL of the x0 estimate (first batch item), at most one per preview interval. */
      readonly preview?: string;
    }
  | {
      readonly type: 'resolution-change';
      readonly index: number;
      readonly from: number;
      readonly to: number;
      readonly sigmaBefore: number;
      readonly sigmaAfter: number;
      readonly cause: 'plan' | { readonly hook: string };
    }
  | { readonly type: 'checkpoint'; readonly index: number; readonly level: number }
  | {
      readonly type: 'done';
      readonly stats: RunStats;
      readonly imageSha256: string;
      /** Time this worker spent on the run's last part beyond its steps (setup, checkpoints), ms. */
      readonly overheadMs?: number;
    }
  | { readonly type: 'failed'; readonly error: RunError }
  | { readonly type: 'cancelled'; readonly reason: string };

/** Event types after which a run's stream ends. */
export const FINAL_EVENT_TYPES: ReadonlySet<RunEvent['type']> = new Set(['done', 'failed', 'cancelled']);

/** An event with its position in the run's stream (0-based; the SSE `id`). */
export interface SequencedEvent {
  readonly seq: number;
  readonly event: RunEvent;
}

/** A finished image as stored: float32 NHWC data and its shape. */
export interface StoredImage {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}
