/**
 * The policy context of a run and the FLOP counts it plans with: shared by a run's setup (with
 * the loaded model's `flops`) and by {@link RunPlanner} (with the model description's, before any
 * weights load), so both make the same plan from the same config.
 */
import { resolutionAtLevel } from '@upshift/core';
import type { DenoiserContext, NoiseSchedule, PolicyContext, PowerSpectrum, Resolution, ResolutionLevel } from '@upshift/core';
import { guidanceScaleAt } from './guidance-plan.js';
import { classLabelsOf } from './pipeline-config.js';
import type { PipelineConfig } from './pipeline-config.js';

/** FLOPs of one denoiser call (`Denoiser.flops` or `DenoiserDescription.flops`). */
export type CallFlops = (height: number, width: number, batch: number, ctx?: DenoiserContext) => number;

/** Inputs of {@link planContext}. */
export interface PlanContextInput {
  readonly config: PipelineConfig;
  readonly sigmas: readonly number[];
  readonly schedule: NoiseSchedule;
  /** Level-0 resolution of the run. */
  readonly resolution: Resolution;
  readonly maxLevel: ResolutionLevel;
  readonly spectrum: PowerSpectrum | undefined;
  /** The model's FLOP count; absent: a call counts as its pixels (height x width x batch). */
  readonly flops: CallFlops | undefined;
}

/** The policy context and the per-call conditioning and FLOPs of a run. */
export interface PlanContext {
  /** Conditioning of every call (the level is added per step, and the guidance scale when it varies). */
  readonly conditioning: Omit<DenoiserContext, 'level'>;
  readonly policyContext: PolicyContext;
  /** FLOPs of one denoiser call at a level with the run's base guidance (memoised). */
  readonly flopsAt: (level: ResolutionLevel) => number;
  /** The denoiser context of step `index` at `level` (guidance per level / interval applied). */
  readonly contextAt: (index: number, level: ResolutionLevel) => DenoiserContext;
  /** FLOPs of one denoiser call at step `index` and `level` (guidance per level / interval applied). */
  readonly flopsAtStep: (index: number, level: ResolutionLevel) => number;
}

/** See the module comment. */
export function planContext(input: PlanContextInput): PlanContext {
  const { config, sigmas, schedule, resolution, maxLevel, spectrum, flops } = input;
  const conditioning: Omit<DenoiserContext, 'level'> = { classLabels: classLabelsOf(config), guidance: config.guidance ?? 1 };
  const flopsCache = new Map<string, number>();
  const callFlops = (level: ResolutionLevel, guidance: number): number => {
    const key = `${level}:${guidance}`;
    let f = flopsCache.get(key);
    if (f === undefined) {
      const r = resolutionAtLevel(resolution, level);
      f = flops ? flops(r.height, r.width, config.batch, { ...conditioning, guidance, level }) : r.height * r.width * config.batch;
      flopsCache.set(key, f);
    }
    return f;
  };
  const flopsAt = (level: ResolutionLevel): number => callFlops(level, conditioning.guidance ?? 1);
  const guidanceAt = (index: number, level: ResolutionLevel): number => guidanceScaleAt(config, sigmas[index]!, level);
  const contextAt = (index: number, level: ResolutionLevel): DenoiserContext => ({ ...conditioning, level, guidance: guidanceAt(index, level) });
  const flopsAtStep = (index: number, level: ResolutionLevel): number => callFlops(level, guidanceAt(index, level));
  const policyContext: PolicyContext = { sigmas, resolution, maxLevel, flopsAt, flopsAtStep, schedule, ...(spectrum ? { spectrum } : {}) };
  return { conditioning, policyContext, flopsAt, contextAt, flopsAtStep };
}
