/**
 * The one grid rule every schedule here follows: `steps` times evenly spaced in the
 * schedule's own t, from the t of `sigmaMax` down to the t of `sigmaMin`, mapped to sigma,
 * with the trailing 0 appended (k-diffusion `get_sigmas_*`; for Karras and exponential t is
 * the ramp, for VP / flow matching it is the training time).
 */
import { ConfigError, logSnrToSigma, sigmaToLogSnr } from '@upshift/core';
import { checkSigmaIn, checkSteps, checkT, fieldName, linspace } from './schedule-options.js';
import type { SigmaSchedule } from './sigma-schedule.js';

/** What a time-based schedule is made of. */
export interface TimeGridDefinition {
  /** Schedule name (e.g. "karras"). */
  readonly name: string;
  /** Prefix of field names in errors (e.g. "scheduleOptions"). */
  readonly fieldPrefix?: string;
  /** sigma(t), strictly increasing on [0, 1]; may be 0 at t = 0 and Infinity at t = 1. */
  readonly sigmaOfT: (t: number) => number;
  /** Its inverse on [sigmaOfT(0), sigmaOfT(1)]. */
  readonly tOfSigma: (sigma: number) => number;
  /** Grid bottom: the last non-zero sigma of every grid. */
  readonly sigmaMin: number;
  /** Grid top: the first sigma of every grid. */
  readonly sigmaMax: number;
}

/** Builds a {@link SigmaSchedule} from a monotone sigma(t) and the grid endpoints. */
export function createTimeGridSchedule(def: TimeGridDefinition): SigmaSchedule {
  const { sigmaOfT, tOfSigma, sigmaMin, sigmaMax } = def;
  // Widen the range by a few ulps: sigma(t) round trips may miss the exact endpoints.
  const lo = sigmaOfT(0) * (1 - 1e-12);
  const hi = sigmaOfT(1) * (1 + 1e-12);
  const tToSigma = (t: number): number => {
    checkT(t);
    return sigmaOfT(t);
  };
  const sigmaToT = (sigma: number): number => {
    checkSigmaIn(sigma, lo, hi);
    return Math.min(1, Math.max(0, tOfSigma(sigma)));
  };
  const prefix = def.fieldPrefix ?? '';
  for (const [key, value] of [['sigmaMin', sigmaMin], ['sigmaMax', sigmaMax]] as const) {
    if (!(value >= lo && value <= hi)) {
      throw new ConfigError(fieldName(prefix, key), value, `must lie in the schedule's sigma range [${lo}, ${hi}]`);
    }
  }
  const tHi = sigmaToT(sigmaMax);
  const tLo = sigmaToT(sigmaMin);
  return {
    name: def.name,
    sigmaMin,
    sigmaMax,
    sigmas(steps: number): number[] {
      checkSteps(steps);
      const ts = linspace(tHi, tLo, steps);
      const out = ts.map((t) => sigmaOfT(t));
      // Pin the endpoints exactly (no round trip through t).
      out[0] = sigmaMax;
      if (steps > 1) out[steps - 1] = sigmaMin;
      out.push(0);
      return out;
    },
    tToSigma,
    sigmaToT,
    tToLogSnr: (t: number) => sigmaToLogSnr(tToSigma(t)),
    logSnrToT: (logSnr: number) => sigmaToT(logSnrToSigma(logSnr)),
  };
}
