/** The load-aware budget's decisions: unchanged when the queue is short, lowered (and why) when it grows, floored, raised again as it drains. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONFIG } from '@upshift/pipeline';
import type { PipelineConfig } from '@upshift/pipeline';
import { LoadAwareBudget, budgetAtStart } from './load-aware-budget.js';

const none: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, policy: 'none' };

describe('LoadAwareBudget', () => {
  it('leaves runs alone until it has seen a run finish', () => {
    const b = new LoadAwareBudget({ targetP95Ms: 1000 });
    const { config, decision } = b.decide(none, { workAhead: 10, runsAhead: 10, slots: 1 });
    expect(config).toBe(none);
    expect(decision.fraction).toBeNull();
    expect(decision.reason).toContain('no finished run yet');
  });

  it('lowers the budget to hold the target as the queue grows, floors it, and raises it as the queue drains', () => {
    const b = new LoadAwareBudget({ targetP95Ms: 10_000, minFraction: 0.25 });
    b.observe({ serviceMs: 2000, flopFraction: 1, latencyMs: 2000 }); // 2 s per full-resolution run
    // Empty queue: 2 s predicted, under the target.
    const idle = b.decide(none, { workAhead: 0, runsAhead: 0, slots: 1 });
    expect(idle.decision.fraction).toBeNull();
    expect(idle.config.policy).toBe('none');
    // 4.5 runs of work ahead on one slot: wait 9 s; f = (10 - 9) / 2 = 0.5.
    const busy = b.decide(none, { workAhead: 4.5, runsAhead: 5, slots: 1 });
    expect(busy.decision.fraction).toBe(0.5);
    expect(busy.config).toMatchObject({ policy: 'budget', policyOptions: { fraction: 0.5 } });
    expect(busy.decision.predictedMs).toBe(10_000);
    expect(busy.decision.requestedPolicy).toBe('none');
    expect(busy.decision.reason).toMatch(/5 run\(s\) ahead .* on 1 slot\(s\): predicted 11000 ms at 1 > target 10000 ms; lowered to 0.5/);
    // Two slots halve the wait.
    expect(b.decide(none, { workAhead: 4.5, runsAhead: 5, slots: 2 }).decision.fraction).toBeNull();
    // Far too much work: the floor, and the reason says the target is missed.
    const flooded = b.decide(none, { workAhead: 20, runsAhead: 20, slots: 1 });
    expect(flooded.decision.fraction).toBe(0.25);
    expect(flooded.decision.reason).toContain('even it misses the target');
    // Drained again: back to full resolution.
    expect(b.decide(none, { workAhead: 1, runsAhead: 1, slots: 1 }).decision.fraction).toBeNull();
  });

  it('budgets a budget-policy run below its own fraction only, and passes other policies through', () => {
    const b = new LoadAwareBudget({ targetP95Ms: 10_000 });
    b.observe({ serviceMs: 1000, flopFraction: 0.5, latencyMs: 1000 }); // 2 s per full run
    const own = { ...none, policy: 'budget', policyOptions: { fraction: 0.4 } };
    expect(b.decide(own, { workAhead: 4, runsAhead: 4, slots: 1 }).decision.fraction).toBeNull(); // 8 + 0.8 s
    expect(b.decide(own, { workAhead: 4.7, runsAhead: 5, slots: 1 }).decision.fraction).toBe(0.3);
    const spectral = b.decide({ ...none, policy: 'spectral' }, { workAhead: 50, runsAhead: 50, slots: 1 });
    expect(spectral.decision.fraction).toBeNull();
    expect(spectral.config.policy).toBe('spectral');
    expect(spectral.decision.reason).toContain('not budgeted');
  });

  it('reports the p95 of the latencies it saw', () => {
    const b = new LoadAwareBudget({ targetP95Ms: 1 });
    for (let i = 1; i <= 100; i++) b.observe({ serviceMs: 1, flopFraction: 1, latencyMs: i });
    expect(b.p95()).toBe(95);
  });
});

describe('budgetAtStart (the worker\'s second look)', () => {
  const b = new LoadAwareBudget({ targetP95Ms: 10_000, minFraction: 0.25 });
  b.observe({ serviceMs: 2000, flopFraction: 1, latencyMs: 2000 });
  const created = '2026-01-01T00:00:00.000Z';
  const t0 = Date.parse(created);

  it('keeps the budget when the wait went as predicted, and lowers it when the wait ran over', () => {
    const { config, decision } = b.decide(none, { workAhead: 4.5, runsAhead: 5, slots: 1 }); // 0.5, predicted 9 s wait
    expect(budgetAtStart(config, decision, created, t0 + 9000, undefined)!.decision).toMatchObject({ fraction: 0.5, atStart: { fraction: null, leftMs: 1000 } });
    const late = budgetAtStart(config, decision, created, t0 + 9500, undefined)!;
    expect(late.decision.fraction).toBe(0.25);
    expect(late.config).toMatchObject({ policy: 'budget', policyOptions: { fraction: 0.25 } });
    expect(late.decision.atStart!.reason).toMatch(/waited 9500 ms; 500 ms left of the target fit 0.25 of a full run \(2000 ms each\): lowered to 0.25/);
    // The worker's own estimate wins over the server's: a faster worker keeps the budget.
    expect(budgetAtStart(config, decision, created, t0 + 9500, 500)!.decision.fraction).toBe(0.5);
    // A run with no time left gets the floor and says the target is missed.
    expect(budgetAtStart(config, decision, created, t0 + 20_000, undefined)!.decision.atStart!.reason).toContain('at the floor 0.25');
  });

  it('also lowers a run the server left unchanged, and never touches a policy that is not budgeted', () => {
    const { config, decision } = b.decide(none, { workAhead: 0, runsAhead: 0, slots: 1 });
    expect(decision.fraction).toBeNull();
    expect(budgetAtStart(config, decision, created, t0 + 9000, undefined)!.decision.fraction).toBe(0.5);
    const spectral = b.decide({ ...none, policy: 'spectral' }, { workAhead: 0, runsAhead: 0, slots: 1 });
    expect(budgetAtStart(spectral.config, spectral.decision, created, t0 + 20_000, undefined)).toBeUndefined();
    expect(budgetAtStart(none, undefined, created, t0, 1000)).toBeUndefined();
  });
});

describe('the load-aware budget in a server', () => {
  it('gives queued runs a lower FLOP budget through the budget policy, records it with the reason, and the runs spend it', async () => {
    const { container: root } = await import('tsyringe');
    const { registerAll } = await import('@upshift/pipeline');
    const { registerCpuBackend } = await import('@upshift/backend-cpu');
    const { DenoiserFactory, PowerSpectrumToken } = await import('@upshift/core');
    const { parsePowerSpectrum } = await import('@upshift/models');
    const { readFileSync } = await import('node:fs');
    const { gaussianDenoiserFactory } = await import('@upshift/testing');
    const { startServer } = await import('../serve.js');
    const { readEvents, request } = await import('../test-kit.js');
    const container = root.createChildContainer();
    registerAll(container, { backends: false });
    registerCpuBackend(container);
    container.register(DenoiserFactory, { useValue: gaussianDenoiserFactory });
    // The budget policy plans from the data's spectrum (the shipped model's; the analytic model has none).
    const shipped = JSON.parse(readFileSync(new URL('../../../../packages/models/assets/emoji-unet/config.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    container.register(PowerSpectrumToken, { useValue: parsePowerSpectrum(shipped['spectrum']) });
    const limits = { maxSteps: 100, maxBatch: 4, maxSide: 64, maxCount: 8, maxQueued: 64, models: ['gaussian'] };
    // A 1-s run is assumed before any finishes; a 1.5-s target fits one run ahead, not three.
    const server = await startServer({ port: 0, container, limits, backend: 'cpu', budget: { targetP95Ms: 1500, minFraction: 0.3, initialRunMs: 1000 } });
    try {
      const res = await request('POST', `${server.url}/v1/runs`, { config: { model: 'gaussian', steps: 12, resolution: { height: 32, width: 32 } }, count: 3 });
      expect(res.status).toBe(202);
      const [first, second, third] = res.body.runs as any[];
      expect(first.budget).toMatchObject({ fraction: null, requestedPolicy: 'none', targetP95Ms: 1500 });
      expect(first.config.policy).toBe('none');
      expect(second.budget.fraction).toBe(0.5); // wait 1000 ms + 0.5 x 1000 ms = the target
      expect(second.config).toMatchObject({ policy: 'budget', policyOptions: { fraction: 0.5 } });
      expect(second.budget.reason).toMatch(/1 run\(s\) ahead .*predicted 2000 ms at 1 > target 1500 ms; lowered to 0.5/);
      expect(third.budget.fraction).toBe(0.3); // at the floor
      expect(third.budget.reason).toContain('even it misses the target');
      for (const run of [first, second, third]) await readEvents(`${server.url}/v1/runs/${run.id}/events`);
      const records = await Promise.all([first, second, third].map(async (r) => (await request('GET', `${server.url}/v1/runs/${r.id}`)).body));
      for (const r of records) expect(r.error).toBeUndefined();
      const stats = records.map((r) => r.stats.flopFraction as number);
      expect(stats[0]).toBe(1);
      expect(stats[1]).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(stats[2]).toBeLessThanOrEqual(0.3 + 1e-9);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^upshift_budget_fraction 0.3$/m);
    } finally {
      await server.close();
      await container.dispose();
    }
  });
});
