/**
 * The figures of the evaluation as Vega-Lite specifications (rendered by `figure-render.ts`):
 * quality against FLOP fraction per policy with the noise band shaded (the Pareto picture), the
 * output spectra against the data, each policy's plan (level per step over sigma), same-seed
 * sample grids, the compatibility matrix, and the analytic cells against theory.
 */
import type { TopLevelSpec } from 'vega-lite';
import { encodePng, imageOf } from '../png-image.js';
import type { RunRecord } from '../run-with-progress.js';
import type { Measurements, SetMeasurement } from './eval-measure.js';
import type { CellVerdict } from './matrix-verdicts.js';

const measured = (sets: readonly SetMeasurement[], part: string): SetMeasurement[] => sets.filter((s) => s.part === part && s.status === 'measured');

/** SWD (64 px) and paired PSNR against measured FLOP fraction, one point per policy, the SWD noise band shaded around full resolution. */
export function paretoSpec(m: Measurements): TopLevelSpec | undefined {
  const rows = measured(m.sets, 'policies').filter((s) => s.role !== 'noise-band');
  const full = rows.find((s) => s.role === 'reference');
  if (!full || rows.length < 2) return undefined;
  const band = m.bands['policies']?.swd?.[0];
  const points = rows.map((s) => ({
    policy: s.label,
    flops: s.flopFraction?.measured ?? 1,
    swd: s.swdVsData?.[0]?.mean ?? null,
    psnr: s.psnr ?? null,
  }));
  const side = full.swdVsData?.[0]?.side ?? 64;
  const fullSwd = full.swdVsData?.[0]?.mean;
  const x = { field: 'flops', type: 'quantitative', title: 'FLOP fraction of full resolution (measured)', scale: { domain: [0, 1.05] } } as const;
  const color = { field: 'policy', type: 'nominal', title: 'policy', legend: { orient: 'right', labelLimit: 400 } } as const;
  const swdPanel = {
    width: 360,
    height: 260,
    title: `SWD ${side} px vs held-out data (x1e3, lower is better)`,
    layer: [
      ...(band && fullSwd !== undefined
        ? [
            {
              data: { values: [{ lo: fullSwd - band.width, hi: fullSwd + band.width, x0: 0, x1: 1.05 }] },
              mark: { type: 'rect', color: '#999999', opacity: 0.25 },
              encoding: { x: { field: 'x0', type: 'quantitative', scale: { domain: [0, 1.05] } }, x2: { field: 'x1' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
            },
          ]
        : []),
      { data: { values: points.filter((p) => p.swd !== null) }, mark: { type: 'point', filled: true, size: 90 }, encoding: { x, y: { field: 'swd', type: 'quantitative', title: `SWD ${side} px x1e3`, scale: { zero: false } }, color, shape: { field: 'policy', type: 'nominal', legend: null } } },
    ],
  };
  const psnrPanel = {
    width: 360,
    height: 260,
    title: 'paired PSNR vs the same-seed full-resolution image (dB)',
    data: { values: points.filter((p) => p.psnr !== null) },
    mark: { type: 'point', filled: true, size: 90 },
    encoding: { x, y: { field: 'psnr', type: 'quantitative', title: 'PSNR dB', scale: { zero: false } }, color, shape: { field: 'policy', type: 'nominal', legend: null } },
  };
  return {
    title: { text: 'Quality vs compute per policy (grey: the noise band of SWD between two full-resolution sets)', anchor: 'start' },
    hconcat: [swdPanel, psnrPanel],
    resolve: { scale: { color: 'shared', shape: 'shared' } },
  } as unknown as TopLevelSpec;
}

/** Radially averaged output spectra per policy against the data's, absolute (log-log) and as a ratio to the data. */
export function spectraSpec(m: Measurements, data: { frequencies: readonly number[]; power: readonly number[] } | undefined): TopLevelSpec | undefined {
  const rows = measured(m.sets, 'policies').filter((s) => s.role !== 'noise-band' && s.spectrum);
  if (rows.length === 0) return undefined;
  const values: { policy: string; f: number; power: number; ratio: number | null }[] = [];
  const dataAt = (i: number): number | undefined => data?.power[i];
  for (const s of rows) {
    s.spectrum!.frequencies.forEach((f, i) => {
      if (f <= 0) return;
      const d = dataAt(i);
      values.push({ policy: s.label, f, power: s.spectrum!.power[i]!, ratio: d ? s.spectrum!.power[i]! / d : null });
    });
  }
  if (data) data.frequencies.forEach((f, i) => f > 0 && values.push({ policy: 'held-out data', f, power: data.power[i]!, ratio: 1 }));
  const x = { field: 'f', type: 'quantitative', title: 'frequency (cycles per pixel)', scale: { type: 'log' } } as const;
  const color = { field: 'policy', type: 'nominal', title: 'set', legend: { labelLimit: 400 } } as const;
  return {
    title: { text: 'Output spectra vs data (radially averaged power, orthonormal DFT)', anchor: 'start' },
    data: { values },
    hconcat: [
      { width: 340, height: 260, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'power', type: 'quantitative', title: 'power', scale: { type: 'log' } }, color } },
      ...(data
        ? [{ width: 340, height: 260, transform: [{ filter: 'datum.ratio !== null' }], mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'ratio', type: 'quantitative', title: 'power / data power', scale: { type: 'log' } }, color } }]
        : []),
    ],
  } as unknown as TopLevelSpec;
}

