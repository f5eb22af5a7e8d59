/** Runs a step stream to the end and keeps what outlives it (no tensors). */
import type { Observable } from 'rxjs';
import { UpshiftError } from '@upshift/core';
import type { CheckpointEvent, DoneEvent, ResolutionChangeEvent, StartEvent, StepEvent, SuspendedEvent } from '@upshift/core';

/** What {@link collectStage} returns: a run that ended with `done` or `suspended`. */
export interface CollectedStage {
  readonly start: StartEvent;
  /** The last event: `done`, or `suspended` (with its checkpoint). */
  readonly end: DoneEvent | SuspendedEvent;
  /** Number of `step` events. */
  readonly steps: number;
  readonly changes: ResolutionChangeEvent[];
  /** The `checkpoint` events, in order. */
  readonly checkpoints: CheckpointEvent[];
}

/** What {@link collectRun} returns: a run that finished. */
export interface CollectedRun extends Omit<CollectedStage, 'end'> {
  readonly done: DoneEvent;
}

/**
 * Subscribes to `events$` and resolves when the run ends with `done` or `suspended`; rejects with
 * the run's error (or if it completes without a start and an end).
 *
 * @example
 * const first = await collectStage(pipeline.run(config, { levels: { min: 1 } }));
 * if (first.end.type === 'suspended') await collectRun(pipeline.run(undefined, { resumeFrom: first.end.checkpoint }));
 */
export function collectStage(events$: Observable<StepEvent>): Promise<CollectedStage> {
  return new Promise<CollectedStage>((resolve, reject) => {
    let start: StartEvent | undefined;
    let end: DoneEvent | SuspendedEvent | undefined;
    let steps = 0;
    const changes: ResolutionChangeEvent[] = [];
    const checkpoints: CheckpointEvent[] = [];
    events$.subscribe({
      next(event) {
        if (event.type === 'start') start = event;
        else if (event.type === 'step') steps++;
        else if (event.type === 'resolution-change') changes.push(event);
        else if (event.type === 'checkpoint') checkpoints.push(event);
        else end = event;
      },
      error: reject,
      complete() {
        if (start === undefined || end === undefined) reject(new UpshiftError('the run completed without a start and a done (or suspended) event'));
        else resolve({ start, end, steps, changes, checkpoints });
      },
    });
  });
}

/**
 * Subscribes to `events$` and resolves with the `start` and `done` events, the step count, the
 * resolution changes and the checkpoints; rejects with the run's error, or when the run was
 * suspended (use {@link collectStage} for runs that may stop early).
 *
 * @example
 * const { done } = await collectRun(pipeline.run({ policy: 'pyramid', steps: 20 }));
 */
export async function collectRun(events$: Observable<StepEvent>): Promise<CollectedRun> {
  const { end, ...rest } = await collectStage(events$);
  if (end.type === 'suspended') {
    throw new UpshiftError(`the run was suspended before step ${end.index} (${end.reason.kind}) instead of finishing; collect it with collectStage`);
  }
  return { ...rest, done: end };
}
