/**
 * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of
 * Diffusion Probabilistic Models", Algorithm 2; k-diffusion `sample_dpmpp_2m`). The PF-ODE
 * in x0-prediction form is solved exactly for a linear-in-lambda x0 estimate:
 * `x' = (sigma'/sigma) x + (1 - sigma'/sigma) D_eff` with
 * `D_eff = (1 + 1/(2r)) D - 1/(2r) D_prev`, `r = h_prev / h`, `h = ln(sigma / sigma')`.
 * Second order with one call per step; the first step (no history) and the last step
 * (sigma' = 0, which returns D) are first order. The state holds D_prev as clean signal, so a
 * level change resizes it (default) or drops it for one first-order step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { afterDenoise, checkHistoryShape, checkStepSigmas } from './sampler-math.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord, readChoice } from './sampler-options.js';
import {
  HISTORY_ON_LEVEL_CHANGE,
  disposeX0History,
  initX0History,
  restoreX0History,
  saveX0History,
  x0HistoryOnLevelChange,
  type HistoryOnLevelChange,
  type X0HistoryState,
} from './x0-history.js';

/** DPM++(2M)'s state: the previous x0 estimate and step size. */
export type DpmPp2mState = X0HistoryState<'dpmpp-2m'>;

/** Options of DPM++(2M). */
export interface DpmPp2mSamplerOptions {
  /** On a level change: resize the x0 history (default) or take one first-order step. */
  readonly onLevelChange: HistoryOnLevelChange;
}

/** Defaults: resize the history. */
export const DPMPP_2M_SAMPLER_DEFAULTS: DpmPp2mSamplerOptions = { onLevelChange: 'resize' };

/** Validates options; errors name `prefix.field`. */
export function resolveDpmPp2mOptions(options: unknown, prefix = ''): DpmPp2mSamplerOptions {
  const r = optionsRecord(options, prefix, ['onLevelChange']);
  return { onLevelChange: readChoice(r, 'onLevelChange', prefix, DPMPP_2M_SAMPLER_DEFAULTS.onLevelChange, HISTORY_ON_LEVEL_CHANGE) };
}

/** Creates DPM-Solver++(2M). */
export function createDpmPp2mSampler(options: Partial<DpmPp2mSamplerOptions> = {}, prefix = ''): Sampler<DpmPp2mState> {
  const o = resolveDpmPp2mOptions(options, prefix);
  return {
    name: 'dpmpp-2m',
    order: 2,
    stochastic: false,
    initState: () => initX0History('dpmpp-2m'),
    async step(input: SamplerStepInput<DpmPp2mState>): Promise<SamplerStepOutput<DpmPp2mState>> {
      const { latent, sigmaNext, state } = input;
      checkStepSigmas(latent, sigmaNext);
      const prev = state.previousDenoised;
      if (prev) checkHistoryShape('dpmpp-2m', prev, latent);
      const sigma = latent.sigma;
      const h = Math.log(sigma / sigmaNext);
      const denoised = await input.denoiser.denoise(latent.x, sigma, input.ctx);
      const out = afterDenoise(denoised, (): { x: tf.Tensor4D; history: tf.Tensor4D | undefined } => {
        if (sigmaNext === 0) return { x: denoised.clone(), history: undefined };
        const ratio = sigmaNext / sigma;
        let dEff: tf.Tensor = denoised;
        if (prev && state.previousStepSize !== null) {
          const r = state.previousStepSize / h;
          dEff = tf.sub(tf.mul(denoised, 1 + 1 / (2 * r)), tf.mul(prev, 1 / (2 * r)));
        }
        const x = tf.add(tf.mul(latent.x, ratio), tf.mul(dEff, 1 - ratio)) as tf.Tensor4D;
        return { x, history: denoised.clone() };
      });
      disposeX0History(state);
      return {
        latent: { x: out.x, level: latent.level, sigma: sigmaNext },
        denoised,
        state: { kind: 'dpmpp-2m', stepIndex: state.stepIndex + 1, previousDenoised: out.history ?? null, previousStepSize: out.history ? h : null },
        modelCalls: 1,
      };
    },
    onLevelChange: (state, change, resizer) => x0HistoryOnLevelChange(state, change, resizer, o.onLevelChange),
    disposeState: disposeX0History,
    saveState: saveX0History,
    restoreState: (data, field) => restoreX0History('dpmpp-2m', data, field),
  };
}

/** Registry entry `"dpmpp-2m"` (options: onLevelChange). */
export const dpmPp2mSamplerFactory: PluginFactory<Sampler> = {
  name: 'dpmpp-2m',
  description: 'DPM-Solver++(2M): 2nd order, 1 call per step, x0 history resized on level changes',
  create: (options) => createDpmPp2mSampler(options as Partial<DpmPp2mSamplerOptions>, SAMPLER_OPTIONS_FIELD),
};
