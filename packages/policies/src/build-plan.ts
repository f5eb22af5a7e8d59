/**
 * The plan a run announces in its `start` event: level per step and predicted FLOPs relative
 * to running the same grid at full resolution.
 */
import { ConfigError } from '@upshift/core';
import type { PlannedStep, PolicyContext, ResolutionLevel, UpshiftPlan } from '@upshift/core';

/**
 * Builds the {@link UpshiftPlan} of `levels` on `ctx.sigmas`. `modelCalls` is the number of
 * denoiser calls per step (1 for Euler / DPM++, 2 for Heun), either one number or one per step;
 * each call costs `ctx.flopsAtStep(i, level)` when the context has it, else `ctx.flopsAt(level)`.
 * The full-resolution reference is the same steps, calls and guidance at level 0.
 */
export function buildPlan(
  policyName: string,
  levels: readonly ResolutionLevel[],
  ctx: PolicyContext,
  modelCalls: number | readonly number[] = 1,
): UpshiftPlan {
  const steps = ctx.sigmas.length - 1;
  if (levels.length !== steps) {
    throw new ConfigError('levels', levels.length, `the policy must give one level per step (${steps})`);
  }
  const callsAt = (i: number): number => (typeof modelCalls === 'number' ? modelCalls : (modelCalls[i] ?? 1));
  const callFlops = (i: number, level: ResolutionLevel): number => (ctx.flopsAtStep ? ctx.flopsAtStep(i, level) : ctx.flopsAt(level));
  const planned: PlannedStep[] = [];
  let flops = 0;
  let full = 0;
  for (let i = 0; i < steps; i++) {
    const level = levels[i] as number;
    if (!Number.isInteger(level) || level < 0 || level > ctx.maxLevel) {
      throw new ConfigError(`levels[${i}]`, level, `must be an integer in [0, ${ctx.maxLevel}]`);
    }
    const stepFlops = callsAt(i) * callFlops(i, level);
    flops += stepFlops;
    full += callsAt(i) * callFlops(i, 0);
    planned.push({ index: i, sigma: ctx.sigmas[i] as number, sigmaNext: ctx.sigmas[i + 1] as number, level, flops: stepFlops });
  }
  return { policy: policyName, steps: planned, flops, fullResolutionFlops: full, flopFraction: full > 0 ? flops / full : 1 };
}
