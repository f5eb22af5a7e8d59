/**
 * A {@link RunStore} on Redis, shared by the HTTP servers and the workers of the multi-machine
 * mode. A record is a hash (one JSON value per top-level field, so a worker's progress and a
 * client's cancel never overwrite each other's fields); events are a list plus a publish on one
 * channel, done in one Lua script so the sequence numbers and the published order agree.
 * Finished runs expire after the result TTL (their last checkpoint too).
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { RunEvent, RunRecord, SequencedEvent, StoredImage } from './run-record.js';
import type { RunPatch, RunStore, StoredCheckpoint, WriteGuard } from './run-store.js';

const UPDATE_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
state = cjson.decode(state)
if ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
if ARGV[1] == '' then
  if state == 'succeeded' or state == 'failed' or state == 'cancelled' then return 0 end
else
  local ok = false
  for _, s in ipairs(cjson.decode(ARGV[1])) do if s == state then ok = true end end
  if not ok then return 0 end
end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

const APPEND_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[4] then return -1 end
local n = redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], '{"id":' .. ARGV[3] .. ',"seq":' .. (n - 1) .. ',"event":' .. ARGV[1] .. '}')
return n - 1`;

/** Options of {@link RedisRunStore}. */
export interface RedisRunStoreOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly url: string;
  /** Key prefix (default `upshift`). */
  readonly prefix?: string;
  /** How long finished runs (record, events, image) are kept, in ms. */
  readonly resultTtlMs: number;
  /** How long an unused checkpoint is kept, in ms (default 24 h). */
  readonly checkpointTtlMs?: number;
}

type Scripted = Redis & {
  upshiftUpdate(key: string, allowed: string, owner: string, ...fields: string[]): Promise<number>;
  upshiftAppend(record: string, list: string, event: string, channel: string, id: string, owner: string): Promise<number>;
};

/** Redis connection options every connection of the service uses (retry forever, never drop commands). */
export function redisConnectionOptions(): RedisOptions {
  return {
    // BullMQ requires null for blocking connections; for ours it means a command waits for the
    // reconnect instead of failing after 20 retries, so a Redis restart loses nothing.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    enableOfflineQueue: true,
  };
}

/** See the module comment. */
export class RedisRunStore implements RunStore {
  readonly redis: Scripted;
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<(event: SequencedEvent) => void>>();
  private readonly prefix: string;
  private readonly channel: string;

  constructor(private readonly options: RedisRunStoreOptions) {
    this.prefix = options.prefix ?? 'upshift';
    this.channel = `${this.prefix}:events`;
    this.redis = new Redis(options.url, redisConnectionOptions()) as Scripted;
    // Connection errors are retried (see redisConnectionOptions); commands wait for the reconnect.
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('upshiftUpdate', { numberOfKeys: 1, lua: UPDATE_SCRIPT });
    this.redis.defineCommand('upshiftAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
  }

  private key(id: string, part?: string): string {
    return `${this.prefix}:run:${id}${part ? `:${part}` : ''}`;
  }

  async create(record: RunRecord): Promise<void> {
    const fields = Object.entries(record).flatMap(([k, v]) => [k, JSON.stringify(v)]);
    const created = await this.redis.hsetnx(this.key(record.id), 'id', JSON.stringify(record.id));
    if (created === 0) throw new Error(`run ${record.id} exists`);
    await this.redis.hset(this.key(record.id), ...fields);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const hash = await this.redis.hgetall(this.key(id));
    if (hash['state'] === undefined) return undefined;
    const record: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(hash)) record[k] = JSON.parse(v);
    return record as unknown as RunRecord;
  }

  async update(id: string, patch: RunPatch, guard: WriteGuard = {}): Promise<boolean> {
    const fields = Object.entries(patch).flatMap(([k, v]) => (v === undefined ? [] : [k, JSON.stringify(v)]));
    const owner = guard.owner === undefined ? '' : JSON.stringify(guard.owner);
    const applied = await this.redis.upshiftUpdate(this.key(id), guard.onlyIn ? JSON.stringify(guard.onlyIn) : '', owner, ...fields);
    return applied === 1;
  }

