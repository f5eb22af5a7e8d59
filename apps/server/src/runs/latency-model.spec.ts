/**
 * The load-aware budget's prediction on synthetic queues: per-level rates, list scheduling of
 * the work ahead on the slots, and the choice of the most expensive plan that holds the target
 * less the margin (lowered as the queue grows, the cheapest when nothing fits, the request's
 * own plan again once the queue drains).
 */
import { describe, expect, it } from 'vitest';
import { chooseBudget, msPerGflopAt, predictStartMs, workMs } from './latency-model.js';
import type { BudgetCandidate, QueueLoad, StepRates } from './latency-model.js';

const G = 1e9;
/** One slot: 100 ms per GFLOP at level 0 and 1, 200 at level 2 (coarse steps are less efficient); 100 ms overhead per run. */
const RATES: StepRates = { msPerGflop: [100, 100, 200], overheadMs: 100 };
/** A full run: 20 GFLOP at level 0 (2000 ms). Cheaper plans move steps to coarse levels. */
const FULL = [20 * G];
const CANDIDATES: BudgetCandidate[] = [
  { fraction: 1, flops: FULL }, // 2000 ms
  { fraction: 0.5, flops: [9 * G, 1 * G] }, // 1000 ms
  { fraction: 0.25, flops: [4 * G, 0.5 * G, 0.25 * G] }, // 500 ms
  { fraction: 0.1, flops: [1 * G, 0.5 * G, 0.5 * G] }, // 250 ms
];
const empty = (slots = 1): QueueLoad => ({ slots, running: [], queued: [] });

describe('msPerGflopAt / workMs', () => {
  it('uses each level\'s measured rate, the nearest measured level\'s where none was measured (the slower of two as near), none without any', () => {
    expect(msPerGflopAt(RATES, 2)).toBe(200);
    expect(msPerGflopAt(RATES, 3)).toBe(200);
    expect(msPerGflopAt({ msPerGflop: [100, undefined, 300], overheadMs: 0 }, 1)).toBe(300);
    expect(msPerGflopAt({ msPerGflop: [], overheadMs: 0 }, 0)).toBeUndefined();
    expect(workMs([10 * G, 0, 2 * G], RATES)).toBe(1400);
    expect(workMs([1 * G], { msPerGflop: [], overheadMs: 0 })).toBeUndefined();
    // The same FLOPs cost more at a coarse level: FLOPs alone would under-predict cheap plans.
    expect(workMs([0, 0, 5 * G], RATES)).toBe(2 * workMs([5 * G], RATES)!);
  });
});

describe('predictStartMs: the work ahead laid on the slots, first come first served', () => {
  it('is 0 with a free slot, and the earliest slot to free otherwise (not total work / slots)', () => {
    expect(predictStartMs(empty(2), RATES)).toBe(0);
    expect(predictStartMs({ slots: 2, running: [FULL], queued: [] }, RATES)).toBe(0);
    // Running: 1000 ms and 3000 ms left (+50 ms: half an overhead each). Queued: 2000 ms (+100) each.
    // Slot A frees at 1050, takes the first queued -> 3150; slot B frees at 3050, takes the second -> 5150.
    const load: QueueLoad = { slots: 2, running: [[10 * G], [30 * G]], queued: [FULL, FULL] };
    expect(predictStartMs(load, RATES)).toBe(3150);
    // The plain "work ahead / slots" would say 4000 + overheads: wrong by a whole run either way.
    expect(predictStartMs({ ...load, slots: 1 }, RATES)).toBe(1050 + 3050 + 2100 + 2100);
    expect(predictStartMs(load, { msPerGflop: [], overheadMs: 0 })).toBeUndefined();
  });

  it('counts queued runs by their planned FLOPs at their levels', () => {
    const cheap: QueueLoad = { slots: 1, running: [], queued: [[0, 0, 5 * G]] };
    expect(predictStartMs(cheap, RATES)).toBe(1000 + 100);
  });
});

