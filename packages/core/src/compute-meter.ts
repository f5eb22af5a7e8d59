import type { ResolutionLevel } from './level.js';

/** One denoiser call (or step) as the meter records it. */
export interface ComputeRecord {
  readonly level: ResolutionLevel;
  readonly flops: number;
  readonly ms: number;
  readonly modelCalls: number;
}

/** Totals over a run. */
export interface ComputeTotals {
  readonly flops: number;
  readonly ms: number;
  readonly modelCalls: number;
  /** FLOPs per level. */
  readonly flopsByLevel: Readonly<Record<number, number>>;
}

/** Accounts FLOPs and wall time per step and in total. */
export interface ComputeMeter {
  record(entry: ComputeRecord): void;
  totals(): ComputeTotals;
}
