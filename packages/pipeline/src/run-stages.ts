/**
 * The stage options of a run (plain data, validated with zod like the config): when to emit
 * checkpoints, and when to stop early with a `suspended` event so another process can continue
 * (stage routing: cheap workers run the coarse levels, others level 0).
 */
import { z } from 'zod';
import { ConfigError } from '@upshift/core';
import type { ResolutionLevel } from '@upshift/core';

/** When a run emits `checkpoint` events. */
export interface CheckpointOptions {
  /** Before every step that runs at another level than the latent's (plan or hook). Default false. */
  readonly atLevelChange?: boolean;
  /** Before step i whenever i is a positive multiple of this (integer >= 1). Default: never. */
  readonly everySteps?: number;
}

/** The levels a run may run; it suspends before the first step at a level outside. */
export interface LevelRange {
  /** Lowest level (finest; 0 = full resolution). Default 0. */
  readonly min?: ResolutionLevel;
  /** Highest level (coarsest). Default: no limit. */
  readonly max?: ResolutionLevel;
}

/** The validated stage options of one run. */
export interface RunStages {
  readonly atLevelChange: boolean;
  /** 0: never. */
  readonly everySteps: number;
  /** Suspend before this step index (undefined: never). */
  readonly stopBefore: number | undefined;
  readonly levels: { readonly min: ResolutionLevel; readonly max: ResolutionLevel };
}

const level = (what: string) => z.number(`${what} must be a number`).int(`${what} must be an integer`).min(0, `${what} must be >= 0`);

const StagesSchema = z
  .strictObject({
    checkpoints: z
      .strictObject({
        atLevelChange: z.boolean('atLevelChange must be true or false').optional(),
        everySteps: z.number('everySteps must be a number').int('everySteps must be an integer').min(1, 'everySteps must be >= 1').optional(),
      })
      .optional(),
    stopBefore: z.number('stopBefore must be a number').int('stopBefore must be an integer').min(0, 'stopBefore must be >= 0').optional(),
    levels: z.strictObject({ min: level('min').optional(), max: level('max').optional() }).optional(),
  })
  .superRefine((o, ctx) => {
    const min = o.levels?.min ?? 0;
    const max = o.levels?.max;
    if (max !== undefined && max < min) ctx.addIssue({ code: 'custom', path: ['levels', 'max'], message: `must be >= levels.min (${min})` });
  });

/**
 * Validates the stage part of `RunOptions` (`checkpoints`, `stopBefore`, `levels`).
 *
 * @throws ConfigError naming `options.<field>` and the value (`options.checkpoints.everySteps = 0: must be >= 1`).
 */
export function resolveRunStages(options: { readonly checkpoints?: unknown; readonly stopBefore?: unknown; readonly levels?: unknown; readonly suspendSignal?: unknown }): RunStages {
  const signal = options.suspendSignal;
  if (signal !== undefined && !isAbortSignal(signal)) throw new ConfigError('options.suspendSignal', signal, 'must be an AbortSignal (e.g. new AbortController().signal)');
  const input: Record<string, unknown> = {};
  for (const key of ['checkpoints', 'stopBefore', 'levels'] as const) if (options[key] !== undefined) input[key] = options[key];
  const parsed = StagesSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    let value: unknown = input;
    for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    const last = String(path[path.length - 1] ?? '');
    const reason = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message.startsWith(`${last} `) ? issue.message.slice(last.length + 1) : issue.message;
    throw new ConfigError(['options', ...path.map(String)].join('.'), value, reason);
  }
  const o = parsed.data;
  return {
    atLevelChange: o.checkpoints?.atLevelChange ?? false,
    everySteps: o.checkpoints?.everySteps ?? 0,
    stopBefore: o.stopBefore,
    levels: { min: o.levels?.min ?? 0, max: o.levels?.max ?? Number.POSITIVE_INFINITY },
  };
}

function isAbortSignal(v: unknown): v is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) return true;
  const s = v as { aborted?: unknown; addEventListener?: unknown } | null;
  return s !== null && typeof s === 'object' && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function';
}

/**
 * Checks `stopBefore` against the run: a step it would never reach is an error, not a run that
 * silently goes to the end: past the last step (`steps`), or behind the step a resumed run
 * starts at.
 *
 * @throws ConfigError naming `options.stopBefore` and the value.
 */
export function checkStopBefore(stages: RunStages, steps: number, resumedAt?: number): void {
  const at = stages.stopBefore;
  if (at === undefined) return;
  if (at > steps) throw new ConfigError('options.stopBefore', at, `must be <= steps (${steps}): the run has steps 0..${steps - 1}`);
  if (resumedAt !== undefined && at < resumedAt) throw new ConfigError('options.stopBefore', at, `must be >= ${resumedAt}: the resumed run starts at step ${resumedAt}`);
}
