/**
 * The load-aware budget's prediction, as pure functions of plain data (no clock, no queue):
 *
 *   work time   = sum over levels of FLOPs(level) x ms per FLOP at that level (one worker slot's
 *                 measured rate; coarse levels run fewer FLOPs per ms, so each level has its own)
 *   start       = when a slot frees for the new run: the running runs' remaining work and the
 *                 queued runs' planned work are laid on the slots first come, first served,
 *                 each on the slot that frees first (list scheduling), a run's overhead added
 *   latency(c)  = start + overhead + work time of candidate plan c
 *
 * and the budget is the most expensive candidate plan whose latency stays within the target less
 * a margin; when none does, the cheapest (the target is then missed, and said so).
 */

/** Work as FLOPs per level (index = level). */
export type LevelFlops = readonly number[];

/** Measured speed of one worker slot. */
export interface StepRates {
  /** ms per GFLOP of a step at each level (index = level); undefined where no step at that level was seen yet. */
  readonly msPerGflop: readonly (number | undefined)[];
  /** Time a run takes beyond its steps (setup, checkpoints, result writes), ms. */
  readonly overheadMs: number;
}

/** What is ahead of a new run. */
export interface QueueLoad {
  /** Worker slots (runs that can execute at once). */
  readonly slots: number;
  /** Remaining FLOPs of each run executing now. */
  readonly running: readonly LevelFlops[];
  /** Planned (remaining) FLOPs of each run waiting, in queue order. */
  readonly queued: readonly LevelFlops[];
}

/**
 * ms per GFLOP at `level`: the measured rate, else the nearest measured level's (the slower of
 * two equally near), else undefined (nothing measured).
 */
export function msPerGflopAt(rates: StepRates, level: number): number | undefined {
  const own = rates.msPerGflop[level];
  if (own !== undefined) return own;
  for (let d = 1; d < rates.msPerGflop.length + level + 1; d++) {
    const near = [rates.msPerGflop[level - d], rates.msPerGflop[level + d]].filter((r): r is number => r !== undefined);
    if (near.length > 0) return Math.max(...near);
  }
  return undefined;
}

/** Time of `work` on one slot (ms), or undefined when no rate has been measured. */
export function workMs(work: LevelFlops, rates: StepRates): number | undefined {
  let ms = 0;
  for (let level = 0; level < work.length; level++) {
    const flops = work[level] ?? 0;
    if (flops === 0) continue;
    const rate = msPerGflopAt(rates, level);
    if (rate === undefined) return undefined;
    ms += (flops / 1e9) * rate;
  }
  return ms;
}

/** When a slot frees for a run submitted now (ms from now), or undefined without rates. */
export function predictStartMs(load: QueueLoad, rates: StepRates): number | undefined {
  const free = new Array<number>(Math.max(1, load.slots)).fill(0);
  const earliest = (): number => free.indexOf(Math.min(...free));
  // A running run is past its setup: half the overhead is left (its result writes).
  for (const run of load.running) {
    const ms = workMs(run, rates);
    if (ms === undefined) return undefined;
    free[earliest()]! += ms + rates.overheadMs / 2;
  }
  for (const run of load.queued) {
    const ms = workMs(run, rates);
    if (ms === undefined) return undefined;
    free[earliest()]! += ms + rates.overheadMs;
  }
  return Math.min(...free);
}

/** A plan the budget may give the run. */
export interface BudgetCandidate {
  /** The budget policy's `fraction` for it (1 with the request's own policy). */
  readonly fraction: number;
  /** The plan's FLOPs per level. */
  readonly flops: LevelFlops;
}

/** Inputs of {@link chooseBudget}. */
export interface BudgetInput {
  /** The p95 latency to hold (ms). */
  readonly targetMs: number;
  /** Share of the target kept free for what the prediction misses (0.1: aim at 90 % of it). */
  readonly margin: number;
  /** Most expensive first; the first is the run as requested. */
  readonly candidates: readonly BudgetCandidate[];
  readonly load: QueueLoad;
  readonly rates: StepRates;
  /** Time the run has already waited (the worker's second look); 0 at submit. */
  readonly waitedMs?: number;
}

/** What {@link chooseBudget} decided, with the numbers behind it. */
export interface BudgetChoice {
  /** Index of the chosen candidate. */
  readonly index: number;
  /** Whether its predicted latency is within the target less the margin. */
  readonly fits: boolean;
  /** Predicted latency (ms): waited + start + overhead + service. */
  readonly predictedMs: number;
  /** Predicted latency of the run as requested (candidate 0). */
  readonly requestedMs: number;
  /** Predicted time until a slot frees (ms). */
  readonly startMs: number;
  /** Predicted time of the chosen plan's steps (ms). */
  readonly serviceMs: number;
  /** The latency aimed at: target x (1 - margin). */
  readonly limitMs: number;
}

/**
 * Chooses the most expensive candidate predicted to hold the target less the margin, else the
 * cheapest; undefined when nothing is measured yet to predict with.
 */
export function chooseBudget(input: BudgetInput): BudgetChoice | undefined {
  const { candidates, rates } = input;
  if (candidates.length === 0) throw new Error('chooseBudget: no candidates');
  const startMs = predictStartMs(input.load, rates);
  if (startMs === undefined) return undefined;
  const before = (input.waitedMs ?? 0) + startMs + rates.overheadMs;
  const limitMs = input.targetMs * (1 - input.margin);
  const services: number[] = [];
  for (const c of candidates) {
    const ms = workMs(c.flops, rates);
    if (ms === undefined) return undefined;
    services.push(ms);
  }
  let index = services.findIndex((ms) => before + ms <= limitMs);
  const fits = index >= 0;
  if (!fits) index = services.indexOf(Math.min(...services));
  const serviceMs = services[index]!;
  return { index, fits, predictedMs: before + serviceMs, requestedMs: before + services[0]!, startMs, serviceMs, limitMs };
}
