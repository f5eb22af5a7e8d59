/**
 * The Prometheus metrics of a server (prom-client, on its own registry): queue depth, runs by
 * outcome, latency and run-time histograms, FLOPs spent against the full-resolution plan per
 * policy (their ratio is the compute the upshift saved), the last load-aware budget, and the
 * process defaults.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunStats } from '@upshift/core';
import type { RunQueue } from './run-queue.js';

const LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/** See the module comment. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly submitted: Counter<'policy'>;
  readonly finished: Counter<'state'>;
  readonly latency: Histogram<'policy'>;
  readonly runTime: Histogram<'policy'>;
  readonly flops: Counter<'policy'>;
  readonly fullResolutionFlops: Counter<'policy'>;
  readonly budget: Gauge;
  readonly rejected: Counter<'reason'>;

  constructor(queue: RunQueue) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'upshift_process_' });
    new Gauge({
      name: 'upshift_queue_depth',
      help: 'Runs waiting and running',
      labelNames: ['state'],
      registers,
      async collect() {
        const d = await queue.depth().catch(() => ({ waiting: NaN, active: NaN }));
        this.set({ state: 'waiting' }, d.waiting);
        this.set({ state: 'active' }, d.active);
      },
    });
    this.submitted = new Counter({ name: 'upshift_runs_submitted_total', help: 'Runs accepted', labelNames: ['policy'], registers });
    this.finished = new Counter({ name: 'upshift_runs_finished_total', help: 'Runs finished, by final state', labelNames: ['state'], registers });
    this.rejected = new Counter({ name: 'upshift_requests_rejected_total', help: 'Run requests rejected before queuing', labelNames: ['reason'], registers });
    this.latency = new Histogram({ name: 'upshift_run_latency_seconds', help: 'Submit to done', labelNames: ['policy'], buckets: LATENCY_BUCKETS, registers });
    this.runTime = new Histogram({ name: 'upshift_run_time_seconds', help: 'Sampling time of a run (sum of its steps)', labelNames: ['policy'], buckets: LATENCY_BUCKETS, registers });
    this.flops = new Counter({ name: 'upshift_flops_total', help: 'FLOPs spent by finished runs', labelNames: ['policy'], registers });
    this.fullResolutionFlops = new Counter({
      name: 'upshift_flops_full_resolution_total',
      help: 'FLOPs the same runs would have spent at full resolution (the plan)',
      labelNames: ['policy'],
      registers,
    });
    this.budget = new Gauge({ name: 'upshift_budget_fraction', help: 'FLOP fraction the load-aware budget gave the last run (1 = unchanged)', registers });
  }

  /** Records a finished run. */
  recordDone(policy: string, stats: RunStats, latencyMs: number): void {
    this.finished.inc({ state: 'succeeded' });
    this.latency.observe({ policy }, latencyMs / 1000);
    this.runTime.observe({ policy }, stats.ms / 1000);
    this.flops.inc({ policy }, stats.flops);
    if (stats.flopFraction > 0) this.fullResolutionFlops.inc({ policy }, stats.flops / stats.flopFraction);
  }
}
