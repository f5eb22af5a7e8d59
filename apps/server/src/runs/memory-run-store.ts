/** A {@link RunStore} in process memory: the embedded mode's store (nothing else to run). */
import { EventEmitter } from 'node:events';
import { FINAL_STATES } from './run-record.js';
import type { RunEvent, RunRecord, RunState, SequencedEvent, StoredImage } from './run-record.js';
import type { RunPatch, RunStore, StoredCheckpoint, WriteGuard } from './run-store.js';

const ALL = Symbol('all runs');

interface Entry {
  record: RunRecord;
  events: RunEvent[];
  image?: StoredImage;
  checkpoint?: StoredCheckpoint;
  timer?: NodeJS.Timeout;
}

/** Runs in a Map; finished runs are dropped `resultTtlMs` after they finish. */
export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, Entry>();
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  constructor(private readonly resultTtlMs: number) {}

  async create(record: RunRecord): Promise<void> {
    if (this.runs.has(record.id)) throw new Error(`run ${record.id} exists`);
    this.runs.set(record.id, { record, events: [] });
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return this.runs.get(id)?.record;
  }

  async update(id: string, patch: RunPatch, guard: WriteGuard = {}): Promise<boolean> {
    const entry = this.runs.get(id);
    if (entry === undefined) return false;
    const state: RunState = entry.record.state;
    if (guard.onlyIn ? !guard.onlyIn.includes(state) : FINAL_STATES.has(state)) return false;
    if (guard.owner !== undefined && entry.record.owner !== guard.owner) return false;
    entry.record = { ...entry.record, ...patch };
    return true;
  }

  async append(id: string, event: RunEvent, owner?: string): Promise<number> {
    const entry = this.runs.get(id);
    if (entry === undefined || (owner !== undefined && entry.record.owner !== owner)) return -1;
    const seq = entry.events.push(event) - 1;
    this.emitter.emit(id, { seq, event } satisfies SequencedEvent);
    this.emitter.emit(ALL, id, { seq, event } satisfies SequencedEvent);
    return seq;
  }

  async events(id: string, from = 0): Promise<SequencedEvent[]> {
    const events = this.runs.get(id)?.events ?? [];
    return events.slice(from).map((event, i) => ({ seq: from + i, event }));
  }

  async watch(id: string, listener: (event: SequencedEvent) => void): Promise<() => void> {
    this.emitter.on(id, listener);
    return () => this.emitter.off(id, listener);
  }

  async watchAll(listener: (id: string, event: SequencedEvent) => void): Promise<() => void> {
    this.emitter.on(ALL, listener);
    return () => this.emitter.off(ALL, listener);
  }

  async putImage(id: string, image: StoredImage): Promise<void> {
    const entry = this.runs.get(id);
    if (entry) entry.image = image;
  }

  async getImage(id: string): Promise<StoredImage | undefined> {
    return this.runs.get(id)?.image;
  }

  async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    const entry = this.runs.get(id);
    if (entry) entry.checkpoint = checkpoint;
  }

  async getCheckpoint(id: string): Promise<StoredCheckpoint | undefined> {
    return this.runs.get(id)?.checkpoint;
  }

  async deleteCheckpoint(id: string): Promise<void> {
    const entry = this.runs.get(id);
    if (entry !== undefined) delete entry.checkpoint;
  }

  async expire(id: string): Promise<void> {
    const entry = this.runs.get(id);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.runs.delete(id), this.resultTtlMs).unref();
  }

  async close(): Promise<void> {
    for (const entry of this.runs.values()) clearTimeout(entry.timer);
    this.emitter.removeAllListeners();
  }
}
