/**
 * The work of an evaluation as a list of image sets, each one pipeline config (seed, labels,
 * sampler, resizer, policy) whose images are kept in the run cache: the policy table (every
 * policy on the same seeds, the full-resolution reference and a second, disjoint
 * full-resolution set for the noise band), the compatibility matrix (samplers x resizers x
 * plans, each paired with the same sampler's full-resolution run) and the same matrix on the
 * analytic Gaussian model, where theory gives the answer. Sets with the same config are one
 * set (the matrix's Euler / box-exact cells are the policy table's rows when the sizes match).
 */
import type { PolicySpec } from '../policy-list.js';
import type { EvalOptions, EvalPart } from './eval-options.js';
import { MATRIX_PLANS } from './eval-options.js';

/** The analytic model: the exact denoiser of i.i.d. Gaussian data (`@upshift/testing`). */
export const ANALYTIC_MODEL = 'gaussian';

/** What a set is for. */
export type EvalSetRole = 'reference' | 'noise-band' | 'policy' | 'cell';

/** One image set. */
export interface EvalSet {
  /** Stable id (`policies/pyramid`, `matrix/heun/dct-exact/fixed`, ...). */
  readonly id: string;
  readonly part: EvalPart;
  readonly role: EvalSetRole;
  /** Display label. */
  readonly label: string;
  /** The full pipeline config. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Id of the same-seed full-resolution set it is paired with (none for references and bands). */
  readonly pairedWith?: string;
  /** The policy (policy table) or plan (matrix). */
  readonly policy: PolicySpec;
  /** Sampler label (matrix). */
  readonly sampler?: string;
  /** Resizer name (matrix). */
  readonly resizer?: string;
}

/** A white power spectrum of `variance` per coefficient (the detail prior of i.i.d. data). */
export function whiteSpectrum(variance: number, side: number): Record<string, unknown> {
  return {
    source: 'iid-gaussian',
    downOperator: 'box',
    pixelVariance: variance,
    levels: [{ level: 0, side, frequencies: [0.05, 0.5], power: [variance, variance] }],
  };
}

function policyFields(spec: PolicySpec): Record<string, unknown> {
  return { policy: spec.policy, ...(spec.policyOptions ? { policyOptions: spec.policyOptions } : {}) };
}

function samplerFields(spec: PolicySpec): Record<string, unknown> {
  return { sampler: spec.policy, ...(spec.policyOptions ? { samplerOptions: spec.policyOptions } : {}) };
}

/** Id-safe form of a label (`budget {"fraction":0.5}` -> `budget-fraction-0.5`). */
export function slug(label: string): string {
  return label
    .replace(/[{}"\s]+/g, ' ')
    .trim()
    .replace(/[^A-Za-z0-9.]+/g, '-')
    .replace(/-+$/, '');
}

/** Every set the options select, references first within each part. */
export function evalSets(options: EvalOptions): EvalSet[] {
  const { base } = options;
  const sets: EvalSet[] = [];
  const none: PolicySpec = { policy: 'none', label: 'none' };
  // Sampling settings other than the policy come from `base`; a set without upshift ignores the resizer.
  const common = { ...base, seed: base.seed };
  if (options.parts.includes('policies')) {
    const cfg = { ...common, batch: options.images, classLabels: options.labels };
    for (const spec of options.policies) {
      const isNone = spec.policy === 'none' && spec.policyOptions === undefined;
      sets.push({
        id: `policies/${slug(spec.label)}`,
        part: 'policies',
        role: isNone ? 'reference' : 'policy',
        label: spec.label,
        config: { ...cfg, ...policyFields(spec) },
        ...(isNone ? {} : { pairedWith: 'policies/none' }),
        policy: spec,
      });
    }
    sets.push({ id: 'policies/noise-band', part: 'policies', role: 'noise-band', label: `none seed ${options.noiseBandSeed}`, config: { ...cfg, policy: 'none', seed: options.noiseBandSeed }, policy: none });
  }
  const matrix = (part: 'matrix' | 'analytic', cfg: Record<string, unknown>, resizerOptions: (r: string) => Record<string, unknown> | undefined): void => {
    const full = (sampler: PolicySpec): string => `${part}/${slug(sampler.label)}/none`;
    for (const sampler of options.samplers) {
      sets.push({ id: full(sampler), part, role: 'reference', label: `${sampler.label} full`, config: { ...cfg, ...samplerFields(sampler), policy: 'none' }, policy: none, sampler: sampler.label });
    }
    // Cells resizer by resizer and plan by plan across every sampler, so a partly sampled matrix
    // (a chunked evaluation in progress) already covers every sampler for the first resizers.
    for (const resizer of options.resizers) {
      for (const plan of MATRIX_PLANS) {
        for (const sampler of options.samplers) {
          const ro = resizerOptions(resizer);
          sets.push({
            id: `${part}/${slug(sampler.label)}/${resizer}/${plan.label}`,
            part,
            role: 'cell',
            label: `${sampler.label} ${resizer} ${plan.label}`,
            config: { ...cfg, ...samplerFields(sampler), resizer, ...(ro ? { resizerOptions: ro } : {}), ...policyFields(plan) },
            pairedWith: full(sampler),
            policy: plan,
            sampler: sampler.label,
            resizer,
          });
        }
      }
    }
    // The matrix's noise band: the first sampler at full resolution on the second seed.
    const first = options.samplers[0];
    if (first) {
      sets.push({
        id: `${part}/noise-band`,
        part,
        role: 'noise-band',
        label: `${first.label} full seed ${options.noiseBandSeed}`,
        config: { ...cfg, ...samplerFields(first), policy: 'none', seed: options.noiseBandSeed },
        policy: none,
        sampler: first.label,
      });
    }
  };
  if (options.parts.includes('matrix')) {
    const { resizerOptions: _ro, ...rest } = common;
    matrix('matrix', { ...rest, batch: options.matrixImages, classLabels: options.matrixLabels }, () => undefined);
  }
  if (options.parts.includes('analytic')) {
    const { side, std, images } = options.analytic;
    const { modelOptions: _m, resizerOptions: _ro, guidanceLevels: _gl, guidanceInterval: _gi, afterUpshift: _au, ...rest } = common;
    const cfg = {
      ...rest,
      model: ANALYTIC_MODEL,
      // The analytic model lives in @upshift/testing, registered on this thread only.
      workers: 1,
      modelOptions: { std, channels: 3 },
      resolution: { height: side, width: side },
      guidance: 1,
      batch: images,
      classLabels: null,
    };
    matrix('analytic', cfg, (r) => (r === 'detail-prior' ? { spectrum: whiteSpectrum(std * std, side) } : undefined));
  }
  return sets;
}

/** Sets whose config is the same share one run (the first set's id is the run's). */
export function uniqueRuns(sets: readonly EvalSet[], keyOf: (set: EvalSet) => string): Map<string, EvalSet[]> {
  const runs = new Map<string, EvalSet[]>();
  for (const set of sets) {
    const key = keyOf(set);
    const list = runs.get(key);
    if (list) list.push(set);
    else runs.set(key, [set]);
  }
  return runs;
}
