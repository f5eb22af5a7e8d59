/**
 * The queue side of the service, as the HTTP side sees it: put a run on the queue of the level
 * its next step runs at, cancel it, and tell how loaded the queue is. Implemented in process
 * ({@link EmbeddedRunQueue}) and on BullMQ ({@link BullRunQueue}).
 */

/** Runs waiting and running. */
export interface QueueDepth {
  readonly waiting: number;
  readonly active: number;
}

/** See the module comment. */
export interface RunQueue {
  /** `"embedded"` or `"redis"`. */
  readonly mode: 'embedded' | 'redis';
  /** Queues run `runId` (its record is in the store) for a worker that takes `level`. */
  enqueue(runId: string, level: number): Promise<void>;
  /** Takes a run off the queue, or tells the worker running it to stop and free it. */
  cancel(runId: string): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Worker slots serving the queue (for the load-aware budget); at least 1. */
  slots(): Promise<number>;
  /**
   * Worker processes consuming each level's queue (index = level), where the queue can tell: a
   * level nobody takes leaves stage-routed runs waiting there.
   */
  workersByLevel?(): Promise<number[]>;
  /** Whether the queue can take work now (Redis connected). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
