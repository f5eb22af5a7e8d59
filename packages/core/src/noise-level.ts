/**
 * Noise levels in the variance-exploding convention `x = x0 + sigma * eps` used by
 * k-diffusion and EDM (Karras et al. 2022). logSNR = -2 log(sigma) for unit-variance data.
 */

/** A noise level expressed both ways. */
export interface NoiseLevel {
  /** Per-pixel noise standard deviation. */
  readonly sigma: number;
  /** log(1 / sigma^2) = -2 log(sigma). */
  readonly logSnr: number;
}

/** logSNR of a sigma (-2 ln sigma). Infinity for sigma = 0. */
export function sigmaToLogSnr(sigma: number): number {
  return -2 * Math.log(sigma);
}

/** sigma of a logSNR (exp(-logSNR / 2)). */
export function logSnrToSigma(logSnr: number): number {
  return Math.exp(-logSnr / 2);
}

/** Builds a {@link NoiseLevel} from sigma. */
export function noiseLevel(sigma: number): NoiseLevel {
  return { sigma, logSnr: sigmaToLogSnr(sigma) };
}
