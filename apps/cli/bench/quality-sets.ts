/**
 * The image sets of the quality sweep (issues 14 and 15): each set is one pipeline config
 * (differences from {@link SWEEP_BASE}) run on the same seeds, one image per class and seed.
 * Sets are data: add one here and re-run `quality-sweep.sh`; sets already on disk are kept.
 */

/** What every set starts from: the CLI defaults before this sweep (Euler 20, guidance 2, box-exact, coupled). */
export const SWEEP_BASE: Readonly<Record<string, unknown>> = Object.freeze({
  model: 'emoji-unet',
  sampler: 'euler',
  schedule: 'karras',
  policy: 'none',
  resizer: 'box-exact',
  backend: 'wasm',
  steps: 20,
  guidance: 2,
  upshiftNoise: 'coupled',
});

/** Seeds of the measured sets (one image per class and seed). */
export const SEEDS = [0, 1, 2, 3] as const;
/** Seeds of the second full-resolution set (the noise band): disjoint from {@link SEEDS}. */
export const BAND_SEEDS = [100, 101, 102, 103] as const;
/** Seeds of a third full-resolution set (a band from three sets: max - min is less at the mercy of one pair). */
export const BAND_SEEDS_2 = [200, 201, 202, 203] as const;

/** One set of the sweep. */
export interface SweepSet {
  /** Directory name under the sweep's cache (kebab-case, stable: it is the resume key). */
  readonly id: string;
  /** Family for the Pareto table (the best plan of each family is reported). */
  readonly family: string;
  /** Differences from {@link SWEEP_BASE}. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Seeds (default {@link SEEDS}). */
  readonly seeds?: readonly number[];
  /**
   * The same-seed full-resolution set with the same sampling settings, which this set is paired
   * with (paired PSNR / SSIM); for a full-resolution set with other guidance settings, `full`
   * (what the settings change in the same-seed images); none for the band sets.
   */
  readonly reference?: string;
}

/** A pyramid policy config from (level, full-resolution sigma) switch points. */
export function pyramid(...stages: readonly (readonly [number, number])[]): Record<string, unknown> {
  return { policy: 'pyramid', policyOptions: { stages: stages.map(([level, sigma]) => ({ level, sigma })) } };
}

/** The guidance interval of Kynkäänniemi et al. 2024 (EDM2: (0.28, 5.42] at sigma_data 0.5), rounded. */
export const INTERVAL = { sigmaMin: 0.3, sigmaMax: 5 } as const;