  async append(id: string, event: RunEvent, owner?: string): Promise<number> {
    return this.redis.upshiftAppend(this.key(id), this.key(id, 'events'), JSON.stringify(event), this.channel, JSON.stringify(id), owner === undefined ? '' : JSON.stringify(owner));
  }

  async events(id: string, from = 0): Promise<SequencedEvent[]> {
    const items = await this.redis.lrange(this.key(id, 'events'), from, -1);
    return items.map((json, i) => ({ seq: from + i, event: JSON.parse(json) as RunEvent }));
  }

  async watch(id: string, listener: (event: SequencedEvent) => void): Promise<() => void> {
    if (this.subscriber === undefined) {
      this.subscriber = new Redis(this.options.url, redisConnectionOptions());
      this.subscriber.on('error', () => undefined);
      this.subscriber.on('message', (_channel: string, message: string) => {
        const { id: runId, seq, event } = JSON.parse(message) as { id: string; seq: number; event: RunEvent };
        for (const l of this.listeners.get(runId) ?? []) l({ seq, event });
      });
      await this.subscriber.subscribe(this.channel);
    }
    let set = this.listeners.get(id);
    if (set === undefined) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Calls `listener` for every event of every run (the server's metrics use it). */
  async watchAll(listener: (id: string, event: SequencedEvent) => void): Promise<() => void> {
    const sub = new Redis(this.options.url, redisConnectionOptions());
    sub.on('error', () => undefined);
    sub.on('message', (_channel: string, message: string) => {
      const { id, seq, event } = JSON.parse(message) as { id: string; seq: number; event: RunEvent };
      listener(id, { seq, event });
    });
    await sub.subscribe(this.channel);
    return () => sub.disconnect();
  }

  async putImage(id: string, image: StoredImage): Promise<void> {
    const data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    await this.redis.hset(this.key(id, 'image'), 'shape', JSON.stringify(image.shape), 'data', data);
  }

  async getImage(id: string): Promise<StoredImage | undefined> {
    const hash = await this.redis.hgetallBuffer(this.key(id, 'image'));
    if (hash['data'] === undefined || hash['shape'] === undefined) return undefined;
    const bytes = hash['data'];
    const data = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(data.buffer).set(bytes);
    return { data, shape: JSON.parse(hash['shape'].toString('utf8')) as StoredImage['shape'] };
  }

  async putCheckpoint(id: string, checkpoint: StoredCheckpoint): Promise<void> {
    const key = this.key(id, 'checkpoint');
    await this.redis
      .multi()
      .hset(key, 'bytes', Buffer.from(checkpoint.bytes), 'index', String(checkpoint.index), 'level', String(checkpoint.level))
      .pexpire(key, this.options.checkpointTtlMs ?? 24 * 3600_000)
      .exec();
  }

  async getCheckpoint(id: string): Promise<StoredCheckpoint | undefined> {
    const hash = await this.redis.hgetallBuffer(this.key(id, 'checkpoint'));
    if (hash['bytes'] === undefined) return undefined;
    return { bytes: new Uint8Array(hash['bytes']), index: Number(hash['index']), level: Number(hash['level']) };
  }

  async deleteCheckpoint(id: string): Promise<void> {
    await this.redis.del(this.key(id, 'checkpoint'));
  }

  async expire(id: string): Promise<void> {
    const ttl = this.options.resultTtlMs;
    await this.redis
      .multi()
      .pexpire(this.key(id), ttl)
      .pexpire(this.key(id, 'events'), ttl)
      .pexpire(this.key(id, 'image'), ttl)
      .pexpire(this.key(id, 'checkpoint'), ttl)
      .exec();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber?.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
