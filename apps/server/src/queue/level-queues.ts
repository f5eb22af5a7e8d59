/**
 * Stage routing by queue: a run waits on the queue of the level its next step runs at
 * (`<prefix>-level-<k>`), and a worker consumes the queues of the levels it declares
 * (`--levels 1-3`, `--levels 0`). Levels above {@link MAX_ROUTED_LEVEL} share its queue.
 */
import { ConfigError } from '@upshift/core';

/** Deepest level with its own queue (the shipped model has levels 0-3). */
export const MAX_ROUTED_LEVEL = 3;

/** A closed range of levels a worker takes. */
export interface LevelRange {
  readonly min: number;
  readonly max: number;
}

/** Every level. */
export const ALL_LEVELS: LevelRange = Object.freeze({ min: 0, max: MAX_ROUTED_LEVEL });

/** The BullMQ queue name of a level. */
export function levelQueueName(prefix: string, level: number): string {
  return `${prefix}-level-${Math.min(Math.max(0, level), MAX_ROUTED_LEVEL)}`;
}

/** Parses `"1-3"`, `"0"` or `"all"`. */
export function parseLevelRange(flag: string, text: string): LevelRange {
  const t = text.trim().toLowerCase();
  if (t === 'all') return ALL_LEVELS;
  const m = /^(\d+)(?:-(\d+))?$/.exec(t);
  if (!m) throw new ConfigError(flag, text, 'must be a level ("0"), a range ("1-3") or "all"');
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < min) throw new ConfigError(flag, text, 'the range must go from low to high');
  if (max > MAX_ROUTED_LEVEL) throw new ConfigError(flag, text, `levels go from 0 to ${MAX_ROUTED_LEVEL}`);
  return { min, max };
}

/** Whether a range takes a level (levels above the deepest routed one count as it). */
export function takesLevel(range: LevelRange, level: number): boolean {
  const l = Math.min(level, MAX_ROUTED_LEVEL);
  return l >= range.min && l <= range.max;
}
