/** The compute meter of one run: FLOPs, wall time and model calls per step and in total. */
import type { ComputeMeter, ComputeRecord, ComputeTotals } from '@upshift/core';

/** A {@link ComputeMeter} that also keeps every record (for per-step stats). */
export interface RunComputeMeter extends ComputeMeter {
  /** The records in order. */
  records(): readonly ComputeRecord[];
}

/** Creates an empty meter. */
export function createComputeMeter(): RunComputeMeter {
  const entries: ComputeRecord[] = [];
  return {
    record(entry: ComputeRecord): void {
      entries.push(entry);
    },
    records: () => entries,
    totals(): ComputeTotals {
      const flopsByLevel: Record<number, number> = {};
      let flops = 0;
      let ms = 0;
      let modelCalls = 0;
      for (const e of entries) {
        flops += e.flops;
        ms += e.ms;
        modelCalls += e.modelCalls;
        flopsByLevel[e.level] = (flopsByLevel[e.level] ?? 0) + e.flops;
      }
      return { flops, ms, modelCalls, flopsByLevel };
    },
  };
}
