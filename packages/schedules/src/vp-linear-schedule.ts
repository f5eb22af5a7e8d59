/**
 * DDPM's linear-beta VP schedule (Ho et al. 2020, "Denoising Diffusion Probabilistic
 * Models", Sec. 4: beta from 1e-4 to 0.02 over 1000 steps) in sigma space:
 * `alphaBar_i = prod_{j <= i} (1 - beta_j)`, `sigma_i = sqrt((1 - alphaBar_i) / alphaBar_i)`.
 * Continuous t in [0, 1] maps to the fractional training index `t (T - 1)`, with log sigma
 * interpolated linearly between table entries (k-diffusion `DiscreteSchedule.t_to_sigma`).
 */
import { ConfigError, type PluginFactory } from '@upshift/core';
import { checkSigmaRange, fieldName, optionsRecord, readNumber, readOptionalNumber } from './schedule-options.js';
import type { SigmaSchedule } from './sigma-schedule.js';
import { createTimeGridSchedule } from './time-grid-schedule.js';
import { checkShift } from './time-shift.js';

/** Options of the linear-beta VP schedule. */
export interface VpLinearScheduleOptions {
  /** beta of the first training step. */
  readonly betaStart: number;
  /** beta of the last training step. */
  readonly betaEnd: number;
  /** Number of discrete training steps T. */
  readonly trainSteps: number;
  /** Time shift: sigma(t) is multiplied by it (SD3 / simple diffusion shift). */
  readonly shift: number;
  /** Smallest non-zero sigma of the grid (default: the (shifted) table's first sigma). */
  readonly sigmaMin?: number;
  /** Largest sigma of the grid (default: the (shifted) table's last sigma). */
  readonly sigmaMax?: number;
}

/** DDPM defaults. */
export const VP_LINEAR_SCHEDULE_DEFAULTS: VpLinearScheduleOptions = { betaStart: 1e-4, betaEnd: 0.02, trainSteps: 1000, shift: 1 };

const KEYS = ['betaStart', 'betaEnd', 'trainSteps', 'shift', 'sigmaMin', 'sigmaMax'];

/** Validates options and fills defaults; errors name `prefix.field`. */
export function resolveVpLinearOptions(options: unknown, prefix = ''): VpLinearScheduleOptions {
  const r = optionsRecord(options, prefix, KEYS);
  const d = VP_LINEAR_SCHEDULE_DEFAULTS;
  const betaStart = readNumber(r, 'betaStart', prefix, d.betaStart);
  const betaEnd = readNumber(r, 'betaEnd', prefix, d.betaEnd);
  const trainSteps = readNumber(r, 'trainSteps', prefix, d.trainSteps);
  const shift = readNumber(r, 'shift', prefix, d.shift);
  if (!(betaStart > 0 && betaStart < 1)) throw new ConfigError(fieldName(prefix, 'betaStart'), betaStart, 'must be in (0, 1)');
  if (!(betaEnd >= betaStart && betaEnd < 1)) {
    throw new ConfigError(fieldName(prefix, 'betaEnd'), betaEnd, `must be in [betaStart (${betaStart}), 1)`);
  }
  if (!Number.isInteger(trainSteps) || trainSteps < 2) {
    throw new ConfigError(fieldName(prefix, 'trainSteps'), trainSteps, 'must be an integer >= 2');
  }
  checkShift(shift, fieldName(prefix, 'shift'));
  const out: VpLinearScheduleOptions = { betaStart, betaEnd, trainSteps, shift };
  const sigmaMin = readOptionalNumber(r, 'sigmaMin', prefix);
  const sigmaMax = readOptionalNumber(r, 'sigmaMax', prefix);
  return { ...out, ...(sigmaMin === undefined ? {} : { sigmaMin }), ...(sigmaMax === undefined ? {} : { sigmaMax }) };
}

/** DDPM's `alphas_cumprod` table (length T) for linear betas. */
export function vpLinearAlphasCumprod(betaStart = 1e-4, betaEnd = 0.02, trainSteps = 1000): number[] {
  const out: number[] = [];
  let prod = 1;
  for (let i = 0; i < trainSteps; i++) {
    const beta = betaStart + ((betaEnd - betaStart) * i) / (trainSteps - 1);
    prod *= 1 - beta;
    out.push(prod);
  }
  return out;
}

/**
 * Creates the linear-beta VP schedule.
 * `prefix` is prepended to field names in errors (the registry passes `"scheduleOptions"`).
 */
export function createVpLinearSchedule(options: Partial<VpLinearScheduleOptions> = {}, prefix = ''): SigmaSchedule {
  const o = resolveVpLinearOptions(options, prefix);
  const logSigmas = vpLinearAlphasCumprod(o.betaStart, o.betaEnd, o.trainSteps).map((a) => 0.5 * Math.log((1 - a) / a));
  const last = o.trainSteps - 1;
  const logShift = Math.log(o.shift);
  const sigmaOfT = (t: number): number => {
    const u = t * last;
    const i = Math.min(Math.floor(u), last - 1);
    const w = u - i;
    return Math.exp((1 - w) * logSigmas[i]! + w * logSigmas[i + 1]! + logShift);
  };
  const tOfSigma = (sigma: number): number => {
    const ls = Math.log(sigma) - logShift;
    let a = 0;
    let b = last;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (logSigmas[m]! <= ls) a = m;
      else b = m;
    }
    const w = (ls - logSigmas[a]!) / (logSigmas[b]! - logSigmas[a]!);
    return (a + w) / last;
  };
  const sigmaMin = o.sigmaMin ?? sigmaOfT(0);
  const sigmaMax = o.sigmaMax ?? sigmaOfT(1);
  checkSigmaRange(sigmaMin, sigmaMax, prefix);
  return createTimeGridSchedule({ name: 'vp-linear', fieldPrefix: prefix, sigmaMin, sigmaMax, sigmaOfT, tOfSigma });
}

/** Registry entry `"vp-linear"`. */
export const vpLinearScheduleFactory: PluginFactory<SigmaSchedule> = {
  name: 'vp-linear',
  description: 'DDPM linear betas 1e-4..0.02 over 1000 steps, in sigma space',
  create: (options) => createVpLinearSchedule(options as Partial<VpLinearScheduleOptions>, 'scheduleOptions'),
};
