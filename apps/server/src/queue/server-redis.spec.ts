/**
 * The multi-machine mode for real: redis-server on a free loopback port, `upshift serve
 * --redis` (in this process) and `upshift worker --redis` child processes running the shipped
 * model on wasm. A run goes through a worker process; a worker killed with SIGKILL mid-run
 * loses nothing (another worker finishes the run with the identical image); cancel frees the
 * worker's tensors; a Redis restart mid-run loses no run; SIGTERM drains a worker. Skips (with
 * the reason) where redis-server is not installed.
 */
import { skipUnless } from '@upshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, collectRun } from '@upshift/pipeline';
import { startServer } from '../serve.js';
import type { RunningServer } from '../serve.js';
import type { RedisRunStore } from '../runs/redis-run-store.js';
import { imageSha256 } from '../runs/run-executor.js';
import { readEvents, request, waitFor } from '../test-kit.js';
import type { SseMessage } from '../test-kit.js';
import { RedisFixture, WorkerProcess, redisSkipReason } from './redis-fixture.js';
import { workerKey } from './run-job.js';

// Skips (printing why) without redis-server, unless this run requires it (UPSHIFT_TEST_REQUIRE
// lists "redis": CI installs it).
const skip = skipUnless('redis', redisSkipReason()) || undefined;

const SMALL = { resolution: { height: 32, width: 32 }, classLabels: 1 };
const WORKER_ARGS = ['--backend', 'wasm', '--lock-ms', '2000', '--stalled-ms', '1000', '--checkpoint-every', '2', '--drain-timeout', '300'];