describe('chooseBudget', () => {
  const choose = (load: QueueLoad, targetMs = 4000, margin = 0.1, waitedMs = 0) => chooseBudget({ targetMs, margin, candidates: CANDIDATES, load, rates: RATES, waitedMs })!;

  it('keeps the request when it fits; lowers it as the queue grows; the cheapest (said not to fit) when nothing does; the request again once the queue drains', () => {
    // Empty queue: 100 + 2000 = 2100 ms <= 3600 ms (4000 less 10 %).
    expect(choose(empty())).toMatchObject({ index: 0, fits: true, predictedMs: 2100, requestedMs: 2100, startMs: 0, limitMs: 3600 });
    // One full run queued on one slot: start 2100; as requested 4200 > 3600; 0.5 gives 3200.
    expect(choose({ slots: 1, running: [], queued: [FULL] })).toMatchObject({ index: 1, fits: true, predictedMs: 3200, requestedMs: 4200, startMs: 2100, serviceMs: 1000 });
    // Two queued: start 4200: nothing fits; the cheapest plan (0.1), and fits = false.
    expect(choose({ slots: 1, running: [], queued: [FULL, FULL] })).toMatchObject({ index: 3, fits: false, predictedMs: 4200 + 100 + 250 });
    // One running with 2000 ms left: start 2050; the full run is predicted 4150, 0.5 fits (3150).
    expect(choose({ slots: 1, running: [[20 * G]], queued: [] }).index).toBe(1);
    // Its last step done, queue drained: the request again.
    expect(choose({ slots: 1, running: [[1 * G]], queued: [] })).toMatchObject({ index: 0, fits: true });
    // More slots take the same queue without lowering.
    expect(choose({ slots: 3, running: [], queued: [FULL, FULL] }).index).toBe(0);
  });

  it('keeps the margin free: a plan predicted under the target but over target x (1 - margin) is not taken', () => {
    const load: QueueLoad = { slots: 1, running: [], queued: [[15 * G]] }; // start 1600
    expect(choose(load, 4000, 0).index).toBe(0); // 1600 + 100 + 2000 = 3700 <= 4000
    expect(choose(load, 4000, 0.1).index).toBe(1); // 3700 > 3600
  });

  it('predicts a coarse plan by its levels\' rates: a plan that would fit by FLOPs alone is passed over when its coarse steps are slow', () => {
    const slowCoarse: StepRates = { msPerGflop: [100, 100, 1000], overheadMs: 0 };
    const candidates: BudgetCandidate[] = [{ fraction: 1, flops: FULL }, { fraction: 0.3, flops: [4 * G, 0, 2 * G] }, { fraction: 0.2, flops: [2 * G, 2 * G] }];
    // Start at 2000. The 0.3 plan: 400 + 2000 = 2400 ms (by FLOPs alone, 600 ms: it would fit);
    // the 0.2 plan: 400 ms. Only the 0.2 plan fits 3600.
    const c = chooseBudget({ targetMs: 4000, margin: 0.1, candidates, load: { slots: 1, running: [[20 * G]], queued: [] }, rates: slowCoarse })!;
    expect(c.index).toBe(2);
  });

  it('the second look: the time already waited counts', () => {
    expect(choose(empty(), 4000, 0.1, 0).index).toBe(0);
    expect(choose(empty(), 4000, 0.1, 1500).index).toBe(0); // 1500 + 100 + 2000 = 3600: just fits
    expect(choose(empty(), 4000, 0.1, 1600)).toMatchObject({ index: 1, predictedMs: 1600 + 100 + 1000 });
    expect(choose(empty(), 4000, 0.1, 5000)).toMatchObject({ index: 3, fits: false });
  });

  it('cannot predict without a measured rate', () => {
    expect(chooseBudget({ targetMs: 1000, margin: 0.1, candidates: CANDIDATES, load: empty(), rates: { msPerGflop: [], overheadMs: 0 } })).toBeUndefined();
  });
});
