/**
 * `docs/RESULTS.md`, generated from the evaluation's measurements: how it was made and what
 * each number rests on, a short reading computed from the numbers (so it stays true when the
 * page is regenerated), the policy table with the noise band, the figures, the compatibility
 * matrix with its verdicts and the analytic check against theory.
 */
import { SWD_REPORT_SCALE } from '@upshift/metrics';
import type { Measurements, SetMeasurement } from './eval-measure.js';
import type { CellVerdict } from './matrix-verdicts.js';
import { THEORY_TOLERANCE } from './matrix-verdicts.js';

/** What the page needs besides the measurements. */
export interface ResultsContext {
  readonly command: string;
  readonly model: string;
  readonly backend: string;
  readonly sampling: string;
  readonly heldOut?: { readonly file: string; readonly draws: number; readonly seed: number; readonly poolSize: number };
  readonly analytic: { readonly images: number; readonly side: number; readonly std: number };
  /** Figure files relative to the page. */
  readonly figures: Readonly<Record<string, string>>;
  readonly json: string;
  readonly verdicts: ReadonlyMap<string, CellVerdict>;
  readonly modelOperator?: string;
}

const f = (v: number | null | undefined, d = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
const db = (s: SetMeasurement): string => (s.psnr === undefined ? '-' : s.psnr === null ? 'identical' : `${s.psnr.toFixed(1)} dB`);
const swd = (s: SetMeasurement): string => (s.swdVsData ? s.swdVsData.map((l) => l.mean.toFixed(1)).join(' / ') : '-');
const bands = (s: SetMeasurement): string => (s.bandRatio ? s.bandRatio.ratio.map((r, i) => `${r.toFixed(3)}±${(s.bandRatio!.se[i] ?? 0).toFixed(3)}`).join(' / ') : '-');
const inBands = (s: SetMeasurement): string => (s.swdVsFullInBands ? s.swdVsFullInBands.map((r) => `${r >= 0 ? '+' : ''}${r.toFixed(1)}`).join(' / ') : '-');

/**
 * How many noise bands a difference must exceed to be read as resolved. The band is a single
 * difference between two full-resolution sets, so it is itself a rough estimate (another pair of
 * seeds could give half or twice it): 1 band is not evidence, 3 bands is.
 */
export const RESOLVED_BANDS = 3;

/** A policy's SWD difference from full resolution, read against the band. */
export type BandReading = 'within' | 'unresolved' | 'loss';

/** within: at most 1 band worse at every level; unresolved: at most {@link RESOLVED_BANDS}; loss: more at some level. */
export function bandReading(s: SetMeasurement): BandReading | undefined {
  if (!s.swdVsFullInBands || s.swdVsFullInBands.length === 0) return undefined;
  const worst = Math.max(...s.swdVsFullInBands);
  return worst <= 1 ? 'within' : worst <= RESOLVED_BANDS ? 'unresolved' : 'loss';
}

/** Worst level of a policy: its largest difference in bands, with the level's side. */
function worstLevel(s: SetMeasurement, sides: readonly number[]): string {
  const v = s.swdVsFullInBands ?? [];
  const i = v.indexOf(Math.max(...v));
  return `${v[i]! >= 0 ? '+' : ''}${v[i]!.toFixed(1)} bands at ${sides[i] ?? '?'} px`;
}

/**
 * Whether `a` dominates `b`: no more FLOPs, no lower paired PSNR, and lower SWD by more than a
 * band at every level where either is more than a band worse than full resolution (and at least
 * one such level).
 */
export function dominates(a: SetMeasurement, b: SetMeasurement): boolean {
  const fa = a.flopFraction?.measured;
  const fb = b.flopFraction?.measured;
  const va = a.swdVsFullInBands;
  const vb = b.swdVsFullInBands;
  if (fa === undefined || fb === undefined || !va || !vb || fa > fb) return false;
  if (typeof a.psnr === 'number' && typeof b.psnr === 'number' && a.psnr < b.psnr) return false;
  const levels = va.flatMap((x, i) => (x > 1 || (vb[i] ?? 0) > 1 ? [i] : []));
  return levels.length > 0 && levels.every((i) => (vb[i] ?? 0) - (va[i] ?? 0) > 1);
}

/** The generated reading of the policy table. */
export function policyReading(m: Measurements): string[] {
  const rows = m.sets.filter((s) => s.part === 'policies' && s.status === 'measured' && s.role === 'policy');
  const full = m.sets.find((s) => s.id === 'policies/none' && s.status === 'measured');
  if (!full || rows.length === 0) return ['Not measured yet: run `npm run eval`.'];
  const out: string[] = [];
  const n = full.images ?? 0;
  const band = m.bands['policies']?.swd;
  const sides = band?.map((l) => l.side) ?? [64, 32, 16];
  const flops = (s: SetMeasurement): number => s.flopFraction?.measured ?? 1;
  const byFlops = [...rows].sort((a, b) => flops(a) - flops(b));
  const named = (list: readonly SetMeasurement[], detail: (s: SetMeasurement) => string): string => list.map((s) => `${s.label} (${detail(s)})`).join(', ');
  if (band) {
    out.push(
      `- **Resolution of the measurement**: with ${n} images per set, SWD against held-out data moves by ${band.map((l) => `${l.width.toFixed(1)} (${(100 * l.relative).toFixed(0)} %)`).join(' / ')} at ${sides.join(' / ')} px between two full-resolution sets with different seeds: that is the noise band. It is one difference between two sets, so it is itself rough; below, a difference of up to ${RESOLVED_BANDS} bands is read as not resolved at this size, and a policy is "free" only in the sense that its SWD is within the band of full resolution's. More images per set (\`--images\`) narrow the band.`,
    );
  }
  const read = (r: BandReading) => byFlops.filter((s) => bandReading(s) === r);
  const within = read('within');
  const unresolved = read('unresolved');
  const losses = read('loss');
  const inBandsOf = (s: SetMeasurement) => `${f(flops(s), 2)} FLOPs, ${inBands(s)} bands`;
  out.push(within.length > 0 ? `- **Within the band at every level**: ${named(within, inBandsOf)}.` : '- **No policy is within the noise band** of full resolution at every SWD level.');
  if (unresolved.length > 0) out.push(`- **Worse by 1-${RESOLVED_BANDS} bands (not resolved at this size)**: ${named(unresolved, (s) => `${f(flops(s), 2)} FLOPs, ${worstLevel(s, sides)}`)}.`);
  const safe = byFlops.find((s) => bandReading(s) !== 'loss');
  if (losses.length > 0) {
    const cheaper = safe ? losses.filter((s) => flops(s) < flops(safe)) : losses;
    const dearer = safe ? losses.filter((s) => flops(s) >= flops(safe)) : [];
    const head = safe
      ? `- **Where savings stop being free**: the cheapest policy without a resolved loss is ${safe.label} at ${f(flops(safe))} of the FLOPs (${inBands(safe)} bands); every cheaper policy loses resolvably: `
      : `- **Where savings stop being free**: every policy loses resolvably (more than ${RESOLVED_BANDS} bands at some level): `;
    out.push(`${head}${named(cheaper, (s) => `${f(flops(s), 2)} FLOPs, ${inBands(s)} bands`)}.${dearer.length > 0 ? ` So do ${named(dearer, (s) => `${f(flops(s), 2)} FLOPs, ${inBands(s)} bands`)}, at more FLOPs.` : ''}`);
  }
  const dominated = rows.flatMap((b) => {
    const by = byFlops.filter((a) => a !== b && dominates(a, b));
    return by.length > 0 ? [`${b.label} by ${by.map((a) => a.label).join(' and ')}`] : [];
  });
  if (dominated.length > 0) out.push(`- **Dominated** (another policy costs no more FLOPs, has no lower paired PSNR, and has lower SWD at every level where either is more than a band worse than full resolution, by more than a band): ${dominated.join('; ')}.`);
  const half = rows.filter((s) => flops(s) >= 0.45 && flops(s) <= 0.6 && s.swdVsData);
  if (half.length > 1 && band) {
    const best = sides.slice(0, 2).map((side, i) => {
      const sorted = [...half].sort((a, b) => a.swdVsData![i]!.mean - b.swdVsData![i]!.mean);
      const [first, second] = [sorted[0]!, sorted[1]!];
      const gap = second.swdVsData![i]!.mean - first.swdVsData![i]!.mean;
      const behind = gap / band[i]!.width;
      return `at ${side} px ${first.label} (${first.swdVsData![i]!.mean.toFixed(1)}; next ${second.label}, ${behind.toFixed(1)} bands behind${behind > RESOLVED_BANDS ? '' : ': not resolved'})`;
    });
    out.push(`- **Best near half the FLOPs** (0.45-0.6): lowest SWD vs data ${best.join('; ')}.`);
  }
  const bestPsnr = [...rows].filter((s) => typeof s.psnr === 'number').sort((a, b) => (b.psnr as number) - (a.psnr as number))[0];
  if (bestPsnr) out.push(`- **Closest to its full-resolution twin**: ${bestPsnr.label}, ${db(bestPsnr)} paired PSNR, SSIM ${f(bestPsnr.ssim)}, at ${f(bestPsnr.flopFraction?.measured)} of the FLOPs.`);
  const last = sides.length - 1;
  const closer = rows.filter((s) => (s.swdVsFullInBands?.[last] ?? 0) < -1);
  if (band && closer.length > rows.length / 2) {
    out.push(`- **Coarse structure is not the loss**: at ${sides[last]} px, ${closer.length} of ${rows.length} policies are closer to the data than full resolution by more than a band; what they lose is the detail only the finer grids hold.`);
  }
  const lostTop = rows.filter((s) => s.bandRatio && s.bandRatio.ratio.at(-1)! < 1 - 2 * (s.bandRatio.se.at(-1) ?? 0));
  if (lostTop.length > 0) {
    out.push(`- **Fine detail**: ${lostTop.map((s) => `${s.label} keeps ${(100 * s.bandRatio!.ratio.at(-1)!).toFixed(0)} %`).join(', ')} of full resolution's power above 1/4 cycle per pixel (what only the 64 px grid holds; 2 standard errors resolved).`);
  }
  const seed = rows.find((s) => s.policy === 'fixed' && s.policyOptions === undefined);
  const seedT = rows.find((s) => s.policy === 'fixed' && s.policyOptions?.['t'] !== undefined);
  const verdict = { within: ' — within the band', unresolved: ' — not resolved from full resolution at this size', loss: ' — a resolved loss' } as const;
  if (seed) {
    out.push(
      `- **The seed's rule** ("1/4 side while t > 0.7" on the cosine schedule, i.e. sigma > 2: \`fixed\`): ${f(seed.flopFraction?.measured)} of the FLOPs, paired PSNR ${db(seed)}, SWD vs full in bands ${inBands(seed)}${verdict[bandReading(seed) ?? 'loss']}.` +
        (seedT ? ` Read naively as t = 0.7 of the Karras grid (\`fixed {"t":0.7}\`, sigma ~12) it only coarsens the first steps: ${f(seedT.flopFraction?.measured)} of the FLOPs, ${db(seedT)}, SWD vs full in bands ${inBands(seedT)}${verdict[bandReading(seedT) ?? 'loss']}. A threshold in t means different noise on different schedules; Upshift's policies take sigma or logSNR.` : ''),
    );
  }
  return out;
}

function policyTable(m: Measurements): string[] {
  const rows = m.sets.filter((s) => s.part === 'policies');
  const head = '| policy | levels per step | FLOPs plan / measured | wall time vs full | paired PSNR | SSIM | SWD vs data 64 / 32 / 16 (x1e3) | vs full, in noise bands | band power vs full (<1/8, 1/8-1/4, >1/4 cyc/px) |';
  const lines = [head, '|---|---|---|---|---|---|---|---|---|'];
  for (const s of rows) {
    if (s.status !== 'measured') {
      lines.push(`| ${s.label} | ${s.status === 'error' ? `fails: ${s.error}` : 'not measured yet'} | | | | | | | |`);
      continue;
    }
    const t = m.timing[s.id];
    lines.push(
      `| ${s.role === 'noise-band' ? `${s.label} (noise band)` : s.label} | ${s.levels} | ${f(s.flopFraction?.planned)} / ${f(s.flopFraction?.measured)} | ${s.role === 'noise-band' ? '-' : f(t?.timeRatio, 2)} | ${db(s)} | ${f(s.ssim)} | ${swd(s)} | ${inBands(s)} | ${s.role === 'noise-band' ? bands({ ...s, bandRatio: m.bands['policies']?.bandRatio }) : bands(s)} |`,
    );
  }
  return lines;
}

function matrixTables(m: Measurements, verdicts: ReadonlyMap<string, CellVerdict>, part: 'matrix' | 'analytic'): string[] {
  const cells = m.sets.filter((s) => s.part === part && s.role === 'cell');
  if (cells.length === 0) return ['Not part of this evaluation.'];
  const resizers = [...new Set(cells.map((c) => c.resizer!))];
  const samplers = [...new Set(cells.map((c) => c.sampler!))];
  const plans = [...new Set(cells.map((c) => c.policy))];
  const out: string[] = [];
  for (const plan of plans) {
    out.push(
      '',
      `**${plan}** plan — ${part === 'matrix' ? 'paired PSNR vs the same sampler at full resolution / SWD 64 px vs data (x1e3; in brackets the difference from the same sampler at full resolution, in noise bands) / verdict' : 'band power vs the same sampler at full resolution, measured (theory), bands <1/8 / 1/8-1/4 / >1/4 cyc/px, and the verdict'}:`,
      '',
    );
    out.push(`| sampler${part === 'matrix' ? ' (SWD 64 px at full resolution)' : ''} | ${resizers.join(' | ')} |`, `|---|${resizers.map(() => '---').join('|')}|`);
    for (const sampler of samplers) {
      const full = m.sets.find((x) => x.part === part && x.role === 'reference' && x.sampler === sampler);
      const rowLabel = part === 'matrix' ? `${sampler} (${full?.status === 'measured' && full.swdVsData?.[0] ? full.swdVsData[0].mean.toFixed(1) : 'not measured'})` : sampler;
      const row = resizers.map((r) => {
        const c = cells.find((x) => x.sampler === sampler && x.resizer === r && x.policy === plan);
        if (!c) return '';
        const v = verdicts.get(c.id);
        if (c.status !== 'measured') return v?.status ?? c.status;
        const d = c.swdVsFullInBands?.[0];
        if (part === 'matrix') return `${db(c)} / ${c.swdVsData?.[0] ? c.swdVsData[0].mean.toFixed(1) : '-'}${d === undefined ? '' : ` (${d >= 0 ? '+' : ''}${d.toFixed(1)})`} / **${v?.status ?? ''}**`;
        const th = c.theory?.ratio ?? [];
        return `${(c.bandRatio?.ratio ?? []).map((r, i) => `${r.toFixed(2)} (${f(th[i], 2)})`).join(' / ')} **${v?.status ?? ''}**`;
      });
      out.push(`| ${rowLabel} | ${row.join(' | ')} |`);
    }
  }
  const notes = cells.filter((c) => (verdicts.get(c.id)?.reasons.length ?? 0) > 0);
  if (notes.length > 0) {
    out.push('', 'Why (cells with a caveat):', '');
    const byReason = new Map<string, string[]>();
    for (const c of notes) for (const r of verdicts.get(c.id)!.reasons) byReason.set(r.replace(/-?\d+(\.\d+)?/g, '#'), [...(byReason.get(r.replace(/-?\d+(\.\d+)?/g, '#')) ?? []), `${c.label}: ${r}`]);
    for (const list of byReason.values()) {
      if (list.length > 3) out.push(`- ${list[0]} (and ${list.length - 1} more cells for the same reason)`);
      else for (const l of list) out.push(`- ${l}`);
    }
  }
  return out;
}

/**
 * The generated reading of the model's compatibility matrix: samplers whose full-resolution runs
 * give the same numbers (one update under two names), per sampler what the box-exact plans cost
 * against its own full-resolution run, and the verdicts counted.
 */
export function matrixReading(m: Measurements, verdicts: ReadonlyMap<string, CellVerdict>): string[] {
  const refs = m.sets.filter((s) => s.part === 'matrix' && s.role === 'reference' && s.status === 'measured' && s.swdVsData);
  const cells = m.sets.filter((s) => s.part === 'matrix' && s.role === 'cell');
  const measured = cells.filter((c) => c.status === 'measured' || c.status === 'error');
  if (measured.length === 0) return ['Not measured yet.'];
  const out: string[] = [];
  const key = (s: SetMeasurement) => JSON.stringify(s.swdVsData!.map((l) => l.mean));
  const same = refs.flatMap((r, i) => {
    const twin = refs.slice(0, i).find((o) => key(o) === key(r));
    return twin ? [`${r.sampler} = ${twin.sampler}`] : [];
  });
  if (same.length > 0) out.push(`- **The same numbers under two names** (their full-resolution runs measure identically): ${same.join(', ')} — one update at their default options.`);
  const band64 = m.bands['matrix']?.swd?.[0]?.width;
  const bestRef = [...refs].sort((a, b) => a.swdVsData![0]!.mean - b.swdVsData![0]!.mean)[0];
  if (band64 !== undefined && bestRef) {
    const further = refs.filter((r) => r.swdVsData![0]!.mean - bestRef.swdVsData![0]!.mean > RESOLVED_BANDS * band64 && !same.some((t) => t.startsWith(`${r.sampler} =`)));
    if (further.length > 0) {
      out.push(`- **Full resolution is not the same bar for every sampler**: at these settings ${further.map((r) => `${r.sampler} (${r.swdVsData![0]!.mean.toFixed(1)})`).join(', ')} ${further.length > 1 ? 'are' : 'is'} further from the data at 64 px than ${bestRef.sampler} (${bestRef.swdVsData![0]!.mean.toFixed(1)}) by more than ${RESOLVED_BANDS} bands; each cell is judged against its own sampler's full-resolution run.`);
    }
  }
  const boxes = measured.filter((c) => c.resizer === 'box-exact' && c.swdVsFullInBands);
  const perSampler = [...new Set(boxes.map((c) => c.sampler!))].map((sampler) => {
    const mine = boxes.filter((c) => c.sampler === sampler);
    const worst = Math.max(...mine.flatMap((c) => c.swdVsFullInBands!));
    return { sampler, worst, text: `${sampler} ${mine.map((c) => `${c.policy} ${inBands(c)}`).join(', ')}` };
  });
  const lossy = perSampler.filter((p) => p.worst > RESOLVED_BANDS);
  const fine = perSampler.filter((p) => p.worst <= RESOLVED_BANDS);
  if (perSampler.length > 0) {
    out.push(
      `- **What the plans cost per sampler** (box-exact; SWD vs the same sampler at full resolution, in bands at 64 / 32 / 16 px):${lossy.length > 0 ? ` a resolved loss for ${lossy.map((p) => p.text).join('; ')}.` : ''}${fine.length > 0 ? ` No resolved loss for ${fine.map((p) => p.text).join('; ')}.` : ''}`,
    );
  }
  if (band64 !== undefined) {
    // Each resizer against box-exact, cell by cell (same sampler and plan): SWD 64 px in bands.
    const vsBox = [...new Set(measured.map((c) => c.resizer!))].filter((r) => r !== 'box-exact').flatMap((resizer) => {
      const diffs = measured.flatMap((c) => {
        const box = measured.find((b) => b.resizer === 'box-exact' && b.sampler === c.sampler && b.policy === c.policy);
        return c.resizer === resizer && c.swdVsData?.[0] && box?.swdVsData?.[0] ? [(c.swdVsData[0].mean - box.swdVsData[0].mean) / band64] : [];
      });
      if (diffs.length === 0) return [];
      const lo = Math.min(...diffs);
      const hi = Math.max(...diffs);
      const sign = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
      return [`${resizer} ${sign(lo)} to ${sign(hi)} (${diffs.length} ${diffs.length === 1 ? 'cell' : 'cells'}${hi > RESOLVED_BANDS ? ', resolved: worse' : lo < -RESOLVED_BANDS ? ', resolved: better' : ', not resolved'})`];
    });
    if (vsBox.length > 0) out.push(`- **Resizers against box-exact** (SWD 64 px, same sampler and plan, in bands): ${vsBox.join('; ')}.`);
  }
  const count = (status: string) => measured.filter((c) => verdicts.get(c.id)?.status === status).length;
  out.push(`- **Verdicts** (${measured.length} of ${cells.length} cells measured): ${['ok', 'caution', 'unsafe', 'fails'].map((st) => `${count(st)} ${st}`).join(', ')}; why, below the tables.${cells.length > measured.length ? ` ${cells.length - measured.length === 1 ? 'The cell' : `The ${cells.length - measured.length} cells`} marked "not measured" ${cells.length - measured.length === 1 ? 'was' : 'were'} not sampled in this evaluation.` : ''}`);
  return out;
}

/** The whole page. */
export function resultsMarkdown(m: Measurements, ctx: ResultsContext): string {
  const policies = m.sets.filter((s) => s.part === 'policies');
  const n = policies.find((s) => s.status === 'measured')?.images;
  const matrixN = m.sets.find((s) => s.part === 'matrix' && s.status === 'measured')?.images;
  const counts = (part: string) => {
    const all = m.sets.filter((s) => s.part === part);
    return `${all.filter((s) => s.status === 'measured').length} of ${all.length} sets measured`;
  };
  const fig = (key: string, alt: string): string[] => (ctx.figures[key] ? ['', `![${alt}](${ctx.figures[key]})`, ''] : []);
  const mb = m.bands['matrix'];
  const lines = [
    '# Results: what upshifting costs and saves, measured',
    '',
    `Generated by \`${ctx.command}\` from the images it keeps in its cache (re-run it to refresh this page; it samples only what is missing). Everything below is measured on the model \`${ctx.model}\` on the **${ctx.backend}** backend; raw numbers: [${ctx.json}](${ctx.json}).`,
    '',
    `Sampling settings shared by every set: ${ctx.sampling}.`,
    '',
    '**What each number rests on**',
    '',
    `- Policy table: ${n ?? '-'} images per policy (one per class, the same seeds and labels for every policy), ${counts('policies')}; paired PSNR / SSIM are means over those images; SWD is against ${ctx.heldOut ? `${ctx.heldOut.draws} class-matched draws of held-out images from \`${ctx.heldOut.file}\` (${ctx.heldOut.poolSize} held-out images, draw seed ${ctx.heldOut.seed}), mean over the draws` : 'no held-out data (not measured)'}, normalised by the reference's statistics (@upshift/metrics). The noise band is the spread of that SWD between two disjoint full-resolution sets of the same size.`,
    `- Compatibility matrix: ${matrixN ?? '-'} images per cell, ${counts('matrix')}; each cell is paired with the same sampler's full-resolution run on the same seeds.${mb?.swd ? ` Its noise band (first sampler, ${mb.images} images): ${mb.swd.map((l) => `${l.width.toFixed(1)} at ${l.side} px`).join(', ')} (x1e3).` : ''}`,
    `- Analytic check: the exact denoiser of i.i.d. Gaussian data (std ${ctx.analytic.std}, ${ctx.analytic.side} x ${ctx.analytic.side} x 3, ${ctx.analytic.images} images per cell, @upshift/testing), ${counts('analytic')}; theory is the exact continuous-time answer (@upshift/testing \`predictIidBandPowers\`), tolerance ${THEORY_TOLERANCE.standardErrors} standard errors + ${THEORY_TOLERANCE.discretisation} for the samplers' discretisation.`,
    '- Wall-time ratios are measured in whatever process sampled each set (a resumed or chunked evaluation times sets in different processes, on a shared machine): read them as rough; FLOP fractions, PSNR, SSIM and SWD do not depend on load.',
    '',
    '## Reading',
    '',
    ...policyReading(m),
    '',
    '## Policies',
    '',
    ...policyTable(m),
    '',
    `SWD x1e3 (scale ${SWD_REPORT_SCALE}) at 64 / 32 / 16 px. "vs full, in noise bands": (policy - full resolution) / band width per level; above +1 is a resolved loss. Band power: total power of the set's images in each frequency band / the same-seed full-resolution images' (± standard error); the noise-band row gives the same ratio between two full-resolution sets with different seeds.`,
    ...fig('pareto', 'quality vs FLOP fraction'),
    ...fig('spectra', 'output spectra vs data'),
    ...fig('plans', 'plans'),
    ...fig('samples', 'same-seed samples'),
    '## Compatibility matrix (shipped model)',
    '',
    `Every sampler x resizer under the \`fixed\` (one switch from 1/4 side at sigma 2) and \`pyramid\` (1/4 side above sigma 6.3, 1/2 side above 2) plans. Verdicts: **ok**; **caution** (works, with the caveat listed below); **unsafe** (do not use); **fails** (refused or broke, with the error). A verdict is about the combination — a resizer or sampler that breaks the switch, measured against the same sampler and plan with box-exact — not about what the plan itself costs: an **ok** cell still loses what its plan loses against full resolution (the policy table: \`fixed\` and \`pyramid\` with Euler and box-exact are rows there).${ctx.modelOperator ? ` The model's coarse levels were trained on ${ctx.modelOperator}-pooled images.` : ''}`,
    '',
    ...matrixReading(m, ctx.verdicts),
    ...matrixTables(m, ctx.verdicts, 'matrix'),
    ...fig('matrix', 'compatibility matrix'),
    '## Analytic check (i.i.d. Gaussian data, exact denoiser)',
    '',
    "The same matrix where the answer is known: for each band, the power of the plan's samples relative to the same sampler's full-resolution samples, against exact theory (deterministic samplers follow the probability-flow ODE, stochastic ones the reverse SDE, which regenerates most of the detail a switch drops; bilinear up keeps no noise in the detail the coarse grid lacks).",
    ...matrixTables(m, ctx.verdicts, 'analytic'),
    ...fig('analytic', 'analytic cells vs theory'),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