describe.skipIf(skip !== undefined)('upshift serve --redis + upshift worker', () => {
  let redis: RedisFixture;
  let server: RunningServer;
  /** A second service on the same Redis (prefix "stage") with a --levels 1-3 and a --levels 0 worker. */
  let stageServer: RunningServer;
  const workers = new Map<string, WorkerProcess>();
  const reference = new Map<string, string>();

  const startWorker = async (name: string, args: readonly string[] = []): Promise<WorkerProcess> => {
    const w = await WorkerProcess.start(redis.url, name, [...WORKER_ARGS, ...args]);
    workers.set(name, w);
    return w;
  };
  /** The image hash of a direct in-process run of `config` on wasm. */
  const direct = async (config: Record<string, unknown>): Promise<string> => {
    const pipeline = new Pipeline();
    try {
      const { done } = await collectRun(pipeline.run({ ...config, backend: 'wasm' }));
      return imageSha256(done.image);
    } finally {
      pipeline.dispose();
      await pipeline.whenIdle();
    }
  };
  const submit = async (config: Record<string, unknown>): Promise<string> => {
    const res = await request('POST', `${server.url}/v1/runs`, { config });
    expect(res.status).toBe(202);
    return res.body.ids[0] as string;
  };
  const record = async (id: string): Promise<any> => (await request('GET', `${server.url}/v1/runs/${id}`)).body;
  /** Reads the run's events; calls `onStep` at the first step event with index >= `at`. */
  const follow = (id: string, at: number, onStep: (m: SseMessage) => void): Promise<SseMessage[]> => {
    let fired = false;
    return readEvents(`${server.url}/v1/runs/${id}/events`, {}, (m) => {
      if (!fired && m.event.type === 'step' && m.event.index >= at) {
        fired = true;
        onStep(m);
      }
    });
  };

  /** A short upshifting run (round trip, checkpoint download, stage routing) and its image hash. */
  const SHORT = { ...SMALL, steps: 6, policy: 'pyramid', seed: 21 };
  let shortHash: Promise<string>;
  /** The runs that get interrupted (kill -9, Redis restart, drain) and their image hash. */
  const LONG = { ...SMALL, steps: 24, policy: 'none', seed: 22 };
  let longHash: Promise<string>;

  beforeAll(async () => {
    redis = await RedisFixture.start();
    const limits = { rateLimit: { max: 100_000, windowMs: 60_000 } };
    server = await startServer({ port: 0, redis: redis.url, prefix: 'upshift', ...limits });
    stageServer = await startServer({ port: 0, redis: redis.url, prefix: 'stage', ...limits });
    const stage = ['--prefix', 'stage'];
    await Promise.all([startWorker('w1'), startWorker('w2'), startWorker('w3'), startWorker('coarse', [...stage, '--levels', '1-3']), startWorker('fine', [...stage, '--levels', '0'])]);
    // One after the other: tfjs initialises the wasm backend once per process.
    shortHash = direct(SHORT);
    longHash = shortHash.then(() => direct(LONG));
    longHash.catch(() => undefined); // awaited (and reported) by the tests
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...workers.values()].map((w) => w.stop()));
    await server?.close();
    await stageServer?.close();
    await redis?.stop();
  });

  it('runs a request on a worker process (image equal to a direct run bit for bit); its checkpoint, downloaded, resumes as a new run with the identical image', async () => {
    const id = await submit(SHORT);
    const events = await readEvents(`${server.url}/v1/runs/${id}/events`);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['queued', 'start', 'step', 'checkpoint', 'done']));
    expect(events.at(-1)!.type).toBe('done');
    const original = await record(id);
    expect(original.state).toBe('succeeded');
    expect(original.backend).toBe('wasm');
    expect(['w1', 'w2', 'w3']).toContain(original.workers[0]);
    expect(original.imageSha256).toBe(await shortHash);
    const png = await fetch(`${server.url}/v1/runs/${id}/image.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const health = (await request('GET', `${server.url}/healthz`)).body;
    expect(health).toMatchObject({ status: 'ok', mode: 'redis', queue: { slots: 3 }, workersByLevel: [3, 3, 3, 3] });

    const k = original.checkpoint.index as number; // the last checkpoint (every 2 steps and at level changes)
    expect(k).toBeGreaterThanOrEqual(4);
    expect(k).toBeLessThan(6);
    const res = await fetch(`${server.url}/v1/runs/${id}/checkpoint`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const bytes = Buffer.from(await res.arrayBuffer());
    const resumed = await request('POST', `${server.url}/v1/runs`, { checkpoint: bytes.toString('base64') });
    expect(resumed.status).toBe(202);
    const rid = resumed.body.ids[0] as string;
    expect(resumed.body.runs[0].checkpoint.index).toBe(k);
    const resumedEvents = await readEvents(`${server.url}/v1/runs/${rid}/events`);
    const start = resumedEvents.find((e) => e.event.type === 'start')!.event;
    expect(start.type === 'start' && start.resumedAt).toBe(k);
    expect(resumedEvents.filter((e) => e.type === 'step').map((e) => (e.event as { index: number }).index)).toEqual(k === 4 ? [4, 5] : [5]);
    expect((await record(rid)).imageSha256).toBe(original.imageSha256);
  });

  it('kill -9 of the worker mid-run: another worker finishes the run with the identical image', async () => {
    const id = await submit(LONG);
    let victim: string | undefined;
    const events = await follow(id, 5, () => {
      void record(id).then((r) => {
        victim = r.workers.at(-1) as string;
        workers.get(victim)!.kill('SIGKILL');
      });
    });
    expect(events.at(-1)!.type).toBe('done');
    const r = await record(id);
    expect(victim).toBeDefined();
    expect(r.state).toBe('succeeded');
    expect(r.workers.at(-1)).not.toBe(victim);
    expect(r.attempts).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.event.type === 'queued' && e.event.reason === 'stalled')).toBe(true);
    // The second start resumed from the last checkpoint (every 2 steps), not from step 0.
    const starts = events.flatMap((e) => (e.event.type === 'start' ? [e.event] : []));
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.at(-1)!.resumedAt).toBeGreaterThanOrEqual(4);
    expect(starts.at(-1)!.worker).not.toBe(victim);
    expect(r.imageSha256).toBe(await longHash);
    await workers.get(victim!)!.exited;
    workers.delete(victim!);
  });

  it('cancel mid-run: the worker stops the run and frees its tensors', async () => {
    const store = server.store as RedisRunStore;
    const id = await submit({ ...SMALL, steps: 100, policy: 'none', seed: 23 });
    let name: string | undefined;
    let before = NaN;
    const events = await follow(id, 1, () => {
      void (async () => {
        name = (await record(id)).workers.at(-1) as string;
        expect((await request('DELETE', `${server.url}/v1/runs/${id}`)).status).toBe(200);
      })();
    });
    expect(events.at(-1)!.type).toBe('cancelled');
    expect(events.filter((e) => e.type === 'step').length).toBeLessThan(100);
    // The worker reports its tensor count when a job ends: back to its idle count (the model's weights).
    const idle = await waitFor(async () => {
      const h = await store.redis.hgetall(workerKey('upshift', name!));
      return h['active'] === '0' ? Number(h['tensors']) : undefined;
    }, 20_000, 'the worker to finish the cancelled job');
    before = idle;
    const other = await submit({ ...SMALL, steps: 2, policy: 'none', seed: 5 });
    await readEvents(`${server.url}/v1/runs/${other}/events`);
    await waitFor(async () => ((await store.redis.hget(workerKey('upshift', name!), 'active')) === '0' ? true : undefined), 10_000, 'idle');
    const after = Number(await store.redis.hget(workerKey('upshift', name!), 'tensors'));
    expect(after).toBe(before);
    expect((await record(id)).state).toBe('cancelled');
  });

  it('a Redis restart mid-run: server and workers reconnect, the run finishes', async () => {
    const id = await submit(LONG);
    let restarted: Promise<void> | undefined;
    let unhealthy: number | undefined;
    const events = await follow(id, 3, () => {
      restarted = (async () => {
        await redis.down();
        unhealthy = (await request('GET', `${server.url}/healthz`)).status;
        await new Promise((r) => setTimeout(r, 1000));
        await redis.up();
      })();
    }).catch(async () => {
      // The stream's own Redis subscription may drop with the server; read the rest afterwards.
      await restarted;
      return readEvents(`${server.url}/v1/runs/${id}/events`);
    });
    await restarted;
    expect(unhealthy).toBe(503);
    const final = await waitFor(async () => {
      const r = await record(id).catch(() => undefined);
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
    }, 60_000, 'the run to finish after the restart');
    expect(final.state).toBe('succeeded');
    expect(final.imageSha256).toBe(await longHash);
    expect(events.length).toBeGreaterThan(0);
    expect((await request('GET', `${server.url}/healthz`)).status).toBe(200);
  });

  it('a Redis restart that lost its data: the server reports its runs lost (410, a failed event), never silently', async () => {
    const id = await submit({ ...SMALL, steps: 60, policy: 'none', seed: 26 });
    let wiped: Promise<void> | undefined;
    const events = await follow(id, 1, () => {
      wiped = redis.wipe();
    });
    await wiped;
    const last = events.at(-1)!.event;
    expect(last.type).toBe('failed');
    expect(last.type === 'failed' && last.error.name).toBe('RunLostError');
    const res = await request('GET', `${server.url}/v1/runs/${id}`);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ field: 'id', value: id, error: 'RunLostError' });
    // The workers carry on with new runs.
    const next = await submit({ ...SMALL, steps: 2, policy: 'none', seed: 27 });
    expect((await readEvents(`${server.url}/v1/runs/${next}/events`)).at(-1)!.type).toBe('done');
  });

  it('SIGTERM drains a worker: its run goes back to the queue and another worker finishes it', async () => {
    const id = await submit(LONG);
    let drained: WorkerProcess | undefined;
    const events = await follow(id, 4, () => {
      void record(id).then((r) => {
        drained = workers.get(r.workers.at(-1) as string)!;
        drained.kill('SIGTERM');
      });
    });
    expect(events.at(-1)!.type).toBe('done');
    expect(await drained!.exited).toBe(0);
    expect(drained!.output).toContain('drained');
    expect(events.some((e) => e.event.type === 'queued' && e.event.reason === 'drain')).toBe(true);
    const r = await record(id);
    expect(r.workers.at(-1)).not.toBe(drained!.name);
    const starts = events.flatMap((e) => (e.event.type === 'start' ? [e.event] : []));
    expect(starts.at(-1)!.resumedAt).toBeGreaterThanOrEqual(4);
    expect(r.imageSha256).toBe(await longHash);
  });

  it('stage routing: a new run enters the queue of its plan\'s first level; a --levels 1-3 worker runs the coarse steps, a --levels 0 worker the full-resolution ones, through the checkpoint at the level change', async () => {
    expect((await request('GET', `${stageServer.url}/healthz`)).body.workersByLevel).toEqual([1, 1, 1, 1]);
    const res = await request('POST', `${stageServer.url}/v1/runs`, { config: SHORT });
    expect(res.status).toBe(202);
    const id = res.body.ids[0] as string;
    // Planned at submit (the model's description, no weights): the pyramid starts coarse.
    const firstLevel = res.body.runs[0].plan.steps[0].level as number;
    expect(firstLevel).toBeGreaterThan(0);
    const events = await readEvents(`${stageServer.url}/v1/runs/${id}/events`);
    expect(events.at(-1)!.type).toBe('done');
    // Queued on that level's queue: the coarse worker takes it first, no hop through a level-0 worker.
    expect(events[0]!.event).toEqual({ type: 'queued', level: firstLevel, reason: 'created' });
    expect(events.filter((e) => e.event.type === 'start').map((e) => (e.event as { worker: string }).worker)).toEqual(['coarse', 'fine']);
    expect(events.filter((e) => e.event.type === 'start').map((e) => (e.event as { plan: unknown }).plan)).toEqual([res.body.runs[0].plan, res.body.runs[0].plan]);
    // Which worker ran each step: the last start event before it.
    let worker = '';
    const ranBy: { level: number; worker: string }[] = [];
    for (const { event } of events) {
      if (event.type === 'start') worker = event.worker;
      if (event.type === 'step') ranBy.push({ level: event.level, worker });
    }
    expect(ranBy).toHaveLength(6);
    expect(ranBy.some((s) => s.level > 0)).toBe(true);
    expect(ranBy.some((s) => s.level === 0)).toBe(true);
    for (const s of ranBy) expect(s.worker).toBe(s.level > 0 ? 'coarse' : 'fine');
    expect(events.some((e) => e.event.type === 'queued' && e.event.reason === 'stage')).toBe(true);
    const r = (await request('GET', `${stageServer.url}/v1/runs/${id}`)).body;
    expect(r.workers).toEqual(['coarse', 'fine']);
    expect(r.imageSha256).toBe(await shortHash);
  });
});
