/**
 * Time shifts that move a schedule towards more noise.
 *
 * SD3 / Flux (Esser et al. 2024, "Scaling Rectified Flow Transformers", Sec. 5.3.2) shift
 * flow time as `t' = s t / (1 + (s - 1) t)`. In sigma space (`sigma = t / (1 - t)`) that is
 * exactly `sigma' = s * sigma`, i.e. logSNR' = logSNR - 2 ln s — the same operation as the
 * "shifted" schedules of simple diffusion (Hoogeboom et al. 2023). So one number, `shift`,
 * means the same thing for every schedule here: multiply sigma(t) by it.
 */
import { ConfigError } from '@upshift/core';

/** SD3 / Flux time shift of a flow time t in [0, 1]. */
export function timeShift(t: number, shift: number): number {
  checkShift(shift);
  if (!(t >= 0 && t <= 1)) throw new ConfigError('t', t, 'must be in [0, 1]');
  return (shift * t) / (1 + (shift - 1) * t);
}

/** Inverse of {@link timeShift}. */
export function inverseTimeShift(t: number, shift: number): number {
  return timeShift(t, 1 / shift);
}

/** The time shift seen in sigma space: `shift * sigma`. */
export function shiftSigma(sigma: number, shift: number): number {
  checkShift(shift);
  return shift * sigma;
}

/** The time shift seen in logSNR: `logSnr - 2 ln shift`. */
export function shiftLogSnr(logSnr: number, shift: number): number {
  checkShift(shift);
  return logSnr - 2 * Math.log(shift);
}

/** Throws unless `shift` is a finite number > 0. */
export function checkShift(shift: number, field = 'shift'): void {
  if (typeof shift !== 'number' || !(shift > 0) || !Number.isFinite(shift)) {
    throw new ConfigError(field, shift, 'must be a finite number > 0');
  }
}
