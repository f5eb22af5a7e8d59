/**
 * Load benchmark of the multi-machine mode (not a test): a real redis-server on a free
 * loopback port, `upshift serve --redis` in this process and 1 or 2 `upshift worker` processes
 * (wasm, concurrency 1) on this machine. Bounded: a fixed number of runs, loopback only, every
 * process stopped at the end. Everything is printed side by side, with the load average around
 * each phase (the machine may be shared: wall-time ratios are only as good as its quiet).
 *
 *   0. Compute ceiling: the same runs in 1 bare process, then in 2 at once (no server, queue or
 *      Redis): how far two model processes scale on this machine at all.
 *   A. N runs (policy none, 64x64, S steps, guidance 2) at C in flight against 1 worker, then 2:
 *      throughput (runs/min over the whole batch, and steady: between the W-th and the (N-W)-th
 *      completion, where every worker is busy), p50 / p95 latency, FLOP fraction, and the CPU
 *      the serving path used (this process: server + client; redis-server) per run.
 *   B. A burst of N runs on 2 workers without and with the load-aware budget (p95 target =
 *      TARGET x one bare run's time from 0; the load-aware server first sees two runs finish,
 *      one per worker at once, so it has step rates to predict with): p95, how many runs met the
 *      target, FLOP fraction, and how far the budget's predictions were from the latencies.
 *
 * Usage (from apps/server; phases default to all):
 *   flock /work/cpu.lock npm run bench -- [--runs 16] [--steps 8] [--concurrency 4] [--target-x 4] [--phases ceiling,throughput,budget]
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startServer } from '../src/serve.js';
import type { RunningServer } from '../src/serve.js';
import { RedisFixture, WorkerProcess, redisSkipReason } from '../src/queue/redis-fixture.js';
import { readEvents, request } from '../src/test-kit.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '16' },
    steps: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    'target-x': { type: 'string', default: '4' },
    'ceiling-runs': { type: 'string', default: '4' },
    phases: { type: 'string', default: 'ceiling,throughput,budget' },
  },
});
const N = Number(values.runs);
const STEPS = Number(values.steps);
const C = Number(values.concurrency);
const TARGET_X = Number(values['target-x']);
const K = Number(values['ceiling-runs']);
const PHASES = new Set(values.phases.split(','));
const CONFIG = { policy: 'none', steps: STEPS, guidance: 2 };

const skip = redisSkipReason();
if (skip) {
  console.log(skip);
  process.exit(0);
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const cpuOf = (pid: number | undefined): number => {
  if (pid === undefined) return 0;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in ms at 100 Hz
};

// --- 0. The compute ceiling -------------------------------------------------------------------

function bareProcess(seed: number): Promise<{ runs: number[]; cpuMs: number }> {
  const script = fileURLToPath(new URL('./bare-runs.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', '@oxc-node/core/register', script, '--runs', String(K), '--seed', String(seed), '--config', JSON.stringify({ ...CONFIG, backend: 'wasm', classLabels: 1 })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', () => undefined);
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || line === undefined) reject(new Error(`bare-runs exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as { runs: number[]; cpuMs: number });
    }),
  );
}

interface CeilingResult {
  readonly oneMs: number[];
  readonly twoMs: number[][];
  readonly throughput1: number;
  readonly throughput2: number;
  readonly load: string;
}

async function ceiling(): Promise<CeilingResult> {
  const before = load();
  const one = await bareProcess(1);
  const two = await Promise.all([bareProcess(1), bareProcess(100)]);
  // Runs per minute: runs done / the slowest process's time.
  const total = (r: { runs: number[] }): number => r.runs.reduce((a, b) => a + b, 0);
  const throughput1 = (K / total(one)) * 60_000;
  const throughput2 = ((2 * K) / Math.max(...two.map(total))) * 60_000;
  return { oneMs: one.runs, twoMs: two.map((t) => t.runs), throughput1, throughput2, load: `${before} -> ${load()}` };
}

// --- A and B: the service -----------------------------------------------------------------------

interface RunResult {
  readonly latencyMs: number;
  readonly fraction: number;
  readonly budget: number | null;
  readonly predictedMs: number | null;
  readonly overheadMs: number | undefined;
  /** performance.now() when the client saw it end. */
  readonly doneAt: number;
  readonly record: Record<string, unknown>;
}

interface PhaseResult {
  readonly name: string;
  readonly wallMs: number;
  readonly runs: RunResult[];
  readonly workers: number;
  /** CPU ms per run: this process (server + client), redis-server, the worker processes. */
  readonly cpuPerRun: { readonly serving: number; readonly redis: number; readonly workers: number };
  readonly load: string;
}

