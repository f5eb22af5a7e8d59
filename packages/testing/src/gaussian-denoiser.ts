/**
 * The exact denoiser for Gaussian data, the analytic test case of diffusion sampling (Karras
 * et al. 2022, App. B.1 uses it for the same purpose). For x0 ~ N(mu, diag(v)) and
 * x = x0 + sigma eps, the posterior mean is the Wiener filter
 * `D(x, sigma) = mu + v / (v + sigma^2) (x - mu)`, and the probability-flow ODE
 * `dx/dsigma = (x - D) / sigma` moves each component as
 * `x(sigma_end) - mu = (x(sigma_start) - mu) sqrt((v + sigma_end^2) / (v + sigma_start^2))`.
 *
 * At level k the denoiser sees the data through the down operator: for i.i.d. per-pixel data
 * and 2x2 box pooling the mean is pooled and the variance divided by 4 per level.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@upshift/core';
import type { Denoiser, DenoiserContext, ResolutionLevel } from '@upshift/core';

/** A per-pixel statistic: a scalar, a per-channel `[C]` tensor or a per-pixel `[H, W, C]` tensor. */
export type GaussianStatistic = number | tf.Tensor;

/** Mean and variance of the data as seen at one level. */
export interface GaussianLevelStats {
  readonly mean: GaussianStatistic;
  readonly variance: GaussianStatistic;
}

/** Options of {@link createGaussianDenoiser}. */
export interface GaussianDenoiserOptions {
  /** Data mean at level 0 (scalar, `[C]` or `[H, W, C]`). The denoiser keeps a copy. */
  readonly mean: GaussianStatistic;
  /** Data standard deviation at level 0 (scalar, `[C]` or `[H, W, C]`), > 0. */
  readonly std: GaussianStatistic;
  /** Image channels. */
  readonly channels: number;
  /**
   * Statistics at `level`. Default: i.i.d. pixels seen through 2x2 box pooling — mean pooled,
   * variance pooled and divided by 4 per level. Tensors returned here are owned by the denoiser
   * (kept and freed by `dispose`).
   */
  readonly levelStats?: (level: ResolutionLevel) => GaussianLevelStats;
  /** Name for logs. */
  readonly name: string;
}

/** Defaults: unit Gaussian, 3 channels. */
export const GAUSSIAN_DENOISER_DEFAULTS: GaussianDenoiserOptions = { mean: 0, std: 1, channels: 3, name: 'gaussian' };

/** The exact Gaussian denoiser with its closed-form helpers. */
export interface GaussianDenoiser extends Denoiser {
  /** Answers synchronously (no worker, no I/O). */
  denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D;
  /** The statistics used at `level` (cached; owned by the denoiser). */
  statsAt(level: ResolutionLevel): GaussianLevelStats;
  /**
   * The exact probability-flow ODE solution from `sigmaStart` to `sigmaEnd` at `level`
   * (sigmas at that level). The caller owns the result; `x` is not disposed.
   */
  odeSolution(x: tf.Tensor4D, sigmaStart: number, sigmaEnd: number, level: ResolutionLevel): tf.Tensor4D;
  /** Frees the statistic tensors. */
  dispose(): void;
}

/**
 * Per-component PF-ODE scale for variance `v`: `sqrt((v + sigmaEnd^2) / (v + sigmaStart^2))`.
 */
export function gaussianOdeScale(variance: number, sigmaStart: number, sigmaEnd: number): number {
  return Math.sqrt((variance + sigmaEnd * sigmaEnd) / (variance + sigmaStart * sigmaStart));
}

/**
 * Closed-form PF-ODE solution for Gaussian data with the given statistics:
 * `mu + (x - mu) sqrt((v + sigmaEnd^2) / (v + sigmaStart^2))`. The caller owns the result.
 */
export function gaussianOdeSolution(x: tf.Tensor4D, sigmaStart: number, sigmaEnd: number, stats: GaussianLevelStats): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = stats;
    const scale =
      typeof variance === 'number'
        ? gaussianOdeScale(variance, sigmaStart, sigmaEnd)
        : tf.sqrt(tf.div(tf.add(variance, sigmaEnd * sigmaEnd), tf.add(variance, sigmaStart * sigmaStart)));
    return tf.add(tf.mul(tf.sub(x, mean), scale), mean) as tf.Tensor4D;
  });
}

/** Posterior mean `mu + v / (v + sigma^2) (x - mu)` (the caller owns the result). */
export function gaussianPosteriorMean(x: tf.Tensor4D, sigma: number, stats: GaussianLevelStats): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = stats;
    const gain = typeof variance === 'number' ? variance / (variance + sigma * sigma) : tf.div(variance, tf.add(variance, sigma * sigma));
    return tf.add(tf.mul(tf.sub(x, mean), gain), mean) as tf.Tensor4D;
  });
}

