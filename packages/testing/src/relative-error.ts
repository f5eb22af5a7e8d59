/**
 * Relative L2 error `||actual - expected|| / ||expected||`, the measure backend numerics are
 * held to. Any NaN or infinity (or a length mismatch) gives `Infinity` so it always fails a bound.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(e)) return Infinity;
    diff += (a - e) * (a - e);
    norm += e * e;
  }
  if (norm === 0) return diff === 0 ? 0 : Infinity;
  return Math.sqrt(diff / norm);
}
