import type { NoiseSchedule } from '@upshift/core';

/**
 * A {@link NoiseSchedule} with a full time axis: every schedule in this package maps its own
 * t in [0, 1] (1 = most noise) to sigma and logSNR and back.
 */
export interface SigmaSchedule extends NoiseSchedule {
  /** sigma at schedule time t in [0, 1]; throws ConfigError('t') outside. */
  tToSigma(t: number): number;
  /** Inverse of {@link tToSigma}; throws ConfigError('sigma') outside the schedule's range. */
  sigmaToT(sigma: number): number;
  /** logSNR (-2 ln sigma) at time t. */
  tToLogSnr(t: number): number;
  /** Inverse of {@link tToLogSnr}. */
  logSnrToT(logSnr: number): number;
}
