/**
 * The load-aware budget with real plans (the shipped model's description: config.json only, no
 * weights) and synthetic queues fed as events: it predicts from the work ahead and the measured
 * per-level step rates, lowers a run's budget as the queue grows (to the cheapest plan, said to
 * miss, when nothing fits), raises it again as the queue drains, records what it predicted and
 * why; the worker's second look; and a server whose runs get and spend their budgets.
 */
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONFIG, RunPlanner, registerAll } from '@upshift/pipeline';
import type { PipelineConfig } from '@upshift/pipeline';
import type { UpshiftPlan } from '@upshift/core';
import { BudgetCandidates } from './budget-candidates.js';
import { LoadAwareBudget, budgetAtStart } from './load-aware-budget.js';
import type { RunEvent } from './run-record.js';

const container = rootContainer.createChildContainer();
registerAll(container, { backends: false });
const planner = new RunPlanner(container);
/** 64x64, 8 steps, guided: a full step is ~8 GFLOP. */
const NONE: PipelineConfig = { ...DEFAULT_PIPELINE_CONFIG, policy: 'none', steps: 8, guidance: 2, classLabels: 1 };

/** The plan of `config`, made ahead. */
async function planOf(config: PipelineConfig): Promise<UpshiftPlan> {
  const p = await planner.preview(config);
  if (!('plan' in p)) throw new Error(p.unknown);
  return p.plan;
}

/** Step events as a worker would write them: `msAt[level]` ms per step at each level. */
function steps(plan: UpshiftPlan, msAt: readonly number[], from = 0, to = plan.steps.length): RunEvent[] {
  return plan.steps.slice(from, to).map((s) => ({ type: 'step', index: s.index, steps: plan.steps.length, sigma: s.sigma, sigmaNext: s.sigmaNext, level: s.level, flops: s.flops, ms: msAt[s.level]!, modelCalls: 1 }));
}
/** A decision for a run that is then forgotten (the queue stays as the test set it up). */
async function ask(budget: LoadAwareBudget, config: PipelineConfig, slots: number) {
  const decided = await budget.decide('probe', config, slots);
  budget.forget('probe');
  return decided;
}
const start = (plan: UpshiftPlan): RunEvent => ({ type: 'start', plan, backend: 'wasm', worker: 'w', resumedAt: 0 });
const done: RunEvent = { type: 'done', stats: { steps: 8, levels: [], flopFraction: 1, flops: 1, ms: 1, modelCalls: 8, flopsByLevel: {} }, imageSha256: '', overheadMs: 100 };

