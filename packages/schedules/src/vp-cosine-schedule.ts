/**
 * Cosine VP schedule (Nichol & Dhariwal 2021, "Improved Denoising Diffusion Probabilistic
 * Models", Eq. 17): `alphaBar(t) = f(t) / f(0)`, `f(t) = cos^2(((t + s) / (1 + s)) pi / 2)`,
 * s = 0.008, in continuous t. In sigma space `sigma(t) = sqrt((1 - alphaBar) / alphaBar)`,
 * which is 0 at t = 0 and Infinity at t = 1, so the grid runs between sigmaMin and sigmaMax.
 */
import { ConfigError, type PluginFactory } from '@upshift/core';
import { checkSigmaRange, fieldName, optionsRecord, readNumber } from './schedule-options.js';
import type { SigmaSchedule } from './sigma-schedule.js';
import { createTimeGridSchedule } from './time-grid-schedule.js';
import { checkShift } from './time-shift.js';

/** Options of the cosine schedule. */
export interface VpCosineScheduleOptions {
  /** The offset s that keeps beta small near t = 0. */
  readonly offset: number;
  /** Time shift: sigma(t) is multiplied by it (simple diffusion's shifted cosine). */
  readonly shift: number;
  /** Smallest non-zero sigma of the grid. */
  readonly sigmaMin: number;
  /** Largest sigma of the grid (sigma(1) is infinite, so the grid needs a finite top). */
  readonly sigmaMax: number;
}

/** Defaults: s = 0.008 and the EDM sigma range. */
export const VP_COSINE_SCHEDULE_DEFAULTS: VpCosineScheduleOptions = { offset: 0.008, shift: 1, sigmaMin: 0.002, sigmaMax: 80 };

/** Validates options and fills defaults; errors name `prefix.field`. */
export function resolveVpCosineOptions(options: unknown, prefix = ''): VpCosineScheduleOptions {
  const r = optionsRecord(options, prefix, Object.keys(VP_COSINE_SCHEDULE_DEFAULTS));
  const d = VP_COSINE_SCHEDULE_DEFAULTS;
  const o = {
    offset: readNumber(r, 'offset', prefix, d.offset),
    shift: readNumber(r, 'shift', prefix, d.shift),
    sigmaMin: readNumber(r, 'sigmaMin', prefix, d.sigmaMin),
    sigmaMax: readNumber(r, 'sigmaMax', prefix, d.sigmaMax),
  };
  if (!(o.offset >= 0 && o.offset < 1)) throw new ConfigError(fieldName(prefix, 'offset'), o.offset, 'must be in [0, 1)');
  checkShift(o.shift, fieldName(prefix, 'shift'));
  checkSigmaRange(o.sigmaMin, o.sigmaMax, prefix);
  return o;
}

/** Nichol & Dhariwal's `alphaBar(t)` (unshifted). */
export function cosineAlphaBar(t: number, offset = 0.008): number {
  const f = (u: number): number => Math.cos(((u + offset) / (1 + offset)) * (Math.PI / 2)) ** 2;
  return f(t) / f(0);
}

/**
 * Creates the cosine schedule.
 * `prefix` is prepended to field names in errors (the registry passes `"scheduleOptions"`).
 */
export function createVpCosineSchedule(options: Partial<VpCosineScheduleOptions> = {}, prefix = ''): SigmaSchedule {
  const { offset, shift, sigmaMin, sigmaMax } = resolveVpCosineOptions(options, prefix);
  const c0 = Math.cos((offset / (1 + offset)) * (Math.PI / 2));
  return createTimeGridSchedule({
    fieldPrefix: prefix,
    name: 'vp-cosine',
    sigmaMin,
    sigmaMax,
    sigmaOfT: (t) => {
      if (t === 1) return Infinity;
      const a = cosineAlphaBar(t, offset);
      return shift * Math.sqrt((1 - a) / a);
    },
    tOfSigma: (sigma) => {
      if (sigma === Infinity) return 1;
      const s = sigma / shift;
      const phi = Math.acos(c0 / Math.sqrt(1 + s * s));
      return (phi * 2 * (1 + offset)) / Math.PI - offset;
    },
  });
}

/** Registry entry `"vp-cosine"`. */
export const vpCosineScheduleFactory: PluginFactory<SigmaSchedule> = {
  name: 'vp-cosine',
  description: 'Cosine VP schedule (Nichol & Dhariwal), sigma 0.002..80, optional shift',
  create: (options) => createVpCosineSchedule(options as Partial<VpCosineScheduleOptions>, 'scheduleOptions'),
};
