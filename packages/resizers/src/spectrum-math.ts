/**
 * Reading a radially averaged power spectrum (core `PowerSpectrum`) at any frequency and side:
 * log-log interpolation between bins (exact for a power law), power-law extrapolation past
 * the last bin, and rescaling between grid sides.
 */
import type { PowerSpectrum, PowerSpectrumLevel } from '@upshift/core';

/** Power of `level` at radial frequency `f` (cycles per pixel of that level). */
export function radialPower(level: PowerSpectrumLevel, f: number): number {
  const fs = level.frequencies;
  const ps = level.power;
  const pts: [number, number][] = [];
  for (let i = 0; i < fs.length; i++) {
    const fi = fs[i] as number;
    const pi = ps[i] as number;
    if (fi > 0 && pi > 0) pts.push([Math.log(fi), Math.log(pi)]);
  }
  if (f <= 0) return (ps[0] as number) ?? 0;
  const first = pts[0];
  if (!first) return 0;
  const lf = Math.log(f);
  if (pts.length === 1 || lf <= first[0]) return Math.exp(first[1]);
  let j = 1;
  while (j < pts.length - 1 && (pts[j] as [number, number])[0] < lf) j++;
  const [x0, y0] = pts[j - 1] as [number, number];
  const [x1, y1] = pts[j] as [number, number];
  return Math.exp(y0 + ((y1 - y0) * (lf - x0)) / (x1 - x0));
}

/**
 * Power spectrum on a grid of `side` pixels, as a function of radial frequency in cycles per
 * pixel of that grid. Uses the level whose side matches; otherwise the level with the
 * nearest side, rescaled: a grid s/r of the same scene sees frequency f at f / r of the
 * finer grid, with power divided by r^2 (orthonormal DFT of an average-pooled image).
 */
export function spectrumForSide(spectrum: PowerSpectrum, side: number): (f: number) => number {
  let best = spectrum.levels[0] as PowerSpectrumLevel;
  for (const level of spectrum.levels) {
    if (Math.abs(Math.log(level.side / side)) < Math.abs(Math.log(best.side / side))) best = level;
  }
  const r = best.side / side;
  if (r === 1) return (f) => radialPower(best, f);
  return (f) => radialPower(best, f / r) / (r * r);
}