describe('LoadAwareBudget', () => {
  it('predicts from the work ahead and the measured rates: lowered as the queue grows, the cheapest (said to miss) when nothing fits, the request again as it drains', async () => {
    const full = await planOf(NONE);
    const budget = new LoadAwareBudget({ targetP95Ms: 5000 }, planner);
    const first = await ask(budget, NONE, 1);
    expect(first.decision).toMatchObject({ fraction: null, predictedMs: null, requestedPolicy: 'none', requestedFraction: 1, minFraction: null, margin: 0.1 });
    expect(first.decision.reason).toContain('no step measured yet');
    expect(first.plan).toEqual(full);

    // A finished run measured 350 ms per full-resolution step, and a cheaper one 90 / 40 ms per step at levels 1 / 2.
    const cheap = await planOf({ ...NONE, policy: 'budget', policyOptions: { fraction: 0.4 } });
    expect(new Set(cheap.steps.map((s) => s.level))).toEqual(new Set([0, 1, 2]));
    for (const e of [...steps(full, [350]), ...steps(cheap, [350, 90, 40]), done]) budget.observe('someone-else', e);
    const rates = budget.meter.rates!;
    expect(rates.overheadMs).toBe(100);

    // An empty queue: 100 + 8 x 350 = 2900 ms <= 4500 ms (5000 less 10 %): as requested.
    const idle = await ask(budget, NONE, 1);
    expect(idle.config).toBe(NONE);
    expect(idle.decision).toMatchObject({ fraction: null, predictedMs: 2900, prediction: { startMs: 0, running: 0, queued: 0, limitMs: 4500, slots: 1 } });

    // One full run queued ahead on one slot: it starts at 2900; as requested 5800 ms: lowered to a
    // plan whose steps take at most 4500 - 3000 = 1500 ms.
    budget.track('a', full);
    const busy = await ask(budget, NONE, 1);
    expect(busy.decision.fraction).toBeGreaterThan(0.1);
    expect(busy.decision.fraction).toBeLessThan(0.6);
    expect(busy.config).toMatchObject({ policy: 'budget', policyOptions: { fraction: busy.decision.fraction } });
    expect(busy.plan!.flopFraction).toBeLessThanOrEqual(busy.decision.fraction!);
    expect(busy.plan!.steps[0]!.level).toBeGreaterThan(0);
    const p = busy.decision.prediction!;
    expect(p).toMatchObject({ startMs: 2900, requestedMs: 5800, running: 0, queued: 1, overheadMs: 100 });
    expect(p.workAheadGflop).toBeCloseTo(full.flops / 1e9, 0);
    expect(p.serviceMs).toBeLessThanOrEqual(1500);
    expect(busy.decision.predictedMs).toBe(2900 + 100 + p.serviceMs);
    expect(p.msPerGflop.slice(0, 3).every((r) => r !== null && r > 0)).toBe(true);
    expect(busy.decision.reason).toMatch(/^0 running and 1 queued ahead on 1 slot\(s\) \(\d+(\.\d)? GFLOP\): predicted 5800 ms as requested > target 5000 ms less 10 % = 4500 ms; lowered to 0\.\d+ \(plan 0\.\d+ of full FLOPs\), predicted \d+ ms/);
    // The same queue on two slots: a slot is free, nothing lowered.
    expect((await ask(budget, NONE, 2)).decision.fraction).toBeNull();

    // Two more queued: nothing fits; the cheapest plan, and the record says the target is missed.
    budget.track('b', full);
    budget.track('c', busy.plan);
    const flooded = await ask(budget, NONE, 1);
    expect(flooded.decision.reason).toContain('the target is missed');
    expect(flooded.plan!.flopFraction).toBeLessThan(0.1);

    // The queue drains: a starts and runs 7 of its 8 steps, b and c finish.
    budget.observe('a', start(full));
    for (const e of steps(full, [350], 0, 7)) budget.observe('a', e);
    budget.observe('b', done);
    budget.observe('c', { type: 'cancelled', reason: 'by the client' });
    const drained = await ask(budget, NONE, 1);
    expect(drained.decision).toMatchObject({ fraction: null, prediction: { running: 1, queued: 0, startMs: 350 + 50 } });
    budget.observe('a', done);
    expect((await ask(budget, NONE, 1)).decision.prediction).toMatchObject({ running: 0, queued: 0, startMs: 0 });
  });

  it('a burst decided at once: each decision counts the runs decided before it as queued', async () => {
    const full = await planOf(NONE);
    const budget = new LoadAwareBudget({ targetP95Ms: 8000 }, planner);
    for (const e of steps(full, [350])) budget.observe('x', e);
    const burst = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((id) => budget.decide(id, NONE, 1)));
    expect(burst.map((d) => d.decision.prediction!.queued)).toEqual([0, 1, 2, 3]);
    expect(burst[0]!.decision.fraction).toBeNull();
    expect(burst[1]!.decision.fraction).toBeNull(); // 2800 + 2800 <= 7200
    const [f3, f4] = [burst[2]!.plan!.flopFraction, burst[3]!.plan!.flopFraction];
    expect(f3).toBeLessThan(1);
    expect(f4).toBeLessThan(f3);
    expect(budget.load(1).queued).toHaveLength(4);
  });

  it('a floor bounds the budget; other policies are not budgeted but count as work ahead by their plans', async () => {
    const full = await planOf(NONE);
    const floored = new LoadAwareBudget({ targetP95Ms: 5000, minFraction: 0.5 }, planner);
    for (const e of steps(full, [350])) floored.observe('x', e);
    for (const id of ['a', 'b', 'c']) floored.track(id, full);
    const low = await ask(floored, NONE, 1);
    expect(low.decision).toMatchObject({ fraction: 0.5, minFraction: 0.5 });
    expect(low.decision.reason).toContain('the target is missed');

    const pyramid = { ...NONE, policy: 'pyramid' };
    const b = new LoadAwareBudget({ targetP95Ms: 5000 }, planner);
    for (const e of steps(full, [350])) b.observe('x', e);
    const own = await ask(b, pyramid, 1);
    expect(own.config).toBe(pyramid);
    expect(own.decision).toMatchObject({ fraction: null, requestedFraction: null });
    expect(own.decision.reason).toContain('policy "pyramid" is not budgeted');
    b.track('p', own.plan);
    expect(b.load(1).queued).toHaveLength(1);
    expect((await ask(b, NONE, 1)).decision.prediction!.workAheadGflop).toBeCloseTo(own.plan!.flops / 1e9, 0);
  });
});

