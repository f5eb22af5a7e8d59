/**
 * Multi-stage pyramid policy: e.g. 1/4 side at high noise, 1/2 side in the middle, full
 * resolution at the end (DESIGN.md: the shape to aim for). Each stage is a level and the noise
 * level above which it runs; a step runs at the first (deepest) stage whose threshold its
 * starting sigma exceeds, else at full resolution.
 */
import { ConfigError } from '@upshift/core';
import type { PluginFactory, PolicyContext, ResolutionLevel, UpshiftPolicy } from '@upshift/core';
import { checkMaxLevel, checkSigmas, optionsRecord, readLevel, readThreshold, thresholdSigma } from './policy-options.js';
import type { NoiseThreshold } from './policy-options.js';

/** Registered name of the pyramid policy. */
export const PYRAMID_POLICY = 'pyramid';

/** One stage: run at `level` while the noise is above `threshold`. */
export interface PyramidStage {
  /** Level of this stage (>= 1). */
  readonly level: number;
  /** The stage runs while the step's starting sigma is above this noise level. */
  readonly threshold: NoiseThreshold;
}

/** Options of the pyramid policy. */
export interface PyramidPolicyOptions {
  /**
   * Stages from the deepest level (highest noise) to the shallowest; levels strictly
   * decreasing. Given, every level must fit the run (a ConfigError otherwise); left out, the
   * stages are {@link PYRAMID_DEFAULT_STAGES} with each level capped at the run's maxLevel, so
   * the defaults work at every resolution.
   */
  readonly stages?: readonly PyramidStage[];
}

/** 1/4 side while sigma > 6.3, 1/2 side while sigma > 2 (the reference run's 0.53 plan). */
export const PYRAMID_DEFAULT_STAGES: readonly PyramidStage[] = [
  { level: 2, threshold: { sigma: 6.3 } },
  { level: 1, threshold: { sigma: 2 } },
];

/** Defaults: {@link PYRAMID_DEFAULT_STAGES}, capped at the run's maxLevel. */
export const PYRAMID_POLICY_DEFAULTS: PyramidPolicyOptions = {};

/**
 * Reads a stage list (`[{ level, sigma | logSnr | t }, ...]`, levels strictly decreasing) at
 * `at` (e.g. `policyOptions.stages`). Shared with the bottleneck policy.
 */
export function readStages(raw: unknown, at: string): PyramidStage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError(at, raw, 'must be a non-empty array of { level, sigma | logSnr | t }');
  const stages = raw.map((stage, i): PyramidStage => {
    const here = `${at}[${i}]`;
    const r = optionsRecord(stage, ['level', 'sigma', 'logSnr', 't'], here);
    const level = readLevel(r, 'level', here, undefined);
    if (level === undefined) throw new ConfigError(`${here}.level`, undefined, 'is required');
    const threshold = readThreshold(r, here);
    if (!threshold) throw new ConfigError(`${here}.sigma`, undefined, 'each stage needs one of sigma, logSnr, t');
    return { level, threshold };
  });
  stages.forEach((s, i) => {
    if (i > 0 && s.level >= (stages[i - 1] as PyramidStage).level) {
      throw new ConfigError(`${at}[${i}].level`, s.level, 'stage levels must be strictly decreasing (deepest first)');
    }
  });
  return stages;
}

/** Validates untrusted options (JSON) into {@link PyramidPolicyOptions}. */
export function resolvePyramidPolicyOptions(options: unknown): PyramidPolicyOptions {
  const record = optionsRecord(options, ['stages']);
  if (record['stages'] === undefined) return PYRAMID_POLICY_DEFAULTS;
  return { stages: readStages(record['stages'], 'policyOptions.stages') };
}

/** A stage resolved against a run: its level and full-resolution switch sigma. */
export interface StageSwitch {
  readonly level: ResolutionLevel;
  readonly sigma: number;
}

/**
 * Resolves `stages` against `ctx` (levels within maxLevel, switch sigmas strictly decreasing);
 * field names start with `at` (e.g. `policyOptions.stages`).
 */
export function stageSwitches(stages: readonly PyramidStage[], ctx: PolicyContext, at = 'policyOptions.stages'): StageSwitch[] {
  const switches = stages.map((stage, i) => {
    checkMaxLevel(`${at}[${i}].level`, stage.level, ctx);
    return { level: stage.level, sigma: thresholdSigma(stage.threshold, `${at}[${i}]`, ctx) };
  });
  switches.forEach((s, i) => {
    if (i > 0 && s.sigma >= (switches[i - 1] as StageSwitch).sigma) {
      throw new ConfigError(`${at}[${i}]`, s.sigma, 'switch sigmas must be strictly decreasing with the stage levels');
    }
  });
  return switches;
}

/** The level of a step starting at `sigma`: the first stage whose switch sigma it exceeds, else 0. */
export function stageLevel(switches: readonly StageSwitch[], sigma: number): ResolutionLevel {
  return switches.find((w) => sigma > w.sigma)?.level ?? 0;
}

/** Creates the pyramid policy. */
export function createPyramidPolicy(options: PyramidPolicyOptions = PYRAMID_POLICY_DEFAULTS): UpshiftPolicy {
  return {
    name: PYRAMID_POLICY,
    levels(ctx: PolicyContext): ResolutionLevel[] {
      checkSigmas(ctx.sigmas);
      // Default stages are capped at the run's maxLevel (their shape kept); given stages must fit.
      const stages = options.stages ?? PYRAMID_DEFAULT_STAGES.map((stage) => ({ ...stage, level: Math.min(stage.level, ctx.maxLevel) }));
      const switches = stageSwitches(stages, ctx);
      return ctx.sigmas.slice(0, -1).map((s) => stageLevel(switches, s));
    },
  };
}

/** Factory: options `{ stages?: [{ level, sigma | logSnr | t }, ...] }`. */
export const pyramidPolicyFactory: PluginFactory<UpshiftPolicy> = {
  name: PYRAMID_POLICY,
  description: 'Several stages (e.g. 1/4 side, then 1/2, then full) with noise-level switch points.',
  create(options: unknown): UpshiftPolicy {
    return createPyramidPolicy(resolvePyramidPolicyOptions(options));
  },
};
