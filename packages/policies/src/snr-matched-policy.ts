/**
 * SNR-matched policy: a level may run while the detail it discards is drowned in the noise as a
 * whole — the energy per pixel of the data above the level's Nyquist frequency, E_k (from the
 * data's power spectrum), is at most `ratio` times the noise variance sigma^2 of the full-
 * resolution grid. Each step runs at the deepest such level. It is the energy (total SNR)
 * counterpart of the spectral policy's per-frequency rule, and follows the stage-switching
 * argument of multi-stage diffusion models that move between resolutions at matched
 * signal-to-noise ratios (Gu et al. 2022, "f-DM: A Multi-stage Diffusion Model via Progressive
 * Signal Transformation", arXiv 2210.04955; Pyramid Flow, Jin et al. 2024, arXiv 2410.05954):
 * the switch from level k happens where the SNR of what level k cannot hold reaches `ratio`.
 * Unlike a fixed sigma threshold it moves with the data: sharper data (more energy in fine
 * bands) upshifts earlier.
 */
import { ConfigError } from '@upshift/core';
import type { PluginFactory, PolicyContext, PowerSpectrum, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import { checkMaxLevel, checkSigmas, field, optionsRecord, readLevel, readNumber, spectrumFor, validateSpectrum } from './policy-options.js';
import { finestLevel, nyquistAt, spectralBins } from './spectral-model.js';

/** Registered name of the SNR-matched policy. */
export const SNR_MATCHED_POLICY = 'snr-matched';

/** Options of the SNR-matched policy. */
export interface SnrMatchedPolicyOptions {
  /** Largest allowed (discarded detail energy per pixel) / sigma^2, in (0, 10]. */
  readonly ratio: number;
  /** Deepest level to use (default: ctx.maxLevel). */
  readonly maxLevel?: number;
  /** The data spectrum (default: ctx.spectrum, from the model config). */
  readonly spectrum?: PowerSpectrum;
}

/** Defaults: the discarded detail may carry at most 0.1 % of the noise energy. */
export const SNR_MATCHED_POLICY_DEFAULTS: SnrMatchedPolicyOptions = { ratio: 0.001 };

/** Validates untrusted options (JSON). */
export function resolveSnrMatchedPolicyOptions(options: unknown): SnrMatchedPolicyOptions {
  const record = optionsRecord(options, ['ratio', 'maxLevel', 'spectrum']);
  const at = 'policyOptions';
  const ratio = readNumber(record, 'ratio', at, SNR_MATCHED_POLICY_DEFAULTS.ratio, { min: 0, minExclusive: true, max: 10 }) as number;
  const maxLevel = readLevel(record, 'maxLevel', at, undefined, 0);
  const spectrum = record['spectrum'] === undefined ? undefined : validateSpectrum(field('spectrum'), record['spectrum']);
  return { ratio, ...(maxLevel === undefined ? {} : { maxLevel }), ...(spectrum ? { spectrum } : {}) };
}

/**
 * Energy per pixel of the data above each level's Nyquist frequency: `[E_0 = 0, E_1, ..., E_max]`
 * (orthonormal DFT: the sum of power x coefficient count over the bins, divided by side^2).
 */
export function discardedEnergy(spectrum: PowerSpectrum, maxLevel: number): number[] {
  const side = finestLevel(spectrum).side;
  const bins = spectralBins(spectrum);
  return Array.from({ length: maxLevel + 1 }, (_, k) =>
    k === 0 ? 0 : bins.reduce((sum, b) => (b.frequency > nyquistAt(k) ? sum + b.power * b.count : sum), 0) / (side * side),
  );
}

/** Creates the SNR-matched policy. */
export function createSnrMatchedPolicy(options: SnrMatchedPolicyOptions = SNR_MATCHED_POLICY_DEFAULTS): UpshiftPolicy {
  if (!(options.ratio > 0) || !Number.isFinite(options.ratio)) throw new ConfigError(field('ratio'), options.ratio, 'must be a finite number > 0');
  return {
    name: SNR_MATCHED_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      if (options.maxLevel !== undefined) checkMaxLevel(field('maxLevel'), options.maxLevel, ctx);
      const cap = options.maxLevel ?? ctx.maxLevel;
      const energy = discardedEnergy(spectrumFor(options.spectrum, ctx, SNR_MATCHED_POLICY), cap);
      return ctx.sigmas.slice(0, -1).map((s) => {
        let level = 0;
        while (level < cap && (energy[level + 1] as number) <= options.ratio * s * s) level++;
        return level;
      });
    },
  };
}

/** Factory: options `{ ratio?, maxLevel?, spectrum? }`. */
export const snrMatchedPolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: SNR_MATCHED_POLICY,
  description: 'Deepest level whose discarded detail carries at most `ratio` of the noise energy (SNR-matched switches).',
  create(options: unknown): UpshiftPolicy {
    return createSnrMatchedPolicy(resolveSnrMatchedPolicyOptions(options));
  },
};
