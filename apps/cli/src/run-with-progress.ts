/**
 * Runs one pipeline config to the end while reporting each step, keeping only plain data
 * (the plan, per-step costs, the final image and stats). An abort signal (Ctrl-C)
 * unsubscribes, which cancels the run before its next model call.
 */
import type { DoneEvent, ResolutionChangeEvent, StartEvent, StepHook } from '@upshift/core';
import { UpshiftError } from '@upshift/core';
import type { Pipeline } from '@upshift/pipeline';
import type { StepCost } from '@upshift/metrics';
import type { ProgressReporter } from './step-progress.js';

/** One step as recorded. */
export interface StepRecord extends StepCost {
  readonly index: number;
  readonly sigma: number;
  readonly modelCalls: number;
}

/** A finished run. */
export interface RunRecord {
  readonly start: StartEvent;
  readonly done: DoneEvent;
  readonly steps: readonly StepRecord[];
  readonly changes: readonly ResolutionChangeEvent[];
  /** Wall time from subscription to `done` (setup and model loading included). */
  readonly wallMs: number;
}

/** Thrown when the run was stopped through the abort signal. */
export class InterruptedError extends UpshiftError {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** Runs `config` on `pipeline`, reporting progress under `label`. */
export function runWithProgress(
  pipeline: Pipeline,
  config: unknown,
  options: {
    readonly progress: ProgressReporter;
    readonly label: string;
    readonly signal?: AbortSignal;
    readonly log?: (m: string) => void;
    /** Diagnostics in the log lines (the backend's .wasm file). */
    readonly verbose?: boolean;
    /** Called after each step with the run's start event. */
    readonly onStep?: (step: StepRecord, start: StartEvent) => void;
    /** Step hooks of this run (see the pipeline's RunOptions). */
    readonly hooks?: readonly StepHook[];
  },
): Promise<RunRecord> {
  const { progress, label, signal } = options;
  return new Promise<RunRecord>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new InterruptedError());
      return;
    }
    const t0 = performance.now();
    let start: StartEvent | undefined;
    let done: DoneEvent | undefined;
    let side = 0;
    const steps: StepRecord[] = [];
    const changes: ResolutionChangeEvent[] = [];
    const onAbort = (): void => {
      subscription.unsubscribe();
      progress.stop();
      reject(new InterruptedError());
    };
    const finish = (): void => {
      signal?.removeEventListener('abort', onAbort);
      progress.stop();
    };
    const runOptions = { ...(options.log ? { log: options.log } : {}), ...(options.verbose ? { verbose: true } : {}), ...(options.hooks ? { hooks: options.hooks } : {}) };
    const subscription = pipeline.run(config, runOptions).subscribe({
      next(event) {
        switch (event.type) {
          case 'start': {
            start = event;
            side = Number((event.config['resolution'] as { width?: number } | undefined)?.width ?? 0);
            progress.start(label, event.plan.steps.length);
            break;
          }
          case 'step':
            steps.push({ index: event.index, level: event.level, sigma: event.sigma, flops: event.flops, ms: event.ms, modelCalls: event.modelCalls });
            progress.step({ index: event.index, steps: event.steps, level: event.level, side: side / 2 ** event.level, sigma: event.sigma, ms: event.ms });
            if (start !== undefined) options.onStep?.(steps.at(-1)!, start);
            break;
          case 'resolution-change':
            changes.push(event);
            break;
          case 'done':
            done = event;
            break;
        }
      },
      error(error: unknown) {
        finish();
        reject(error);
      },
      complete() {
        finish();
        if (start === undefined || done === undefined) reject(new UpshiftError('the run ended without a start and a done event'));
        else resolve({ start, done, steps, changes, wallMs: performance.now() - t0 });
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