async function runOne(server: RunningServer, seed: number): Promise<RunResult> {
  const created = await request('POST', `${server.url}/v1/runs`, { config: { ...CONFIG, seed, classLabels: seed % 9 } });
  if (created.status !== 202) throw new Error(`POST: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.ids[0] as string;
  const events = await readEvents(`${server.url}/v1/runs/${id}/events`);
  const done = events.at(-1)?.event;
  if (done?.type !== 'done') throw new Error(`run ${id} ended with ${done?.type}`);
  const doneAt = performance.now();
  const r = (await request('GET', `${server.url}/v1/runs/${id}`)).body;
  return { latencyMs: r.latencyMs, fraction: r.stats.flopFraction, budget: r.budget?.fraction ?? null, predictedMs: r.budget?.predictedMs ?? null, overheadMs: done.overheadMs, doneAt, record: r };
}

/** N runs with at most `inFlight` at a time (closed loop). */
async function phase(name: string, setup: Setup, inFlight: number, seed0: number): Promise<PhaseResult> {
  const before = load();
  const cpu0 = { serving: process.cpuUsage(), redis: cpuOf(setup.redisPid), workers: setup.procs.map((p) => cpuOf(p.pid)) };
  const t0 = performance.now();
  const runs: RunResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < N) runs.push(await runOne(setup.server, seed0 + next++));
    }),
  );
  const wallMs = performance.now() - t0;
  const serving = process.cpuUsage(cpu0.serving);
  const cpuPerRun = {
    serving: (serving.user + serving.system) / 1000 / N,
    redis: (cpuOf(setup.redisPid) - cpu0.redis) / N,
    workers: setup.procs.reduce((a, p, i) => a + cpuOf(p.pid) - cpu0.workers[i]!, 0) / N,
  };
  return { name, wallMs, runs: runs.map((r) => ({ ...r, doneAt: r.doneAt - t0 })), workers: setup.procs.length, cpuPerRun, load: `${before} -> ${load()}` };
}

interface Setup {
  readonly server: RunningServer;
  readonly procs: readonly WorkerProcess[];
  readonly redisPid: number | undefined;
}

async function withSetup<T>(redis: RedisFixture, workers: number, budgetP95Ms: number | undefined, body: (setup: Setup) => Promise<T>): Promise<T> {
  const flush = new Redis(redis.url);
  await flush.flushall();
  flush.disconnect();
  const server = await startServer({ port: 0, redis: redis.url, limits: { maxSteps: 100, maxBatch: 16, maxSide: 128, maxCount: 16, maxQueued: 1000, models: ['emoji-unet'] }, rateLimit: { max: 100_000, windowMs: 60_000 }, ...(budgetP95Ms ? { budget: { targetP95Ms: budgetP95Ms } } : {}) });
  const procs = await Promise.all(Array.from({ length: workers }, (_, i) => WorkerProcess.start(redis.url, `bench-w${i}`, ['--backend', 'wasm'])));
  try {
    return await body({ server, procs, redisPid: redis.pid });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await server.close();
  }
}

/** Runs per minute over the batch, and steady: between the W-th and the (N-W)-th completion (every worker busy). */
function throughput(r: PhaseResult): { batch: number; steady: number } {
  const done = r.runs.map((x) => x.doneAt).sort((a, b) => a - b);
  const k1 = r.workers - 1;
  const k2 = done.length - r.workers - 1;
  const steady = k2 > k1 ? ((k2 - k1) / (done[k2]! - done[k1]!)) * 60_000 : NaN;
  return { batch: (N / r.wallMs) * 60_000, steady };
}

const s1 = (ms: number): string => (ms / 1000).toFixed(1);

function row(r: PhaseResult, target?: number): string {
  const t = throughput(r);
  const lat = r.runs.map((x) => x.latencyMs);
  const lowered = r.runs.filter((x) => x.budget !== null).length;
  const met = target === undefined ? '-' : `${lat.filter((l) => l <= target).length}/${lat.length}`;
  const overhead = r.runs.map((x) => x.overheadMs).filter((x): x is number => x !== undefined);
  return `| ${r.name} | ${t.batch.toFixed(2)} | ${t.steady.toFixed(2)} | ${s1(quantile(lat, 0.5))} | ${s1(quantile(lat, 0.95))} | ${met} | ${mean(r.runs.map((x) => x.fraction)).toFixed(3)} | ${lowered}/${r.runs.length} | ${overhead.length ? Math.round(mean(overhead)) : '-'} | ${Math.round(r.cpuPerRun.serving)} / ${Math.round(r.cpuPerRun.redis)} / ${Math.round(r.cpuPerRun.workers)} | ${r.load} |`;
}

const HEADER = '| setup | runs/min (batch) | runs/min (steady) | p50 s | p95 s | within target | FLOP fraction | budget lowered | overhead ms/run | CPU ms/run: serving / redis / workers | load (1/5/15 min) before -> after |\n|---|---|---|---|---|---|---|---|---|---|---|';

const redis = await RedisFixture.start();
try {
  console.log(`load before: ${load()} (1/5/15 min); ${N} runs, ${STEPS} steps, 64x64, policy none, guidance 2, wasm, ${C} in flight`);
  let runMs = NaN;
  if (PHASES.has('ceiling')) {
    const c = await ceiling();
    runMs = quantile(c.oneMs, 0.5);
    console.log(`\n0. compute ceiling (bare processes, ${K} runs each, no server): 1 process ${c.throughput1.toFixed(2)} runs/min (run ${s1(runMs)} s), 2 at once ${c.throughput2.toFixed(2)} runs/min (runs ${c.twoMs.map((t) => s1(quantile(t, 0.5))).join(' / ')} s): ${(c.throughput2 / c.throughput1).toFixed(2)}x; load ${c.load}`);
  }
  const rows: string[] = [];
  let ratio: { batch: number; steady: number } | undefined;
  if (PHASES.has('throughput')) {
    const one = await withSetup(redis, 1, undefined, (s) => phase(`1 worker, ${C} in flight`, s, C, 1000));
    const two = await withSetup(redis, 2, undefined, (s) => phase(`2 workers, ${C} in flight`, s, C, 1000));
    rows.push(row(one), row(two));
    const [t1, t2] = [throughput(one), throughput(two)];
    ratio = { batch: t2.batch / t1.batch, steady: t2.steady / t1.steady };
    if (Number.isNaN(runMs)) runMs = quantile(one.runs.map((r) => r.latencyMs), 0.5) / Math.max(1, C);
  }
  let budgetLines: string[] = [];
  if (PHASES.has('budget')) {
    if (Number.isNaN(runMs)) throw new Error('the budget phase needs the ceiling or the throughput phase (for the target)');
    const target = Math.round(TARGET_X * runMs);
    const fixed = await withSetup(redis, 2, undefined, (s) => phase('2 workers, burst, fixed policy', s, N, 2000));
    const aware = await withSetup(redis, 2, target, async (s) => {
      // Finished runs to predict from: one per worker at once, so the rates are those of both workers busy.
      await Promise.all([runOne(s.server, 1), runOne(s.server, 2)]);
      return phase(`2 workers, burst, load-aware (p95 target ${s1(target)} s)`, s, N, 2000);
    });
    rows.push(row(fixed, target), row(aware, target));
    const p95 = (r: PhaseResult): number => quantile(r.runs.map((x) => x.latencyMs), 0.95);
    const errors = aware.runs.filter((r) => r.predictedMs !== null).map((r) => (r.latencyMs - r.predictedMs!) / r.predictedMs!);
    budgetLines = [
      `p95 fixed ${s1(p95(fixed))} s vs load-aware ${s1(p95(aware))} s; target ${s1(target)} s (${TARGET_X} x a bare run): fixed ${p95(fixed) <= target ? 'holds' : 'misses'}, load-aware ${p95(aware) <= target ? 'holds' : 'misses'}`,
      `load-aware prediction error (latency / predicted - 1) over ${errors.length} run(s): median ${(100 * quantile(errors, 0.5)).toFixed(1)} %, max ${(100 * Math.max(...errors)).toFixed(1)} %`,
      `a budgeted run's record: ${JSON.stringify((aware.runs.find((r) => r.budget !== null) ?? aware.runs[0]!).record['budget'])}`,
    ];
  }
  if (rows.length) console.log(`\n${HEADER}\n${rows.join('\n')}`);
  if (ratio) console.log(`\nthroughput 2 workers / 1 worker: ${ratio.batch.toFixed(2)}x over the batch, ${ratio.steady.toFixed(2)}x steady (goal >= 1.8x)`);
  for (const l of budgetLines) console.log(l);
  console.log(`\nload after: ${load()}`);
} finally {
  await redis.stop();
}
process.exit(0);
