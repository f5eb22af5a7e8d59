/**
 * Stochastic steps right after an upshift, around any sampler. An exact upshift leaves a state
 * whose coarse part carries the low-resolution model's errors; deterministic steps carry that
 * error to the end, while stochastic steps contract it (each replaces part of the state by fresh
 * noise and lets the full-resolution model re-predict it). Two forms, for the first `steps`
 * steps after each level change to a finer level:
 *
 * - `ancestral` (k-diffusion `sample_euler_ancestral`, generalised): the wrapped sampler steps
 *   down to `sigmaDown`, then fresh noise of std `sigmaUp` brings the latent back to sigma'
 *   (`ancestralSigmas(sigma, sigma', eta)`), so the sigma grid and the model calls do not change.
 * - `churn` (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
 *   Models", Algorithm 2): the latent is first re-noised from sigma to `sigmaHat = sigma (1 +
 *   churn)` with fresh noise of std `sqrt(sigmaHat^2 - sigma^2)`, then the wrapped sampler steps
 *   from sigmaHat to sigma'.
 *
 * Both keep the state exactly `signal + sigma eps` with i.i.d. eps after the step (for an exact
 * denoiser on Gaussian data they sample the same distribution; `after-upshift.spec.ts`), and
 * draw their noise from the run's seeded sampler noise, so runs stay bit-for-bit reproducible.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, checkSamplerStateData, restoreSamplerState, saveSamplerState } from '@upshift/core';
import type { LevelChange, Resizer, Sampler, SamplerState, SamplerStateData, SamplerStepInput, SamplerStepOutput } from '@upshift/core';
import { ancestralSigmas } from './sampler-math.js';
import { optionsRecord, readChoice, readNumberIn } from './sampler-options.js';

/** Kinds of stochastic step after an upshift. */
export const AFTER_UPSHIFT_MODES = ['ancestral', 'churn'] as const;
/** A kind of stochastic step after an upshift. */
export type AfterUpshiftMode = (typeof AFTER_UPSHIFT_MODES)[number];

/** Options of {@link withAfterUpshift} (the pipeline config's `afterUpshift`). */
export interface AfterUpshiftOptions {
  /** Stochastic steps after each upshift, an integer in [1, 1000]. */
  readonly steps: number;
  /** `ancestral` (noise after a step down to sigmaDown) or `churn` (noise before the step). */
  readonly mode: AfterUpshiftMode;
  /** `ancestral`: fraction of the ancestral noise, in (0, 1]. */
  readonly eta: number;
  /** `churn`: relative sigma increase gamma (sigmaHat = sigma (1 + gamma)), in (0, 1]. */
  readonly churn: number;
}

/** Defaults: two ancestral steps with eta 1 after each upshift; churn gamma 0.4 (~sqrt 2 - 1) when chosen. */
export const AFTER_UPSHIFT_DEFAULTS: AfterUpshiftOptions = { steps: 2, mode: 'ancestral', eta: 1, churn: 0.4 };

/** Validates untrusted options (JSON); errors name `<field>.<key>` and the value. */
export function resolveAfterUpshiftOptions(options: unknown, field = 'afterUpshift'): AfterUpshiftOptions {
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(field, options, 'must be an object { steps?, mode?, eta?, churn? }');
  }
  const r = optionsRecord(options, field, ['steps', 'mode', 'eta', 'churn']);
  const steps = readNumberIn(r, 'steps', field, AFTER_UPSHIFT_DEFAULTS.steps, 1, 1000);
  if (!Number.isInteger(steps)) throw new ConfigError(`${field}.steps`, steps, 'must be an integer in [1, 1000]');
  const mode = readChoice(r, 'mode', field, AFTER_UPSHIFT_DEFAULTS.mode, AFTER_UPSHIFT_MODES);
  const eta = readNumberIn(r, 'eta', field, AFTER_UPSHIFT_DEFAULTS.eta, 0, 1);
  if (eta === 0) throw new ConfigError(`${field}.eta`, eta, 'must be in (0, 1] (0 adds no noise: leave afterUpshift out)');
  const churn = readNumberIn(r, 'churn', field, AFTER_UPSHIFT_DEFAULTS.churn, 0, 1);
  if (churn === 0) throw new ConfigError(`${field}.churn`, churn, 'must be in (0, 1] (0 adds no noise: leave afterUpshift out)');
  return { steps, mode, eta, churn };
}

/** State of the wrapper: the wrapped sampler's state and the stochastic steps still due. */
export interface AfterUpshiftState<S extends SamplerState = SamplerState> extends SamplerState {
  readonly kind: 'after-upshift';
  readonly stepIndex: number;
  /** The wrapped sampler's own state. */
  readonly inner: S;
  /** Stochastic steps left before the sampler runs plain again. */
  readonly remaining: number;
}

/** A sampler wrapped by {@link withAfterUpshift}. */
export interface AfterUpshiftSampler<S extends SamplerState = SamplerState> extends Sampler<AfterUpshiftState<S>> {
  /** The wrapped sampler. */
  readonly inner: Sampler<S>;
  /** The options it runs with. */
  readonly options: AfterUpshiftOptions;
  /** Model calls of one step (the wrapped sampler's: the stochastic steps add none). */
  modelCalls(sigma: number, sigmaNext: number): number;
}

