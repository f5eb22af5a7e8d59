/**
 * Rectified flow / flow matching (Liu et al. 2022; Lipman et al. 2023): `x_t = (1 - t) x0 +
 * t eps`. Dividing by `1 - t` puts it in sigma space with `sigma = t / (1 - t)`; a model's
 * velocity prediction v gives `x0 = x_t - t v`. The optional SD3 / Flux time shift
 * `t' = s t / (1 + (s - 1) t)` is `sigma' = s sigma` here. The grid is uniform in (shifted) t
 * between sigmaMax and sigmaMin, which for shift s is SD3's shifted grid.
 */
import type { PluginFactory } from '@upshift/core';
import { checkSigmaRange, fieldName, optionsRecord, readNumber } from './schedule-options.js';
import type { SigmaSchedule } from './sigma-schedule.js';
import { createTimeGridSchedule } from './time-grid-schedule.js';
import { checkShift } from './time-shift.js';

/** Options of the flow-matching schedule. */
export interface FlowMatchingScheduleOptions {
  /** SD3 / Flux time shift (3 for SD3 at 1024 px); 1 = none. */
  readonly shift: number;
  /** Smallest non-zero sigma of the grid. */
  readonly sigmaMin: number;
  /** Largest sigma of the grid (finite: t = 1 is sigma = Infinity). */
  readonly sigmaMax: number;
}

/** Defaults: no shift, the EDM sigma range. */
export const FLOW_MATCHING_SCHEDULE_DEFAULTS: FlowMatchingScheduleOptions = { shift: 1, sigmaMin: 0.002, sigmaMax: 80 };

/** Validates options and fills defaults; errors name `prefix.field`. */
export function resolveFlowMatchingOptions(options: unknown, prefix = ''): FlowMatchingScheduleOptions {
  const r = optionsRecord(options, prefix, Object.keys(FLOW_MATCHING_SCHEDULE_DEFAULTS));
  const d = FLOW_MATCHING_SCHEDULE_DEFAULTS;
  const o = {
    shift: readNumber(r, 'shift', prefix, d.shift),
    sigmaMin: readNumber(r, 'sigmaMin', prefix, d.sigmaMin),
    sigmaMax: readNumber(r, 'sigmaMax', prefix, d.sigmaMax),
  };
  checkShift(o.shift, fieldName(prefix, 'shift'));
  checkSigmaRange(o.sigmaMin, o.sigmaMax, prefix);
  return o;
}

/**
 * Creates the flow-matching schedule; its t is the (shifted) flow time.
 * `prefix` is prepended to field names in errors (the registry passes `"scheduleOptions"`).
 */
export function createFlowMatchingSchedule(options: Partial<FlowMatchingScheduleOptions> = {}, prefix = ''): SigmaSchedule {
  const { shift, sigmaMin, sigmaMax } = resolveFlowMatchingOptions(options, prefix);
  return createTimeGridSchedule({
    fieldPrefix: prefix,
    name: 'flow-matching',
    sigmaMin,
    sigmaMax,
    sigmaOfT: (t) => (t === 1 ? Infinity : (shift * t) / (1 - t)),
    tOfSigma: (sigma) => (sigma === Infinity ? 1 : sigma / (shift + sigma)),
  });
}

/** Registry entry `"flow-matching"`. */
export const flowMatchingScheduleFactory: PluginFactory<SigmaSchedule> = {
  name: 'flow-matching',
  description: 'Rectified flow x = (1 - t) x0 + t eps in sigma space, optional SD3 shift',
  create: (options) => createFlowMatchingSchedule(options as Partial<FlowMatchingScheduleOptions>, 'scheduleOptions'),
};
