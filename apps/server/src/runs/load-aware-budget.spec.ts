/** The load-aware budget's decisions: unchanged when the queue is short, lowered (and why) when it grows, floored, raised again as it drains. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONFIG } from '@upshift/pipeline';
import type { PipelineConfig } from '@upshift/pipeline';
import { LoadAwareBudget } from './load-aware-budget.js';

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
