/**
 * Which levels a run may use: level k has sides `R / 2^k`, which must be whole numbers, a
 * multiple of what the network takes (a UNet that pools n times needs multiples of 2^n), and a
 * level the model knows. A resolution the network cannot take even at level 0 is a
 * ConfigError naming `resolution`, raised before any weights load.
 */
import { ConfigError, maxLevelFor } from '@upshift/core';
import type { Resolution, ResolutionLevel } from '@upshift/core';

/** What the level limit depends on (from the model's description or the loaded denoiser). */
export interface LevelConstraints {
  /** Levels the model knows (0 .. numLevels - 1); undefined = any. */
  readonly numLevels?: number | undefined;
  /** Input sides must be multiples of this; undefined = 1. */
  readonly sideMultiple?: number | undefined;
}

/**
 * The deepest level a run at `resolution` may use under `constraints`, or a ConfigError on
 * `resolution` when not even level 0 fits the network. `model` names the model in the error.
 */
export function maxLevelOf(resolution: Resolution, constraints: LevelConstraints, model: string): ResolutionLevel {
  const m = constraints.sideMultiple ?? 1;
  const { height, width } = resolution;
  if (height % m !== 0 || width % m !== 0) {
    const suggestion = `${Math.max(m, Math.round(height / m) * m)}x${Math.max(m, Math.round(width / m) * m)}`;
    throw new ConfigError(
      'resolution',
      `${height}x${width}`,
      `height and width must be multiples of ${m} for model "${model}" (its network halves the image ${Math.log2(m)} times); e.g. ${suggestion}`,
    );
  }
  // Level k keeps sides that are multiples of m exactly when (side / m) is divisible by 2^k.
  const byShape = maxLevelFor({ height: height / m, width: width / m });
  return constraints.numLevels === undefined ? byShape : Math.min(constraints.numLevels - 1, byShape);
}
