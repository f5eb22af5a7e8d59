/** Runs a step stream to the end and keeps what outlives it (no tensors). */
import type { Observable } from 'rxjs';
import { UpshiftError } from '@upshift/core';
import type { DoneEvent, ResolutionChangeEvent, StartEvent, StepEvent } from '@upshift/core';

/** What {@link collectRun} returns. */
export interface CollectedRun {
  readonly start: StartEvent;
  readonly done: DoneEvent;
  /** Number of `step` events. */
  readonly steps: number;
  readonly changes: ResolutionChangeEvent[];
}

/**
 * Subscribes to `events$` and resolves with the `start` and `done` events, the step count and
 * the resolution changes; rejects with the run's error (or if it completes without `done`).
 *
 * @example
 * const { done } = await collectRun(pipeline.run({ policy: 'pyramid', steps: 20 }));
 */
export function collectRun(events$: Observable<StepEvent>): Promise<CollectedRun> {
  return new Promise<CollectedRun>((resolve, reject) => {
    let start: StartEvent | undefined;
    let done: DoneEvent | undefined;
    let steps = 0;
    const changes: ResolutionChangeEvent[] = [];
    events$.subscribe({
      next(event) {
        if (event.type === 'start') start = event;
        else if (event.type === 'step') steps++;
        else if (event.type === 'resolution-change') changes.push(event);
        else done = event;
      },
      error: reject,
      complete() {
        if (start === undefined || done === undefined) reject(new UpshiftError('the run completed without a start and a done event'));
        else resolve({ start, done, steps, changes });
      },
    });
  });
}