describe('budgetAtStart (the worker\'s second look)', () => {
  const created = '2026-01-01T00:00:00.000Z';
  const t0 = Date.parse(created);
  const candidates = new BudgetCandidates(planner, undefined);
  const candidatesOf = async (config: PipelineConfig) => {
    const set = await candidates.of(config);
    return 'candidates' in set ? set.candidates : undefined;
  };

  it('keeps the plan when the wait went as predicted, lowers it when the wait ran over (never raises it), with the worker\'s rates or else the recorded ones', async () => {
    const full = await planOf(NONE);
    const budget = new LoadAwareBudget({ targetP95Ms: 5000 }, planner);
    for (const e of steps(full, [350])) budget.observe('x', e);
    budget.track('a', full);
    const { config, decision } = await ask(budget, NONE, 1); // lowered; predicted 2800 ms of wait (no overhead measured)
    const fraction = decision.fraction!;
    expect(decision.prediction!.startMs).toBe(2800);
    const onTime = (await budgetAtStart(config, decision, created, t0 + 2800, candidatesOf, undefined))!;
    expect(onTime.decision).toMatchObject({ fraction, atStart: { waitedMs: 2800, fraction: null, rates: 'server' } });
    expect(onTime.config).toBe(config);
    const late = (await budgetAtStart(config, decision, created, t0 + 3600, candidatesOf, undefined))!;
    expect(late.decision.fraction).toBeLessThan(fraction);
    expect(late.config).toMatchObject({ policy: 'budget', policyOptions: { fraction: late.decision.fraction } });
    expect(late.decision.atStart!.reason).toMatch(/^waited 3600 ms; predicted \d+ ms with the plan it got > 4500 ms: lowered to /);
    // A worker measured twice the speed: the same wait fits the plan it got.
    const fast = (await budgetAtStart(config, decision, created, t0 + 3600, candidatesOf, { msPerGflop: [175 / (full.steps[0]!.flops / 1e9)], overheadMs: 0 }))!;
    expect(fast.decision).toMatchObject({ fraction, atStart: { fraction: null, rates: 'worker' } });
    // A run that got its request at submit and then waited: lowered too; an early start never raises.
    const unchanged = await ask(budget, NONE, 2);
    expect((await budgetAtStart(unchanged.config, unchanged.decision, created, t0 + 4000, candidatesOf, undefined))!.decision.fraction).toBeLessThan(1);
    expect((await budgetAtStart(config, decision, created, t0, candidatesOf, undefined))!.decision.fraction).toBe(fraction);
    expect(await budgetAtStart(NONE, undefined, created, t0, candidatesOf, undefined)).toBeUndefined();
  });
});

describe('the load-aware budget in a server', () => {
  it('records each run\'s plan and budget decision at submit, lowers queued runs\' budgets once steps are measured, and the runs spend at most that', async () => {
    const { registerCpuBackend } = await import('@upshift/backend-cpu');
    const { DenoiserFactory, PowerSpectrumToken } = await import('@upshift/core');
    const { parsePowerSpectrum } = await import('@upshift/models');
    const { readFileSync } = await import('node:fs');
    const { gaussianDenoiserFactory } = await import('@upshift/testing');
    const { startServer } = await import('../serve.js');
    const { readEvents, request } = await import('../test-kit.js');
    const c = rootContainer.createChildContainer();
    registerAll(c, { backends: false });
    registerCpuBackend(c);
    c.register(DenoiserFactory, { useValue: gaussianDenoiserFactory });
    // The budget policy plans from the data's spectrum (the shipped model's; the analytic model has none).
    const shipped = JSON.parse(readFileSync(new URL('../../../../packages/models/assets/emoji-unet/config.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    c.register(PowerSpectrumToken, { useValue: parsePowerSpectrum(shipped['spectrum']) });
    const limits = { maxSteps: 100, maxBatch: 4, maxSide: 64, maxCount: 8, maxQueued: 64, models: ['gaussian'] };
    // A 1-ms target: once a step is measured, no plan fits, so each run gets the cheapest.
    const server = await startServer({ port: 0, container: c, limits, backend: 'cpu', budget: { targetP95Ms: 1 } });
    const config = { model: 'gaussian', steps: 12, resolution: { height: 32, width: 32 } };
    try {
      const res = await request('POST', `${server.url}/v1/runs`, { config });
      expect(res.status).toBe(202);
      const first = res.body.runs[0];
      expect(first.budget).toMatchObject({ fraction: null, requestedPolicy: 'none', targetP95Ms: 1 });
      expect(first.budget.reason).toContain('no step measured yet');
      expect(first.plan.steps).toHaveLength(12);
      await readEvents(`${server.url}/v1/runs/${first.id}/events`);

      const more = await request('POST', `${server.url}/v1/runs`, { config, count: 2 });
      const runs = more.body.runs as any[];
      for (const r of runs) {
        expect(r.budget.fraction).toBeLessThan(0.2);
        expect(r.budget.reason).toContain('the target is missed');
        expect(r.budget.prediction.msPerGflop[0]).toBeGreaterThan(0);
        expect(r.config).toMatchObject({ policy: 'budget', policyOptions: { fraction: r.budget.fraction } });
        expect(r.plan.flopFraction).toBeLessThanOrEqual(r.budget.fraction);
        await readEvents(`${server.url}/v1/runs/${r.id}/events`);
        const done = (await request('GET', `${server.url}/v1/runs/${r.id}`)).body;
        expect(done.error).toBeUndefined();
        expect(done.stats.flopFraction).toBeLessThanOrEqual(r.budget.fraction + 1e-9);
        expect(done.budget.atStart).toMatchObject({ fraction: null }); // already the cheapest: kept
      }
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^upshift_budget_fraction ${runs[1].budget.fraction}$`, 'm'));
    } finally {
      await server.close();
      await c.dispose();
    }
  });
});
