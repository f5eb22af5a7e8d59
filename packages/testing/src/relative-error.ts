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

/**
 * Relative error of the part of the output that is not a multiple of `input`:
 * `||actual - expected|| / ||expected - k input||` with `k = <expected, input> / <input, input>`.
 * A denoiser's skip connection (`c_skip * x`) is computed identically on every backend and can
 * dwarf the network's contribution (an undertrained model is almost all skip), so plain
 * relative error would hide a broken kernel; this measure is normalised by the network part.
 */
export function relativeErrorBeyond(actual: ArrayLike<number>, expected: ArrayLike<number>, input: ArrayLike<number>): number {
  if (actual.length !== expected.length || input.length !== expected.length) return Infinity;
  let ex = 0;
  let xx = 0;
  for (let i = 0; i < expected.length; i++) {
    ex += expected[i]! * input[i]!;
    xx += input[i]! * input[i]!;
  }
  const k = xx === 0 ? 0 : ex / xx;
  const residual = Array.from(expected, (e, i) => e - k * input[i]!);
  return relativeError(Array.from(actual, (a, i) => a - k * input[i]!), residual);
}