/**
 * Wraps `sampler` so that the first `options.steps` steps after every upshift (a level change
 * to a finer level) are stochastic. The wrapper keeps the sampler's name and order; its model
 * calls per step are the sampler's (`modelCalls`, Heun 2 except on the last step, else 1).
 */
export function withAfterUpshift<S extends SamplerState>(sampler: Sampler<S>, options: AfterUpshiftOptions): AfterUpshiftSampler<S> {
  const { steps, mode, eta, churn } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError('afterUpshift.steps', steps, 'must be an integer >= 1');
  const own = (sampler as { modelCalls?: (sigma: number, sigmaNext: number) => number }).modelCalls;
  return {
    name: sampler.name,
    order: sampler.order,
    stochastic: true,
    inner: sampler,
    options,
    modelCalls(sigma: number, sigmaNext: number): number {
      if (typeof own === 'function') return own.call(sampler, sigma, sigmaNext);
      return sampler.name === 'heun' && sigmaNext !== 0 ? 2 : 1;
    },
    initState: () => ({ kind: 'after-upshift', stepIndex: 0, inner: sampler.initState(), remaining: 0 }),
    async step(input: SamplerStepInput<AfterUpshiftState<S>>): Promise<SamplerStepOutput<AfterUpshiftState<S>>> {
      const { state, latent, sigmaNext } = input;
      const next = (inner: S, remaining: number): AfterUpshiftState<S> => ({ kind: 'after-upshift', stepIndex: state.stepIndex + 1, inner, remaining });
      if (state.remaining <= 0 || sigmaNext === 0) {
        const out = await sampler.step({ ...input, state: state.inner });
        return { ...out, state: next(out.state, 0) };
      }
      const remaining = state.remaining - 1;
      if (mode === 'churn') {
        const sigmaHat = latent.sigma * (1 + churn);
        const xHat = tf.tidy(() => tf.add(latent.x, tf.mul(input.noise.normal(latent.x.shape), Math.sqrt(sigmaHat * sigmaHat - latent.sigma * latent.sigma))) as tf.Tensor4D);
        try {
          const out = await sampler.step({ ...input, latent: { ...latent, x: xHat, sigma: sigmaHat }, state: state.inner });
          return { ...out, state: next(out.state, remaining) };
        } finally {
          xHat.dispose();
        }
      }
      const { sigmaDown, sigmaUp } = ancestralSigmas(latent.sigma, sigmaNext, eta);
      const out = await sampler.step({ ...input, sigmaNext: sigmaDown, state: state.inner });
      if (sigmaUp === 0) return { ...out, latent: { ...out.latent, sigma: sigmaNext }, state: next(out.state, remaining) };
      try {
        const x = tf.tidy(() => tf.add(out.latent.x, tf.mul(input.noise.normal(out.latent.x.shape), sigmaUp)) as tf.Tensor4D);
        out.latent.x.dispose();
        return { ...out, latent: { x, level: out.latent.level, sigma: sigmaNext }, state: next(out.state, remaining) };
      } catch (error) {
        out.latent.x.dispose();
        out.denoised.dispose();
        sampler.disposeState(out.state);
        throw error;
      }
    },
    onLevelChange(state: AfterUpshiftState<S>, change: LevelChange, resizer: Resizer): AfterUpshiftState<S> {
      const inner = sampler.onLevelChange(state.inner, change, resizer);
      return { kind: 'after-upshift', stepIndex: state.stepIndex, inner, remaining: change.to < change.from ? steps : state.remaining };
    },
    disposeState: (state) => sampler.disposeState(state.inner),
    async saveState(state: AfterUpshiftState<S>): Promise<SamplerStateData> {
      const inner = await (sampler.saveState ? sampler.saveState(state.inner) : saveSamplerState(state.inner));
      return { kind: 'after-upshift', stepIndex: state.stepIndex, fields: { remaining: state.remaining }, tensors: {}, inner };
    },
    restoreState(data: SamplerStateData, field = 'sampler'): AfterUpshiftState<S> {
      checkSamplerStateData(data, 'after-upshift', field);
      for (const key of Object.keys(data.fields)) {
        if (key !== 'remaining') throw new ConfigError(`${field}.fields.${key}`, data.fields[key], 'after-upshift keeps no such state');
      }
      for (const key of Object.keys(data.tensors)) throw new ConfigError(`${field}.tensors.${key}`, key, 'after-upshift keeps no tensors of its own');
      const remaining = data.fields['remaining'];
      if (typeof remaining !== 'number' || !Number.isInteger(remaining) || remaining < 0 || remaining > steps) {
        throw new ConfigError(`${field}.fields.remaining`, remaining, `must be an integer in [0, ${steps}]`);
      }
      if (data.inner === undefined) throw new ConfigError(`${field}.inner`, undefined, `must hold the state of the wrapped sampler "${sampler.name}"`);
      const inner = sampler.restoreState ? sampler.restoreState(data.inner, `${field}.inner`) : restoreSamplerState<S>(data.inner, sampler.name, `${field}.inner`);
      return { kind: 'after-upshift', stepIndex: data.stepIndex, inner, remaining };
    },
  };
}
