/**
 * Arithmetic shared by the samplers, all in the sigma space of k-diffusion / EDM
 * (`x = x0 + sigma eps`, ODE `dx/dsigma = (x - D(x, sigma)) / sigma`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, UpshiftError } from '@upshift/core';
import type { Latent } from '@upshift/core';

/** Validates the sigmas of one step: `latent.sigma > 0` and `0 <= sigmaNext < latent.sigma`. */
export function checkStepSigmas(latent: Latent, sigmaNext: number): void {
  const sigma = latent.sigma;
  if (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma)) {
    throw new ConfigError('latent.sigma', sigma, 'must be a finite number > 0');
  }
  if (typeof sigmaNext !== 'number' || !(sigmaNext >= 0 && sigmaNext < sigma)) {
    throw new ConfigError('sigmaNext', sigmaNext, `must be a number in [0, latent.sigma = ${sigma})`);
  }
}

/**
 * Moves x along the straight line through the x0 estimate: `D + ratio (x - D)`. With
 * `ratio = sigmaNext / sigma` it is one Euler step of the PF-ODE (= DDIM with eta 0).
 */
/**
 * Runs `fn` (synchronous tensor math on a denoiser output) inside `tf.tidy`; if it throws,
 * `denoised` is freed before the error propagates, so a failing step leaks nothing.
 */
export function afterDenoise<T extends tf.TensorContainer>(denoised: tf.Tensor4D, fn: () => T): T {
  try {
    return tf.tidy(fn);
  } catch (e) {
    denoised.dispose();
    throw e;
  }
}

export function towardDenoised(x: tf.Tensor4D, denoised: tf.Tensor4D, ratio: number): tf.Tensor4D {
  return tf.tidy(() => tf.add(denoised, tf.mul(tf.sub(x, denoised), ratio)) as tf.Tensor4D);
}

/**
 * Ancestral split of a step (k-diffusion `get_ancestral_step`; DDIM's sigma_t(eta) in sigma
 * space): noise `sigmaUp = min(sigmaNext, eta sqrt(sigmaNext^2 (sigma^2 - sigmaNext^2) / sigma^2))`
 * is added after a deterministic step down to `sigmaDown = sqrt(sigmaNext^2 - sigmaUp^2)`.
 */
export function ancestralSigmas(sigma: number, sigmaNext: number, eta: number): { sigmaDown: number; sigmaUp: number } {
  if (sigmaNext === 0 || eta === 0) return { sigmaDown: sigmaNext, sigmaUp: 0 };
  const sigmaUp = Math.min(sigmaNext, eta * Math.sqrt((sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma)));
  return { sigmaDown: Math.sqrt(sigmaNext * sigmaNext - sigmaUp * sigmaUp), sigmaUp };
}

/** Throws if a history tensor is not at the latent's shape (a level change was not reported). */
export function checkHistoryShape(sampler: string, history: tf.Tensor4D, latent: Latent): void {
  const a = history.shape;
  const b = latent.x.shape;
  if (a.length !== b.length || a.some((v, i) => v !== b[i])) {
    throw new UpshiftError(
      `${sampler}: the state's history has shape [${a.join(', ')}] but the latent (level ${latent.level}) has [${b.join(', ')}]; ` +
        'call sampler.onLevelChange(state, change, resizer) when the level changes',
    );
  }
}