/** Each policy's plan: the image side per step over the step's full-resolution sigma (log scale, high noise left). */
export function plansSpec(m: Measurements): TopLevelSpec | undefined {
  const rows = measured(m.sets, 'policies').filter((s) => s.role !== 'noise-band' && s.plan);
  if (rows.length === 0) return undefined;
  const values = rows.flatMap((s) =>
    s.plan!.levels.map((level, i) => ({ policy: `${s.label} (${(s.flopFraction?.planned ?? 1).toFixed(2)})`, step: i, sigma: s.plan!.sigmas[i]!, level, side: `1/${2 ** level}` })),
  );
  return {
    title: { text: 'Plans: level per step over sigma (FLOP fraction in brackets)', anchor: 'start' },
    data: { values },
    facet: { row: { field: 'policy', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 11 } } },
    spec: {
      width: 420,
      height: 46,
      layer: [
        { mark: { type: 'line', interpolate: 'step-after', color: '#4c78a8' }, encoding: { x: { field: 'sigma', type: 'quantitative', title: 'sigma (full resolution)', scale: { type: 'log', reverse: true } }, y: { field: 'level', type: 'quantitative', title: 'level', scale: { domain: [0, 3] }, axis: { values: [0, 1, 2, 3], tickCount: 4 } } } },
        { mark: { type: 'point', filled: true, size: 18, color: '#4c78a8' }, encoding: { x: { field: 'sigma', type: 'quantitative' }, y: { field: 'level', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { x: 'shared' } },
  } as unknown as TopLevelSpec;
}

/** Same-seed sample grid: one row per set, one column per image, images as PNG data URIs. */
export function samplesSpec(rows: readonly { label: string; record: RunRecord }[], columns: number, cell = 64): TopLevelSpec | undefined {
  if (rows.length === 0) return undefined;
  const values = rows.flatMap((r) =>
    Array.from({ length: Math.min(columns, r.record.done.image.shape[0]) }, (_, i) => ({
      row: r.label,
      col: i,
      url: `data:image/png;base64,${encodePng(imageOf(r.record.done.image, i)).toString('base64')}`,
    })),
  );
  return {
    title: { text: 'Same seeds, one row per policy', anchor: 'start' },
    width: columns * (cell + 4),
    height: rows.length * (cell + 4),
    data: { values },
    mark: { type: 'image', width: cell, height: cell, smooth: false },
    encoding: {
      x: { field: 'col', type: 'ordinal', title: 'image (class)', axis: { labels: false, ticks: false, domain: false } },
      y: { field: 'row', type: 'nominal', title: null, sort: rows.map((r) => r.label), axis: { ticks: false, domain: false, labelFontSize: 11 } },
      url: { field: 'url', type: 'nominal' },
    },
  } as unknown as TopLevelSpec;
}

/** The compatibility matrix: sampler x resizer per plan, coloured by paired PSNR, marked with the verdict. */
export function matrixSpec(cells: readonly { cell: SetMeasurement; verdict: CellVerdict }[], title: string, value: 'psnr' | 'swd'): TopLevelSpec | undefined {
  const rows = cells.filter((c) => c.cell.status === 'measured' || c.cell.status === 'error');
  if (rows.length === 0) return undefined;
  const mark = { ok: '', caution: '!', unsafe: 'X', fails: 'fail', 'matches theory': '=', 'differs from theory': '≠', 'not measured': '?' } as const;
  const values = rows.map(({ cell, verdict }) => ({
    sampler: cell.sampler,
    resizer: cell.resizer,
    plan: cell.policy,
    value: value === 'psnr' ? (cell.psnr ?? null) : (cell.swdVsData?.[0]?.mean ?? null),
    text: `${value === 'psnr' ? (cell.psnr == null ? '-' : cell.psnr.toFixed(1)) : cell.swdVsData?.[0] ? cell.swdVsData[0].mean.toFixed(0) : '-'} ${mark[verdict.status]}`.trim(),
  }));
  return {
    title: { text: title, anchor: 'start' },
    data: { values },
    facet: { column: { field: 'plan', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 210,
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            x: { field: 'resizer', type: 'nominal', title: null, sort: ['box-exact', 'dct-exact', 'detail-prior', 'bilinear'], axis: { labelAngle: 0 } },
            y: { field: 'sampler', type: 'nominal', title: null },
            color: { field: 'value', type: 'quantitative', title: value === 'psnr' ? 'PSNR dB' : 'SWD x1e3', scale: { scheme: value === 'psnr' ? 'viridis' : 'viridis', reverse: value === 'swd' } },
          },
        },
        { mark: { type: 'text', fontSize: 11 }, encoding: { x: { field: 'resizer', type: 'nominal', sort: ['box-exact', 'dct-exact', 'detail-prior', 'bilinear'] }, y: { field: 'sampler', type: 'nominal' }, text: { field: 'text' }, color: { value: 'white' } } },
      ],
    },
  } as unknown as TopLevelSpec;
}

/** Analytic cells: measured band-power ratio against theory, one point per cell and band, with the identity line. */
export function analyticSpec(cells: readonly SetMeasurement[]): TopLevelSpec | undefined {
  const values = cells.flatMap((c) =>
    c.theory && c.bandRatio ? c.theory.ratio.map((t, b) => ({ theory: t, measured: c.bandRatio!.ratio[b]!, band: `band ${b}`, resizer: c.resizer, cell: c.label })) : [],
  );
  if (values.length === 0) return undefined;
  const lo = Math.min(...values.map((v) => Math.min(v.theory, v.measured)), 1);
  const hi = Math.max(...values.map((v) => Math.max(v.theory, v.measured)), 1);
  return {
    title: { text: 'Analytic Gaussian model: measured band power / full resolution vs exact theory', anchor: 'start' },
    width: 360,
    height: 360,
    layer: [
      { data: { values: [{ a: lo, b: lo }, { a: hi, b: hi }] }, mark: { type: 'line', color: '#888888', strokeDash: [4, 4] }, encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
        encoding: {
          x: { field: 'theory', type: 'quantitative', title: 'theory', scale: { domain: [lo, hi], type: 'log', nice: false } },
          y: { field: 'measured', type: 'quantitative', title: 'measured', scale: { domain: [lo, hi], type: 'log', nice: false } },
          color: { field: 'resizer', type: 'nominal' },
          shape: { field: 'band', type: 'nominal' },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
