/**
 * The text `compare` prints: the table of policies, the noise band, each policy's difference
 * from full resolution in multiples of the band, and a warning for every difference the
 * measurement cannot resolve. Pure formatting of already computed rows (testable without runs).
 */
import type { BandCheck, NoiseBand, SwdDrawSummary } from '@upshift/metrics';
import { SWD_REPORT_SCALE } from '@upshift/metrics';
import { formatTable } from './text-table.js';

/** One set's numbers as `compare` reports them. */
export interface CompareRow {
  readonly label: string;
  readonly policy: string;
  readonly policyOptions?: Record<string, unknown>;
  /** The run's seed (the noise-band row has its own). */
  readonly seed: number;
  /** `'policy'`: same seeds as full resolution; `'noise-band'`: the disjoint full-resolution set. */
  readonly role: 'policy' | 'noise-band';
  /** Run-length levels per step, e.g. "3x6 2x2 1x3 0x9". */
  readonly levels: string;
  readonly plannedFlopFraction: number;
  readonly measuredFlopFraction: number;
  /** Sampling time / the full-resolution run's: the median over the timing rounds. */
  readonly timeRatio: number;
  /** Lowest and highest per-round ratio, with two or more timing rounds. */
  readonly timeRatioRange?: readonly [number, number];
  /** Sampling ms of each timing round (absent for a set reused from the cache). */
  readonly samplingMsRounds?: readonly number[];
  readonly samplingMs: number;
  /** Paired with the same-seed full-resolution image (absent for the noise-band row). */
  readonly psnr?: number;
  readonly ssim?: number;
  /** SWD x1e3 per pyramid level (finest first) against the full-resolution set. */
  readonly swdVsFull: readonly number[];
  /** SWD against the held-out reference draws (raw distances; x1e3 when printed), when available. */
  readonly swdVsData?: SwdDrawSummary;
  /** Against the noise band: the difference of SWD vs data from full resolution, per level. */
  readonly vsFull?: readonly BandCheck[];
  /** Whether the set was reused from `--cache-dir`. */
  readonly cached: boolean;
}

/** Run-length form of a level list: [3,3,2,0,0] -> "3x2 2x1 0x2". */
export function runLengthLevels(levels: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < levels.length; ) {
    let j = i;
    while (j < levels.length && levels[j] === levels[i]) j++;
    parts.push(`${levels[i]}x${j - i}`);
    i = j;
  }
  return parts.join(' ');
}

const fmt = (v: number | undefined, digits: number): string =>
  v === undefined ? '-' : Number.isFinite(v) ? v.toFixed(digits) : v > 0 ? 'inf' : String(v);
