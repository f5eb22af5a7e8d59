/** How the demo prints numbers: times, fractions, decibels, FLOPs. */

/** `"850 ms"` below a second, else `"12.3 s"`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A fraction with three significant decimals: `"0.523"`. */
export function formatFraction(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '—';
}

/** PSNR in dB; identical images give `"∞ dB"`. */
export function formatDb(db: number): string {
  if (db === Infinity) return '∞ dB';
  return Number.isFinite(db) ? `${db.toFixed(2)} dB` : '—';
}

/** FLOPs with an SI prefix: `"4.02 GFLOP"`. */
export function formatFlops(flops: number): string {
  if (!Number.isFinite(flops)) return '—';
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, prefix] of units) if (Math.abs(flops) >= scale) return `${(flops / scale).toFixed(2)} ${prefix}FLOP`;
  return `${flops} FLOP`;
}
