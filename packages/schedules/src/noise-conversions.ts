/**
 * Conversions between the parameterisations a diffusion model may be trained in and the
 * variance-exploding sigma space `x = x0 + sigma * eps` the samplers use (Karras et al. 2022,
 * "Elucidating the Design Space of Diffusion-Based Generative Models", Sec. 2 / App. C).
 */
import { ConfigError, logSnrToSigma, sigmaToLogSnr } from '@upshift/core';

export { sigmaToLogSnr, logSnrToSigma };

/** VP: alpha-bar of a sigma, `1 / (1 + sigma^2)` (so sigma = sqrt((1 - abar) / abar)). */
export function sigmaToAlphaBar(sigma: number): number {
  return 1 / (1 + sigma * sigma);
}

/** VP: sigma of an alpha-bar in (0, 1]. */
export function alphaBarToSigma(alphaBar: number): number {
  if (!(alphaBar > 0 && alphaBar <= 1)) throw new ConfigError('alphaBar', alphaBar, 'must be in (0, 1]');
  return Math.sqrt((1 - alphaBar) / alphaBar);
}

/** VP input scale: `x_vp = x * vpScale(sigma)` with `vpScale = 1 / sqrt(1 + sigma^2)`. */
export function vpScale(sigma: number): number {
  return 1 / Math.sqrt(1 + sigma * sigma);
}

/**
 * Rectified flow (`x_t = (1 - t) x0 + t eps`): dividing by `1 - t` gives sigma space with
 * `sigma = t / (1 - t)`. t = 1 is sigma = Infinity.
 */
export function flowTToSigma(t: number): number {
  if (!(t >= 0 && t <= 1)) throw new ConfigError('t', t, 'must be in [0, 1]');
  return t === 1 ? Infinity : t / (1 - t);
}

/** Inverse of {@link flowTToSigma}: `t = sigma / (1 + sigma)`. */
export function sigmaToFlowT(sigma: number): number {
  if (!(sigma >= 0)) throw new ConfigError('sigma', sigma, 'must be >= 0');
  return sigma === Infinity ? 1 : sigma / (1 + sigma);
}

/** Flow input scale: `x_flow = x * flowScale(sigma)` with `flowScale = 1 / (1 + sigma)`. */
export function flowScale(sigma: number): number {
  return 1 / (1 + sigma);
}
