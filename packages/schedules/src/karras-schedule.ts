/**
 * Karras / EDM sigma grid (Karras et al. 2022, "Elucidating the Design Space of
 * Diffusion-Based Generative Models", Eq. 5): `sigma_i = (sigma_max^(1/rho) + i / (N - 1) *
 * (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho`, then 0. rho = 7 spends more steps at low
 * noise, where the truncation error of the ODE is largest.
 */
import type { PluginFactory } from '@upshift/core';
import { checkPositive, checkSigmaRange, fieldName, optionsRecord, readNumber } from './schedule-options.js';
import type { SigmaSchedule } from './sigma-schedule.js';
import { createTimeGridSchedule } from './time-grid-schedule.js';

/** Options of the Karras schedule. */
export interface KarrasScheduleOptions {
  /** Smallest non-zero sigma. */
  readonly sigmaMin: number;
  /** Largest sigma. */
  readonly sigmaMax: number;
  /** Warp exponent (> 0); 1 is uniform in sigma, larger crowds steps at low noise. */
  readonly rho: number;
}

/** EDM defaults. */
export const KARRAS_SCHEDULE_DEFAULTS: KarrasScheduleOptions = { sigmaMin: 0.002, sigmaMax: 80, rho: 7 };

/** Validates options (unknown JSON allowed) and fills defaults; errors name `prefix.field`. */
export function resolveKarrasOptions(options: unknown, prefix = ''): KarrasScheduleOptions {
  const r = optionsRecord(options, prefix, Object.keys(KARRAS_SCHEDULE_DEFAULTS));
  const d = KARRAS_SCHEDULE_DEFAULTS;
  const o = {
    sigmaMin: readNumber(r, 'sigmaMin', prefix, d.sigmaMin),
    sigmaMax: readNumber(r, 'sigmaMax', prefix, d.sigmaMax),
    rho: readNumber(r, 'rho', prefix, d.rho),
  };
  checkSigmaRange(o.sigmaMin, o.sigmaMax, prefix);
  checkPositive(o.rho, fieldName(prefix, 'rho'));
  return o;
}

/**
 * The Karras grid as a pure function: `steps + 1` sigmas ending in 0.
 * @example karrasSigmas(10, 0.002, 80, 7) // [80, 42.415, 21.109, ..., 0.0204, 0.002, 0]
 */
export function karrasSigmas(steps: number, sigmaMin: number, sigmaMax: number, rho: number): number[] {
  return createKarrasSchedule({ sigmaMin, sigmaMax, rho }).sigmas(steps);
}

/**
 * Creates the Karras schedule; its t is the ramp (t = 1 at sigmaMax, t = 0 at sigmaMin).
 * `prefix` is prepended to field names in errors (the registry passes `"scheduleOptions"`).
 */
export function createKarrasSchedule(options: Partial<KarrasScheduleOptions> = {}, prefix = ''): SigmaSchedule {
  const { sigmaMin, sigmaMax, rho } = resolveKarrasOptions(options, prefix);
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return createTimeGridSchedule({
    fieldPrefix: prefix,
    name: 'karras',
    sigmaMin,
    sigmaMax,
    sigmaOfT: (t) => (maxInv + (1 - t) * (minInv - maxInv)) ** rho,
    tOfSigma: (s) => 1 - (s ** (1 / rho) - maxInv) / (minInv - maxInv),
  });
}

/** Registry entry `"karras"`. */
export const karrasScheduleFactory: PluginFactory<SigmaSchedule> = {
  name: 'karras',
  description: 'Karras / EDM grid (sigmaMin 0.002, sigmaMax 80, rho 7)',
  create: (options) => createKarrasSchedule(options as Partial<KarrasScheduleOptions>, 'scheduleOptions'),
};
