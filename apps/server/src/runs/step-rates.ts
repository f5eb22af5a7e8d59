/**
 * How fast one worker slot runs steps, measured: ms per GFLOP at each level (an exponentially
 * weighted mean over steps; coarse levels do fewer FLOPs per ms, so each level has its own)
 * and the time a run takes beyond its steps. The load-aware budget predicts with it: the server
 * from every run's step events, a worker from its own steps.
 */
import type { StepRates } from './latency-model.js';

/** See the module comment. */
export class StepRateMeter {
  private readonly perLevel: (number | undefined)[] = [];
  private overhead: number | undefined;
  private seen = 0;

  /** @param smoothing weight of the newest observation (default 0.2). */
  constructor(private readonly smoothing = 0.2) {}

  private mix(old: number | undefined, sample: number): number {
    return old === undefined ? sample : this.smoothing * sample + (1 - this.smoothing) * old;
  }

  /** Records one step: its level, FLOPs and wall time (ms). */
  observeStep(level: number, flops: number, ms: number): void {
    if (!(flops > 0 && ms > 0 && Number.isInteger(level) && level >= 0)) return;
    this.perLevel[level] = this.mix(this.perLevel[level], ms / (flops / 1e9));
    this.seen++;
  }

  /** Records a run's time beyond its steps (ms). */
  observeOverhead(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.overhead = this.mix(this.overhead, ms);
  }

  /** Steps observed so far. */
  get steps(): number {
    return this.seen;
  }

  /** The rates, or undefined before the first step. */
  get rates(): StepRates | undefined {
    if (this.seen === 0) return undefined;
    return { msPerGflop: Array.from(this.perLevel), overheadMs: this.overhead ?? 0 };
  }
}
