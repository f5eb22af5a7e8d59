/**
 * What a BullMQ job carries: a reference to the run (its record, config and checkpoint are in
 * the store) and why it was queued. Versioned, like every message that persists.
 */
import { randomBytes } from 'node:crypto';

/** Data of one job (one part of a run: a stage, or a resume after a drain). */
export interface RunJobData {
  readonly v: 1;
  readonly runId: string;
  /** Level the run's next step runs at (the queue it is on). */
  readonly level: number;
  readonly reason: 'created' | 'stage' | 'drain';
}

/** A fresh job id for a part of a run (BullMQ ids may not contain ':'). */
export function runJobId(runId: string): string {
  return `${runId}.${randomBytes(4).toString('hex')}`;
}

/** Name of the channel that tells workers to cancel a run (message: the run id). */
export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

/** Key of a worker's status hash. */
export function workerKey(prefix: string, name: string): string {
  return `${prefix}:worker:${name}`;
}
