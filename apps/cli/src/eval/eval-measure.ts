/**
 * Measures every sampled set of an evaluation with `@upshift/metrics`: FLOP fraction (planned,
 * and measured against the paired full-resolution run), paired PSNR / SSIM against the
 * same-seed full-resolution images, SWD (x1e3, per pyramid level) against class-matched
 * held-out draws, band-power ratios against the paired run (with standard errors), the radially
 * averaged spectrum, and the noise bands (SWD and band power between two disjoint
 * full-resolution sets). Everything here is a deterministic function of the images, so a
 * resumed evaluation measures exactly what an uninterrupted one does; wall times are kept
 * apart (`timing`).
 */
import type { ImageBatch, NoiseBand, SwdDrawSummary } from '@upshift/metrics';
import { checkAgainstNoiseBand, levelBandEdges, noiseBand, psnr, radialPowerSpectrum, ssim, swdOverDraws, SWD_REPORT_SCALE } from '@upshift/metrics';
import { runLengthLevels } from '../compare-report.js';
import type { RunRecord } from '../run-with-progress.js';
import { bandRatio, perImageBandEnergies } from './band-ratio.js';
import type { BandRatio } from './band-ratio.js';
import type { SetOutcome } from './eval-sampling.js';
import type { EvalSet } from './eval-sets.js';

/** Coarsest level the bands are split for (64 px: bands up to 1/8, 1/8-1/4, above 1/4 cycles per pixel). */
export const BAND_LEVELS = 2;

/** SWD of one level against the data (x1e3). */
export interface SwdLevelValue {
  readonly side: number;
  readonly mean: number;
  readonly std: number;
}

/** Theory of an analytic set (band ratios relative to the paired full-resolution run). */
export interface TheoryBands {
  readonly ratio: readonly number[];
  readonly process: string;
  readonly operator: string;
  readonly resizer: string;
}

/** The measurements of one set (JSON-ready: plain numbers, no Infinity / NaN). */
export interface SetMeasurement {
  readonly id: string;
  readonly part: string;
  readonly role: string;
  readonly label: string;
  readonly policy: string;
  readonly policyOptions?: Record<string, unknown>;
  readonly sampler?: string;
  readonly resizer?: string;
  readonly status: 'measured' | 'missing' | 'error';
  readonly error?: string;
  readonly images?: number;
  readonly seed?: number;
  /** Run-length levels (`2x8 1x4 0x8`) and the plan's level and full-resolution sigma per step. */
  readonly levels?: string;
  readonly plan?: { readonly levels: readonly number[]; readonly sigmas: readonly number[] };
  readonly flopFraction?: { readonly planned: number; readonly measured: number };
  readonly modelCalls?: number;
  /** Paired with the same-seed full-resolution run (null: identical images). */
  readonly psnr?: number | null;
  readonly ssim?: number;
  readonly swdVsData?: readonly SwdLevelValue[];
  /** Difference from the paired full-resolution set's SWD vs data, per level, in multiples of the noise band. */
  readonly swdVsFullInBands?: readonly number[];
  /** Band energy / the paired (or reference) run's, per band, with standard errors. */
  readonly bandRatio?: BandRatio;
  readonly spectrum?: { readonly frequencies: readonly number[]; readonly power: readonly number[] };
  readonly theory?: TheoryBands;
}

/** Gives the theory of an analytic set from its plan (see `@upshift/testing` `predictIidBandPowers`). */
export type TheoryProvider = (set: EvalSet, plan: { readonly levels: readonly number[]; readonly sigmas: readonly number[] }, side: number, edges: readonly number[]) => TheoryBands | undefined;

/** Inputs of {@link measureSets}. */
export interface MeasureInput {
  readonly sets: readonly EvalSet[];
  readonly outcomes: ReadonlyMap<string, SetOutcome>;
  /** Class-matched held-out draws per image count (none: no SWD vs data). */
  readonly draws?: (images: number) => readonly ImageBatch[] | undefined;
  readonly theory?: TheoryProvider;
  /** Keeps SWD-vs-data summaries between reports (SWD is the slow metric: seconds per set). */
  readonly swdMemo?: SwdMemo;
}

/** A store of SWD summaries by set id (the store keys them by the set's run and the draws). */
export interface SwdMemo {
  get(set: EvalSet): SwdDrawSummary | undefined;
  set(set: EvalSet, summary: SwdDrawSummary): void;
}

/** Noise bands of one part. */
export interface PartBands {
  /** SWD vs data between the two full-resolution sets, x1e3 per level (width, relative). */
  readonly swd?: readonly { readonly side: number; readonly width: number; readonly relative: number; readonly values: readonly number[] }[];
  /** Band-power ratio of the second full-resolution set to the first (how much band power moves between seeds). */
  readonly bandRatio?: BandRatio;
  readonly images?: number;
}

