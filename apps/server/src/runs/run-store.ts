/**
 * Where runs live: records, their ordered events, final images and checkpoints. The HTTP side
 * and the workers only talk through a store (and a queue), so the same service runs on
 * process memory ({@link MemoryRunStore}) or on Redis ({@link RedisRunStore}).
 */
import type { RunEvent, RunRecord, RunState, SequencedEvent, StoredImage } from './run-record.js';

/** A partial update of a record's top-level fields. */
export type RunPatch = Partial<Omit<RunRecord, 'id' | 'request' | 'createdAt'>>;

/** A stored checkpoint: the encoded bytes and what the record says about it. */
export interface StoredCheckpoint {
  readonly bytes: Uint8Array;
  readonly index: number;
  readonly level: number;
}

/** Conditions of a write. */
export interface WriteGuard {
  /** Apply only while the run is in one of these states (default: any state but a final one). */
  readonly onlyIn?: readonly RunState[];
  /**
   * Apply only while the run's `owner` is this token: the executor that started the run last
   * owns it, so a worker that lost its job (its lock expired and another worker took over)
   * cannot write over the new owner's progress.
   */
  readonly owner?: string;
}

/** Storage of runs (see the module comment). Every method is safe to call concurrently. */
export interface RunStore {
  /** Stores a new record (its id must be new). */
  create(record: RunRecord): Promise<void>;
  get(id: string): Promise<RunRecord | undefined>;
  /**
   * Applies `patch` unless the run is in a final state (see {@link WriteGuard} for other
   * conditions). Returns whether it applied: a worker finishing and a client cancelling race,
   * and the first to reach a final state wins.
   */
  update(id: string, patch: RunPatch, guard?: WriteGuard): Promise<boolean>;
  /** Appends an event and publishes it to watchers; returns its sequence number, or -1 if the run is gone or not owned by `owner`. */
  append(id: string, event: RunEvent, owner?: string): Promise<number>;
  /** Events with `seq >= from`, in order. */
  events(id: string, from?: number): Promise<SequencedEvent[]>;
  /** Calls `listener` for each event appended from now on; returns the unsubscribe function. */
  watch(id: string, listener: (event: SequencedEvent) => void): Promise<() => void>;
  /** Calls `listener` for every event of every run appended from now on (the server's metrics). */
  watchAll(listener: (id: string, event: SequencedEvent) => void): Promise<() => void>;
  putImage(id: string, image: StoredImage): Promise<void>;
  getImage(id: string): Promise<StoredImage | undefined>;
  putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void>;
  getCheckpoint(id: string): Promise<StoredCheckpoint | undefined>;
  /** Removes a run's checkpoint (one that could not be decoded). */
  deleteCheckpoint(id: string): Promise<void>;
  /** Starts the result TTL of a finished run (record, events, image, last checkpoint). */
  expire(id: string): Promise<void>;
  close(): Promise<void>;
}
