/**
 * Load benchmark of the multi-machine mode (not a test): a real redis-server on a free
 * loopback port, `upshift serve --redis` in this process and 1 or 2 `upshift worker` processes
 * (wasm, concurrency 1) on this machine. Bounded: a fixed number of runs, loopback only, every
 * process stopped at the end.
 *
 *   A. N runs (policy none, 64x64, S steps) at C in flight against 1 worker, then 2 workers:
 *      throughput ratio (goal >= 1.8x on a 2-core machine), p50 / p95 latency, FLOP fraction.
 *   B. A burst of N runs on 2 workers without and with the load-aware budget (p95 target =
 *      TARGET x one run's service time in A; the load-aware server first sees two runs finish,
 *      one per worker at once): p95 and FLOP fraction side by side.
 *
 * Usage: node --import @oxc-node/core/register bench/load.ts [--runs N] [--steps S] [--concurrency C] [--target-x X]
 * (run it under `flock /work/cpu.lock` on a shared machine; it prints the load average).
 */
import 'reflect-metadata';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startServer } from '../src/serve.js';
import type { RunningServer } from '../src/serve.js';
import { RedisFixture, WorkerProcess, redisSkipReason } from '../src/queue/redis-fixture.js';
import { readEvents, request } from '../src/test-kit.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '12' },
    steps: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '4' },
    'target-x': { type: 'string', default: '4' },
  },
});
const N = Number(values.runs);
const STEPS = Number(values.steps);
const C = Number(values.concurrency);
const TARGET_X = Number(values['target-x']);
const CONFIG = { policy: 'none', steps: STEPS, guidance: 2 };

const skip = redisSkipReason();
if (skip) {
  console.log(skip);
  process.exit(0);
}

interface PhaseResult {
  readonly name: string;
  readonly wallMs: number;
  readonly latencies: number[];
  readonly fractions: number[];
  readonly budgets: (number | null)[];
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function runOne(server: RunningServer, seed: number): Promise<{ latencyMs: number; fraction: number; budget: number | null }> {
  const created = await request('POST', `${server.url}/v1/runs`, { config: { ...CONFIG, seed, classLabels: seed % 9 } });
  if (created.status !== 202) throw new Error(`POST: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.ids[0] as string;
  const events = await readEvents(`${server.url}/v1/runs/${id}/events`);
  if (events.at(-1)?.type !== 'done') throw new Error(`run ${id} ended with ${events.at(-1)?.type}`);
  const r = (await request('GET', `${server.url}/v1/runs/${id}`)).body;
  return { latencyMs: r.latencyMs, fraction: r.stats.flopFraction, budget: r.budget?.fraction ?? null };
}

/** N runs with at most `inFlight` at a time (closed loop). */
async function phase(name: string, server: RunningServer, inFlight: number, seed0: number): Promise<PhaseResult> {
  const t0 = performance.now();
  const results: Awaited<ReturnType<typeof runOne>>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < N) results.push(await runOne(server, seed0 + next++));
    }),
  );
  return { name, wallMs: performance.now() - t0, latencies: results.map((r) => r.latencyMs), fractions: results.map((r) => r.fraction), budgets: results.map((r) => r.budget) };
}

async function withSetup<T>(redis: RedisFixture, workers: number, budgetP95Ms: number | undefined, body: (server: RunningServer) => Promise<T>): Promise<T> {
  const flush = new Redis(redis.url);
  await flush.flushall();
  flush.disconnect();
  const server = await startServer({ port: 0, redis: redis.url, limits: { maxSteps: 100, maxBatch: 16, maxSide: 128, maxCount: 16, maxQueued: 1000, models: ['emoji-unet'] }, rateLimit: { max: 100_000, windowMs: 60_000 }, ...(budgetP95Ms ? { budget: { targetP95Ms: budgetP95Ms } } : {}) });
  const procs = await Promise.all(Array.from({ length: workers }, (_, i) => WorkerProcess.start(redis.url, `bench-w${i}`, ['--backend', 'wasm'])));
  try {
    return await body(server);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await server.close();
  }
}

function row(r: PhaseResult): string {
  const thr = (N / r.wallMs) * 60_000;
  const lowered = r.budgets.filter((b) => b !== null).length;
  return `| ${r.name} | ${thr.toFixed(2)} | ${(quantile(r.latencies, 0.5) / 1000).toFixed(1)} | ${(quantile(r.latencies, 0.95) / 1000).toFixed(1)} | ${mean(r.fractions).toFixed(3)} | ${lowered}/${r.budgets.length} |`;
}

const redis = await RedisFixture.start();
try {
  console.log(`load before: ${load()} (1/5/15 min); ${N} runs, ${STEPS} steps, 64x64, policy none, guidance 2, wasm`);
  // A: throughput, 1 vs 2 worker processes, C runs in flight.
  const one = await withSetup(redis, 1, undefined, (s) => phase(`1 worker, ${C} in flight`, s, C, 1000));
  const two = await withSetup(redis, 2, undefined, (s) => phase(`2 workers, ${C} in flight`, s, C, 1000));
  // B: a burst (all N in flight) on 2 workers, without and with the load-aware budget.
  const service = quantile(one.latencies, 0.5) / Math.max(1, C); // ~ one run's service time on one worker
  const target = Math.round(TARGET_X * service);
  const fixed = await withSetup(redis, 2, undefined, (s) => phase('2 workers, burst, fixed policy', s, N, 2000));
  const aware = await withSetup(redis, 2, target, async (s) => {
    // Finished runs to predict from: one per worker at once, so the estimate is a run's time
    // with both workers busy (as under the burst), not alone.
    await Promise.all([runOne(s, 1), runOne(s, 2)]);
    return phase(`2 workers, burst, load-aware (p95 target ${(target / 1000).toFixed(1)} s)`, s, N, 2000);
  });
  console.log('\n| setup | runs/min | p50 s | p95 s | FLOP fraction | budget lowered |\n|---|---|---|---|---|---|');
  for (const r of [one, two, fixed, aware]) console.log(row(r));
  console.log(`\nthroughput 2 workers / 1 worker: ${(one.wallMs / two.wallMs).toFixed(2)}x (goal >= 1.8x)`);
  console.log(`p95 fixed ${(quantile(fixed.latencies, 0.95) / 1000).toFixed(1)} s vs load-aware ${(quantile(aware.latencies, 0.95) / 1000).toFixed(1)} s; target ${(target / 1000).toFixed(1)} s: fixed ${quantile(fixed.latencies, 0.95) <= target ? 'holds' : 'misses'}, load-aware ${quantile(aware.latencies, 0.95) <= target ? 'holds' : 'misses'}`);
  console.log(`load after: ${load()}`);
} finally {
  await redis.stop();
}
process.exit(0);
