/**
 * Exponential sigma grid: evenly spaced in log sigma (equivalently in logSNR) from sigmaMax
 * to sigmaMin, then 0 (k-diffusion `get_sigmas_exponential`). Equal steps in logSNR are what
 * DPM-Solver's step size `h = lambda_next - lambda` counts.
 */
import type { PluginFactory } from '@upshift/core';
import { checkSigmaRange, optionsRecord, readNumber } from './schedule-options.js';
import type { SigmaSchedule } from './sigma-schedule.js';
import { createTimeGridSchedule } from './time-grid-schedule.js';

/** Options of the exponential schedule. */
export interface ExponentialScheduleOptions {
  /** Smallest non-zero sigma of the grid. */
  readonly sigmaMin: number;
  /** Largest sigma of the grid. */
  readonly sigmaMax: number;
}

/** Defaults (the EDM range). */
export const EXPONENTIAL_SCHEDULE_DEFAULTS: ExponentialScheduleOptions = { sigmaMin: 0.002, sigmaMax: 80 };

/** Validates options and fills defaults; errors name `prefix.field`. */
export function resolveExponentialOptions(options: unknown, prefix = ''): ExponentialScheduleOptions {
  const r = optionsRecord(options, prefix, Object.keys(EXPONENTIAL_SCHEDULE_DEFAULTS));
  const d = EXPONENTIAL_SCHEDULE_DEFAULTS;
  const o = { sigmaMin: readNumber(r, 'sigmaMin', prefix, d.sigmaMin), sigmaMax: readNumber(r, 'sigmaMax', prefix, d.sigmaMax) };
  checkSigmaRange(o.sigmaMin, o.sigmaMax, prefix);
  return o;
}

/**
 * Creates the exponential schedule; `ln sigma = ln sigmaMin + t (ln sigmaMax - ln sigmaMin)`.
 * `prefix` is prepended to field names in errors (the registry passes `"scheduleOptions"`).
 */
export function createExponentialSchedule(options: Partial<ExponentialScheduleOptions> = {}, prefix = ''): SigmaSchedule {
  const { sigmaMin, sigmaMax } = resolveExponentialOptions(options, prefix);
  const a = Math.log(sigmaMin);
  const b = Math.log(sigmaMax);
  return createTimeGridSchedule({
    fieldPrefix: prefix,
    name: 'exponential',
    sigmaMin,
    sigmaMax,
    sigmaOfT: (t) => Math.exp(a + t * (b - a)),
    tOfSigma: (s) => (Math.log(s) - a) / (b - a),
  });
}

/** Registry entry `"exponential"`. */
export const exponentialScheduleFactory: PluginFactory<SigmaSchedule> = {
  name: 'exponential',
  description: 'Evenly spaced in log sigma (sigmaMin 0.002, sigmaMax 80)',
  create: (options) => createExponentialSchedule(options as Partial<ExponentialScheduleOptions>, 'scheduleOptions'),
};
