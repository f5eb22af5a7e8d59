/**
 * The in-memory implementation of core's `ComputeMeter`: records FLOPs, wall time and model
 * calls per step and adds them up, per level and in total.
 */
import type { ComputeMeter, ComputeRecord, ComputeTotals } from '@upshift/core';
import { ConfigError } from '@upshift/core';

/** A `ComputeMeter` that also exposes its records (in order). */
export interface RecordingComputeMeter extends ComputeMeter {
  readonly records: readonly ComputeRecord[];
}

/** Creates an empty meter. `record` rejects negative or non-finite numbers. */
export function createComputeMeter(): RecordingComputeMeter {
  const records: ComputeRecord[] = [];
  return {
    records,
    record(entry: ComputeRecord): void {
      for (const field of ['flops', 'ms', 'modelCalls', 'level'] as const) {
        const v = entry[field];
        if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new ConfigError(`compute.${field}`, v, 'must be a finite number >= 0');
      }
      records.push({ ...entry });
    },
    totals(): ComputeTotals {
      const flopsByLevel: Record<number, number> = {};
      let flops = 0;
      let ms = 0;
      let modelCalls = 0;
      for (const r of records) {
        flops += r.flops;
        ms += r.ms;
        modelCalls += r.modelCalls;
        flopsByLevel[r.level] = (flopsByLevel[r.level] ?? 0) + r.flops;
      }
      return { flops, ms, modelCalls, flopsByLevel };
    },
  };
}