function checkStatistic(value: GaussianStatistic, field: string, channels: number, positive: boolean): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || (positive && !(value > 0))) {
      throw new ConfigError(field, value, positive ? 'must be a finite number > 0' : 'must be a finite number');
    }
    return;
  }
  const shape = value.shape;
  if (!(shape.length === 1 || shape.length === 3) || shape[shape.length - 1] !== channels) {
    throw new ConfigError(field, shape, `must be a scalar, a [${channels}] or an [H, W, ${channels}] tensor`);
  }
  if (positive && tf.tidy(() => tf.min(value).dataSync()[0]!) <= 0) throw new ConfigError(field, 'tensor', 'must be > 0 everywhere');
}

/** Box-pools a per-pixel `[H, W, C]` statistic `levels` times (scalars and `[C]` pass through). */
function poolStatistic(value: GaussianStatistic, levels: number): GaussianStatistic {
  if (typeof value === 'number' || value.rank !== 3 || levels === 0) return typeof value === 'number' ? value : value.clone();
  return tf.tidy(() => {
    let t = value as tf.Tensor3D;
    for (let i = 0; i < levels; i++) t = tf.avgPool(t, 2, 2, 'valid');
    return t;
  });
}

/** Default level statistics: i.i.d. pixels through box pooling. */
function boxLevelStats(mean: GaussianStatistic, variance: GaussianStatistic, level: ResolutionLevel): GaussianLevelStats {
  const f = 4 ** level;
  const pooledVar = poolStatistic(variance, level);
  const v = typeof pooledVar === 'number' ? pooledVar / f : tf.tidy(() => tf.div(pooledVar, f));
  if (typeof pooledVar !== 'number' && v !== pooledVar) pooledVar.dispose();
  return { mean: poolStatistic(mean, level), variance: v };
}

/**
 * Creates the exact denoiser for x0 ~ N(mean, std^2) per pixel. With scalar statistics it
 * holds no tensors. Class labels and guidance are ignored (the data is unconditional, so the
 * conditional and unconditional predictions agree).
 *
 * @example
 * const d = createGaussianDenoiser({ mean: 0.2, std: 0.5, channels: 1 });
 * const x0 = d.denoise(x, 2, { level: 0 });
 */
export function createGaussianDenoiser(options: Partial<GaussianDenoiserOptions> = {}): GaussianDenoiser {
  const o = { ...GAUSSIAN_DENOISER_DEFAULTS, ...options };
  if (!Number.isInteger(o.channels) || o.channels < 1) throw new ConfigError('channels', o.channels, 'must be an integer >= 1');
  checkStatistic(o.mean, 'mean', o.channels, false);
  checkStatistic(o.std, 'std', o.channels, true);
  const mean = typeof o.mean === 'number' ? o.mean : tf.keep(o.mean.clone());
  const variance = typeof o.std === 'number' ? o.std * o.std : tf.keep(tf.tidy(() => tf.square(o.std as tf.Tensor)));
  const cache = new Map<number, GaussianLevelStats>();
  let disposed = false;

  const statsAt = (level: ResolutionLevel): GaussianLevelStats => {
    if (disposed) throw new Error(`${o.name}: used after dispose()`);
    if (!Number.isInteger(level) || level < 0) throw new ConfigError('level', level, 'must be a non-negative integer');
    let stats = cache.get(level);
    if (!stats) {
      stats = o.levelStats ? o.levelStats(level) : boxLevelStats(mean, variance, level);
      for (const s of [stats.mean, stats.variance]) if (typeof s !== 'number') tf.keep(s);
      cache.set(level, stats);
    }
    return stats;
  };

  return {
    name: o.name,
    channels: o.channels,
    denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D {
      if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new ConfigError('sigma', sigma, 'must be a finite number >= 0');
      return gaussianPosteriorMean(x, sigma, statsAt(ctx.level));
    },
    flops(height: number, width: number, batch: number): number {
      return 3 * height * width * batch * o.channels;
    },
    statsAt,
    odeSolution(x: tf.Tensor4D, sigmaStart: number, sigmaEnd: number, level: ResolutionLevel): tf.Tensor4D {
      return gaussianOdeSolution(x, sigmaStart, sigmaEnd, statsAt(level));
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      const owned = new Set<tf.Tensor>();
      for (const s of [mean, variance, ...[...cache.values()].flatMap((c) => [c.mean, c.variance])]) if (typeof s !== 'number') owned.add(s);
      for (const t of owned) t.dispose();
      cache.clear();
    },
  };
}