/** Measurements of all sets, noise bands per part, and each set's sampling time (kept apart). */
export interface Measurements {
  readonly sets: SetMeasurement[];
  readonly bands: Record<string, PartBands>;
  readonly timing: Record<string, { readonly samplingMs: number; readonly timeRatio?: number; readonly cached: boolean }>;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function swdValues(s: SwdDrawSummary): SwdLevelValue[] {
  return s.levels.map((l) => ({ side: l.side, mean: l.mean * SWD_REPORT_SCALE, std: l.std * SWD_REPORT_SCALE }));
}

/** Measures every set. */
export function measureSets(input: MeasureInput): Measurements {
  const { sets, outcomes } = input;
  const edges = levelBandEdges(BAND_LEVELS);
  const record = (id: string | undefined): RunRecord | undefined => {
    const o = id === undefined ? undefined : outcomes.get(id);
    return o?.kind === 'done' ? o.record : undefined;
  };
  const energies = new Map<string, number[][]>();
  const energyOf = (id: string, r: RunRecord): number[][] => {
    let e = energies.get(id);
    if (!e) energies.set(id, (e = perImageBandEnergies(r.done.image, edges)));
    return e;
  };
  const vsData = new Map<string, SwdDrawSummary>();
  const byId = new Map(sets.map((s) => [s.id, s]));
  const swdOf = (id: string, r: RunRecord): SwdDrawSummary | undefined => {
    if (vsData.has(id)) return vsData.get(id);
    const draws = input.draws?.(r.done.image.shape[0]);
    if (!draws) return undefined;
    const set = byId.get(id)!;
    let s = input.swdMemo?.get(set);
    if (!s) {
      s = swdOverDraws(r.done.image, draws, { minResolution: Math.min(16, r.done.image.shape[1]) });
      input.swdMemo?.set(set, s);
    }
    vsData.set(id, s);
    return s;
  };
  // Noise bands per part: reference vs noise-band set.
  const bands: Record<string, PartBands> = {};
  const swdBands = new Map<string, NoiseBand>();
  for (const part of new Set(sets.map((s) => s.part))) {
    const band = sets.find((s) => s.part === part && s.role === 'noise-band');
    const first = band && sets.find((s) => s.part === part && s.role === 'reference' && (s.sampler ?? '') === (band.sampler ?? ''));
    const a = record(first?.id);
    const b = record(band?.id);
    if (!first || !band || !a || !b) continue;
    const sa = swdOf(first.id, a);
    const sb = swdOf(band.id, b);
    const nb = sa && sb ? noiseBand([sa, sb]) : undefined;
    if (nb) swdBands.set(part, nb);
    bands[part] = {
      images: a.done.image.shape[0],
      ...(nb ? { swd: nb.levels.map((l) => ({ side: l.side, width: l.width * SWD_REPORT_SCALE, relative: l.relative, values: l.values.map((v) => v * SWD_REPORT_SCALE) })) } : {}),
      bandRatio: bandRatio(energyOf(band.id, b), energyOf(first.id, a)),
    };
  }
  const timing: Measurements['timing'] = {};
  const measured = sets.map((set): SetMeasurement => {
    const head = {
      id: set.id,
      part: set.part,
      role: set.role,
      label: set.label,
      policy: set.policy.policy,
      ...(set.policy.policyOptions ? { policyOptions: set.policy.policyOptions } : {}),
      ...(set.sampler ? { sampler: set.sampler } : {}),
      ...(set.resizer ? { resizer: set.resizer } : {}),
    };
    const o = outcomes.get(set.id);
    if (!o || o.kind === 'missing') return { ...head, status: 'missing' };
    if (o.kind === 'error') return { ...head, status: 'error', error: o.error };
    const r = o.record;
    const img = r.done.image;
    const pairedId = set.pairedWith ?? (set.role === 'noise-band' ? sets.find((s) => s.part === set.part && s.role === 'reference' && (s.sampler ?? '') === (set.sampler ?? ''))?.id : undefined);
    const paired = record(pairedId);
    const stats = r.done.stats;
    const plan = { levels: r.start.plan.steps.map((s) => s.level), sigmas: [...r.start.plan.steps.map((s) => s.sigma), 0] };
    const data = swdOf(set.id, r);
    const fullData = paired && pairedId ? swdOf(pairedId, paired) : undefined;
    const band = swdBands.get(set.part);
    timing[set.id] = { samplingMs: stats.ms, ...(paired ? { timeRatio: stats.ms / paired.done.stats.ms } : {}), cached: o.cached };
    const spectrum = radialPowerSpectrum(img);
    const theory = set.part === 'analytic' && input.theory && set.role === 'cell' ? input.theory(set, plan, img.shape[1], edges) : undefined;
    return {
      ...head,
      status: 'measured',
      images: img.shape[0],
      seed: Number(set.config['seed']),
      levels: runLengthLevels(stats.levels),
      plan,
      flopFraction: { planned: r.start.plan.flopFraction, measured: paired && set.pairedWith ? stats.flops / paired.done.stats.flops : stats.flopFraction },
      modelCalls: stats.modelCalls,
      ...(paired && set.pairedWith ? { psnr: finite(psnr(img, paired.done.image).mean), ssim: ssim(img, paired.done.image).mean } : {}),
      ...(data ? { swdVsData: swdValues(data) } : {}),
      ...(data && fullData && band && set.pairedWith
        ? { swdVsFullInBands: checkAgainstNoiseBand(data, fullData, band).map((c) => (Number.isFinite(c.ratio) ? Math.sign(c.difference) * c.ratio : 0)) }
        : {}),
      ...(paired && pairedId && pairedId !== set.id ? { bandRatio: bandRatio(energyOf(set.id, r), energyOf(pairedId, paired)) } : {}),
      spectrum: { frequencies: spectrum.frequencies, power: spectrum.power },
      ...(theory ? { theory } : {}),
    };
  });
  return { sets: measured, bands, timing };
}