/** Every set, in the order the sweep runs them (the most informative first). */
export const SWEEP_SETS: readonly SweepSet[] = [
  // Ordered by priority (the sweep runs them in this order): full resolution and its noise band,
  // the guidance interval (is it free by itself?), upshift plans that run coarse only in the
  // unguided region above the interval (sigma > 5) or part of it, paired with the full-resolution
  // set of the same sampling settings (`gi2-*` with `gi2`, `gi3-*` with `gi3`, the others with
  // `full`), the old npm start default (before / after), guidance scale and sampler at equal model
  // calls (with the interval: half the CPU of guidance at every step), then the remaining levers.
  // The third band set comes late: the band is max - min over the band sets, so a third set can
  // only widen it (it cannot turn a plan inside the band into one outside).
  { id: 'full', family: 'full resolution', config: {} },
  { id: 'full-band', family: 'noise band', config: {}, seeds: BAND_SEEDS },
  { id: 'gi3', family: 'guidance interval', config: { guidance: 3, guidanceInterval: INTERVAL }, reference: 'full' },
  { id: 'gi3-p-late', family: 'pyramid', config: { guidance: 3, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 1.5]) }, reference: 'gi3' },
  { id: 'gi2', family: 'guidance interval', config: { guidance: 2, guidanceInterval: INTERVAL }, reference: 'full' },
  { id: 'gi2-half-above-5', family: 'fixed', config: { guidance: 2, guidanceInterval: INTERVAL, policy: 'fixed', policyOptions: { level: 1, sigma: 5 } }, reference: 'gi2' },
  { id: 'gi2-p-20-5', family: 'pyramid', config: { guidance: 2, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 5]) }, reference: 'gi2' },
  { id: 'gi2-half-above-20', family: 'fixed', config: { guidance: 2, guidanceInterval: INTERVAL, policy: 'fixed', policyOptions: { level: 1, sigma: 20 } }, reference: 'gi2' },
  { id: 'gi2-quarter-above-20', family: 'fixed', config: { guidance: 2, guidanceInterval: INTERVAL, policy: 'fixed', policyOptions: { level: 2, sigma: 20 } }, reference: 'gi2' },
  { id: 'spectral', family: 'spectral', config: { policy: 'spectral' }, reference: 'full' }, // the old default of npm start (before / after)
  { id: 'gi2-p-20-10', family: 'pyramid', config: { guidance: 2, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 10]) }, reference: 'gi2' },
  { id: 'gi5', family: 'guidance interval', config: { guidance: 5, guidanceInterval: INTERVAL }, reference: 'full' },
  { id: 'gi2-dpmpp2m-20', family: 'sampler', config: { guidance: 2, guidanceInterval: INTERVAL, sampler: 'dpmpp-2m' } },
  { id: 'gi2-heun-10', family: 'sampler', config: { guidance: 2, guidanceInterval: INTERVAL, sampler: 'heun', steps: 10 } },
  { id: 'gi2-p-20-5-churn', family: 'after upshift', config: { guidance: 2, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 5]), afterUpshift: { steps: 2, mode: 'churn', churn: 0.4 } }, reference: 'gi2' },
  { id: 'gi2-p-20-5-dct', family: 'resizer', config: { guidance: 2, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 5]), resizer: 'dct-exact' }, reference: 'gi2' },
  { id: 'gi2-ag1.5', family: 'autoguidance', config: { guidance: 2, guidanceInterval: INTERVAL, autoguidance: { scale: 1.5 } } },
  { id: 'gi2-bottleneck-5', family: 'bottleneck', config: { guidance: 2, guidanceInterval: INTERVAL, policy: 'bottleneck', policyOptions: { fullAbove: { sigma: 50 }, stages: [{ level: 2, sigma: 20 }, { level: 1, sigma: 5 }] } }, reference: 'gi2' },
  { id: 'gi2-p-20-2', family: 'pyramid', config: { guidance: 2, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 2]) }, reference: 'gi2' },
  // the adaptive policy calibrated on this sweep's recorded statistic (ADAPTIVE_EMOJI_UNET_CALIBRATED of @upshift/policies)
  { id: 'gi2-adaptive-cal', family: 'adaptive', config: { guidance: 2, guidanceInterval: INTERVAL, policy: 'adaptive', policyOptions: { startLevel: 2, threshold: 1e-3, fullBelowSigma: 5, upshiftTo: 0 } }, reference: 'gi2' },
  { id: 'full-band-2', family: 'noise band', config: {}, seeds: BAND_SEEDS_2 },
  { id: 'gi3-half-above-2', family: 'fixed', config: { guidance: 3, guidanceInterval: INTERVAL, policy: 'fixed', policyOptions: { level: 1, sigma: 2 } }, reference: 'gi3' },
  { id: 'gi3-p-late-churn', family: 'after upshift', config: { guidance: 3, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 1.5]), afterUpshift: { steps: 2, mode: 'churn', churn: 0.4 } }, reference: 'gi3' },
  { id: 'gi3-bottleneck', family: 'bottleneck', config: { guidance: 3, guidanceInterval: INTERVAL, policy: 'bottleneck', policyOptions: { fullAbove: { sigma: 70 }, stages: [{ level: 2, sigma: 6 }, { level: 1, sigma: 1.5 }] } }, reference: 'gi3' },
  { id: 'gi3-p-late-dct', family: 'resizer', config: { guidance: 3, guidanceInterval: INTERVAL, ...pyramid([2, 20], [1, 1.5]), resizer: 'dct-exact' }, reference: 'gi3' },
  { id: 'gi3-spectral', family: 'spectral', config: { guidance: 3, guidanceInterval: INTERVAL, policy: 'spectral' }, reference: 'gi3' },
  { id: 'pyramid', family: 'pyramid', config: { policy: 'pyramid' }, reference: 'full' },
  { id: 'p-late', family: 'pyramid', config: pyramid([2, 20], [1, 1.5]), reference: 'full' },
  { id: 'half-above-2', family: 'fixed', config: { policy: 'fixed', policyOptions: { level: 1, sigma: 2 } }, reference: 'full' },
  { id: 'p-late-churn', family: 'after upshift', config: { ...pyramid([2, 20], [1, 1.5]), afterUpshift: { steps: 2, mode: 'churn', churn: 0.4 } }, reference: 'full' },
  { id: 'bottleneck', family: 'bottleneck', config: { policy: 'bottleneck', policyOptions: { fullAbove: { sigma: 70 }, stages: [{ level: 2, sigma: 6 }, { level: 1, sigma: 1.5 }] } }, reference: 'full' },
  { id: 'p-late-gl-unguided', family: 'guidance per level', config: { ...pyramid([2, 20], [1, 1.5]), guidanceLevels: [2, 1, 1] }, reference: 'full' },
  { id: 'p-late-dct', family: 'resizer', config: { ...pyramid([2, 20], [1, 1.5]), resizer: 'dct-exact' }, reference: 'full' },
  { id: 'p-late-ancestral', family: 'after upshift', config: { ...pyramid([2, 20], [1, 1.5]), afterUpshift: { steps: 2, mode: 'ancestral', eta: 1 } }, reference: 'full' },
  { id: 'p-late-gl-3', family: 'guidance per level', config: { ...pyramid([2, 20], [1, 1.5]), guidanceLevels: [2, 3, 3] }, reference: 'full' },
  { id: 'p-late-prior', family: 'resizer', config: { ...pyramid([2, 20], [1, 1.5]), resizer: 'detail-prior' }, reference: 'full' },
  { id: 'g3', family: 'guidance', config: { guidance: 3 } },
  { id: 'g5', family: 'guidance', config: { guidance: 5 } },
  { id: 'dpmpp2m-20', family: 'sampler', config: { sampler: 'dpmpp-2m' } },
  { id: 'heun-10', family: 'sampler', config: { sampler: 'heun', steps: 10 } },
  { id: 'ag1.5', family: 'autoguidance', config: { autoguidance: { scale: 1.5 } } },
];

/** The set with `id`, or an error naming the known ones. */
export function sweepSet(id: string): SweepSet {
  const set = SWEEP_SETS.find((s) => s.id === id);
  if (!set) throw new Error(`unknown sweep set "${id}"; known: ${SWEEP_SETS.map((s) => s.id).join(', ')}`);
  return set;
}
