/**
 * DPM-Solver++(2M) SDE (Lu et al. 2022, "DPM-Solver++", Sec. 5 / App.; k-diffusion
 * `sample_dpmpp_2m_sde`, midpoint variant). The data-prediction SDE is integrated exactly for
 * the linear part with noise weight eta:
 * `x' = (sigma'/sigma) e^{-eta h} x + (1 - e^{-(1+eta) h}) D
 *       + 0.5 (1 - e^{-(1+eta) h}) / r (D - D_prev) + sigma' sqrt(1 - e^{-2 eta h}) z`.
 * eta = 0 is exactly DPM++(2M); eta = 1 samples the reverse SDE. The last step returns D.
 * State and level-change handling as in DPM++(2M).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PluginFactory, Sampler, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { afterDenoise, checkHistoryShape, checkStepSigmas } from './sampler-math.js';
import { SAMPLER_OPTIONS_FIELD, optionsRecord, readChoice, readNumberIn } from './sampler-options.js';
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

/** DPM++(2M) SDE's state: the previous x0 estimate and step size. */
export type DpmPp2mSdeState = X0HistoryState<'dpmpp-2m-sde'>;

/** Options of DPM++(2M) SDE. */
export interface DpmPp2mSdeSamplerOptions {
  /** Noise weight in [0, 1]: 0 = DPM++(2M), 1 = the reverse SDE. */
  readonly eta: number;
  /** On a level change: resize the x0 history (default) or take one first-order step. */
  readonly onLevelChange: HistoryOnLevelChange;
}

/** Defaults (k-diffusion): eta 1, resize the history. */
export const DPMPP_2M_SDE_SAMPLER_DEFAULTS: DpmPp2mSdeSamplerOptions = { eta: 1, onLevelChange: 'resize' };

/** Validates options; errors name `prefix.field`. */
export function resolveDpmPp2mSdeOptions(options: unknown, prefix = ''): DpmPp2mSdeSamplerOptions {
  const r = optionsRecord(options, prefix, ['eta', 'onLevelChange']);
  const d = DPMPP_2M_SDE_SAMPLER_DEFAULTS;
  return {
    eta: readNumberIn(r, 'eta', prefix, d.eta, 0, 1),
    onLevelChange: readChoice(r, 'onLevelChange', prefix, d.onLevelChange, HISTORY_ON_LEVEL_CHANGE),
  };
}

/** Creates DPM-Solver++(2M) SDE. */
export function createDpmPp2mSdeSampler(options: Partial<DpmPp2mSdeSamplerOptions> = {}, prefix = ''): Sampler<DpmPp2mSdeState> {
  const o = resolveDpmPp2mSdeOptions(options, prefix);
  const eta = o.eta;
  return {
    name: 'dpmpp-2m-sde',
    order: 2,
    stochastic: eta > 0,
    initState: () => initX0History('dpmpp-2m-sde'),
    async step(input: SamplerStepInput<DpmPp2mSdeState>): Promise<SamplerStepOutput<DpmPp2mSdeState>> {
      const { latent, sigmaNext, state } = input;
      checkStepSigmas(latent, sigmaNext);
      const prev = state.previousDenoised;
      if (prev) checkHistoryShape('dpmpp-2m-sde', prev, latent);
      const sigma = latent.sigma;
      const h = Math.log(sigma / sigmaNext);
      const denoised = await input.denoiser.denoise(latent.x, sigma, input.ctx);
      const out = afterDenoise(denoised, (): { x: tf.Tensor4D; history: tf.Tensor4D | undefined } => {
        if (sigmaNext === 0) return { x: denoised.clone(), history: undefined };
        const etaH = eta * h;
        const gain = -Math.expm1(-h - etaH);
        let x = tf.add(tf.mul(latent.x, (sigmaNext / sigma) * Math.exp(-etaH)), tf.mul(denoised, gain));
        if (prev && state.previousStepSize !== null) {
          const r = state.previousStepSize / h;
          x = tf.add(x, tf.mul(tf.sub(denoised, prev), (0.5 * gain) / r));
        }
        if (eta > 0) x = tf.add(x, tf.mul(input.noise.normal(latent.x.shape), sigmaNext * Math.sqrt(-Math.expm1(-2 * etaH))));
        return { x: x as tf.Tensor4D, history: denoised.clone() };
      });
      disposeX0History(state);
      return {
        latent: { x: out.x, level: latent.level, sigma: sigmaNext },
        denoised,
        state: { kind: 'dpmpp-2m-sde', stepIndex: state.stepIndex + 1, previousDenoised: out.history ?? null, previousStepSize: out.history ? h : null },
        modelCalls: 1,
      };
    },
    onLevelChange: (state, change, resizer) => x0HistoryOnLevelChange(state, change, resizer, o.onLevelChange),
    disposeState: disposeX0History,
    saveState: saveX0History,
    restoreState: (data, field) => restoreX0History('dpmpp-2m-sde', data, field),
  };
}

/** Registry entry `"dpmpp-2m-sde"` (options: eta, onLevelChange). */
export const dpmPp2mSdeSamplerFactory: PluginFactory<Sampler> = {
  name: 'dpmpp-2m-sde',
  description: 'DPM-Solver++(2M) SDE (midpoint), eta 1 by default',
  create: (options) => createDpmPp2mSdeSampler(options as Partial<DpmPp2mSdeSamplerOptions>, SAMPLER_OPTIONS_FIELD),
};