const scaled = (v: number): number => v * SWD_REPORT_SCALE;
const joinLevels = (values: readonly number[], digits: number): string => values.map((v) => v.toFixed(digits)).join(' / ');
const signed = (v: number, digits: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

/** What the header line says about the run and the reference. */
export interface CompareHeader {
  readonly images: number;
  readonly height: number;
  readonly width: number;
  readonly steps: number;
  readonly sampler: string;
  readonly guidance: number;
  readonly backend: string;
  /** Threads the model calls ran on (1 = the main thread; N = a pool of N workers). */
  readonly workers?: number;
  /** "64/32/16". */
  readonly swdSides: string;
  readonly reference?: { readonly file: string; readonly draws: number; readonly perDraw: number; readonly seed: number; readonly poolSize: number };
}

/** The report: header, table, noise band, differences and warnings. */
export function formatCompareReport(header: CompareHeader, rows: readonly CompareRow[], band: NoiseBand | undefined, warnings: readonly string[]): string {
  const hasData = rows.some((r) => r.swdVsData !== undefined);
  const s = header.swdSides;
  const table = formatTable(
    ['policy', 'levels', 'FLOPs plan', 'FLOPs meas', 'time', 'PSNR dB', 'SSIM', `SWD vs full ${s}`, ...(hasData ? [`SWD vs data ${s}`, 'draw std'] : [])],
    rows.map((r) => [
      r.cached ? `${r.label}*` : r.label,
      r.levels,
      fmt(r.plannedFlopFraction, 3),
      fmt(r.measuredFlopFraction, 3),
      r.timeRatioRange ? `${fmt(r.timeRatio, 3)} (${fmt(r.timeRatioRange[0], 3)}-${fmt(r.timeRatioRange[1], 3)})` : fmt(r.timeRatio, 3),
      fmt(r.psnr, 2),
      fmt(r.ssim, 3),
      joinLevels(r.swdVsFull, 1),
      ...(hasData
        ? r.swdVsData
          ? [joinLevels(r.swdVsData.levels.map((l) => scaled(l.mean)), 1), joinLevels(r.swdVsData.levels.map((l) => scaled(l.std)), 1)]
          : ['-', '-']
        : []),
    ]),
  );
  const lines: string[] = [];
  lines.push(
    `compare: ${header.images} images ${header.height}x${header.width}, ${header.steps} ${header.sampler} steps, guidance ${header.guidance}, backend ${header.backend}${(header.workers ?? 1) > 1 ? ` (${header.workers} worker threads)` : ''}`,
  );
  lines.push(
    '  FLOPs = fraction of the full-resolution run (plan / measured); time = sampling wall time / the "none" run\'s; PSNR, SSIM paired with the same-seed "none" image',
  );
  const rounds = Math.max(0, ...rows.map((r) => r.samplingMsRounds?.length ?? 0));
  lines.push(
    rounds > 1
      ? `  time: after a warm-up of every level; median of ${rounds} interleaved rounds (lowest-highest)`
      : '  time: one round, after a warm-up of every level (--timing-repeats N for the median and spread of N rounds)',
  );
  lines.push(
    `  SWD x1e3 at ${s} px${
      header.reference
        ? `; vs data = mean over ${header.reference.draws} class-matched draws of ${header.reference.perDraw} held-out images (of ${header.reference.poolSize}, seed ${header.reference.seed}), draw std = spread over the draws`
        : ''
    }`,
  );
  if (rows.some((r) => r.cached)) lines.push('  (sets marked * were reused from --cache-dir: their time ratios come from other processes)');
  lines.push(table.trimEnd());
  if (band) {
    lines.push(
      `noise band of SWD vs data: ${joinLevels(band.levels.map((l) => scaled(l.width)), 1)} (${band.levels.map((l) => `${(100 * l.relative).toFixed(1)} %`).join(' / ')}; spread over ${band.sets} disjoint full-resolution sets)`,
    );
    const checked = rows.filter((r) => r.vsFull !== undefined);
    if (checked.length > 0) {
      lines.push('difference from full resolution in SWD vs data (multiples of the noise band):');
      const width = Math.max(...checked.map((r) => r.label.length));
      for (const r of checked) {
        lines.push(`  ${r.label.padEnd(width)}  ${r.vsFull!.map((c) => `${signed(scaled(c.difference), 1)} (${Number.isFinite(c.ratio) ? c.ratio.toFixed(1) : 'inf'}x)`).join(' / ')}`);
      }
    }
  }
  for (const w of warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Warnings for differences the measurement cannot resolve: a policy whose SWD vs data differs
 * from full resolution by no more than the noise band; and a comparison without a band. (SWD
 * vs full has no such check: a policy's set shares its seeds with the full-resolution set, so
 * it sits closer to it than any disjoint set would.)
 */
export function compareWarnings(rows: readonly CompareRow[], band: NoiseBand | undefined, images: number): string[] {
  const warnings: string[] = [];
  const noise = rows.find((r) => r.role === 'noise-band');
  const policies = rows.filter((r) => r.role === 'policy' && !(r.policy === 'none' && r.policyOptions === undefined));
  const hasData = rows.some((r) => r.swdVsData !== undefined);
  if (!noise) warnings.push('no noise band (--no-noise-band): the differences below are not checked against the metric\'s own noise');
  else if (!hasData) warnings.push('no held-out data (--held-out): SWD vs data and its noise band are not measured');
  for (const r of policies) {
    const unresolved = (r.vsFull ?? []).filter((c) => !c.resolved);
    if (band && unresolved.length > 0) {
      warnings.push(
        `${r.label}: SWD vs data differs from full resolution by ${unresolved.map((c) => `${signed(scaled(c.difference), 1)} at ${c.side} px (band ${scaled(c.band).toFixed(1)})`).join(', ')}: inside the noise band, not resolved with ${images} images`,
      );
    }
  }
  return warnings;
}
