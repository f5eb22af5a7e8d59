/**
 * A noise schedule: a pure description of the sigma grid of a run. Schedules know nothing of
 * samplers or tensors (k-diffusion `get_sigmas_*` style).
 */
export interface NoiseSchedule {
  /** Registered name, e.g. "karras". */
  readonly name: string;
  /** Smallest non-zero sigma of the grid. */
  readonly sigmaMin: number;
  /** Largest sigma (the starting noise). */
  readonly sigmaMax: number;
  /** `steps + 1` sigmas, strictly decreasing, the last one exactly 0. */
  sigmas(steps: number): number[];
  /**
   * Maps the schedule's own time t in [0, 1] (1 = pure noise) to sigma, where the schedule
   * has such a notion (VP, flow matching). Policies use it to accept "t > 0.7" style options.
   */
  tToSigma?(t: number): number;
  /** Inverse of {@link tToSigma}. */
  sigmaToT?(sigma: number): number;
}
