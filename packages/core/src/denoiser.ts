import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { Resolution, ResolutionLevel } from './level.js';
import type { PluginFactory } from './plugin.js';
import type { PowerSpectrum } from './spectrum.js';

/**
 * Conditioning passed to a denoiser with every call.
 */
export interface DenoiserContext {
  /** Resolution level the input is at (0 = full resolution). */
  readonly level: ResolutionLevel;
  /**
   * Class label per batch item; `null` (or omitted) means unconditional (the model's "null"
   * class, used for classifier-free guidance).
   */
  readonly classLabels?: readonly (number | null)[] | null;
  /**
   * Classifier-free guidance scale w: `D = D_uncond + w (D_cond - D_uncond)` (see
   * {@link combineGuidance}). 1 (or omitted) means plain conditional prediction, no extra call.
   */
  readonly guidance?: number;
}

/** A value, or a promise of it: what a call that may answer asynchronously returns. */
export type Awaitable<T> = T | Promise<T>;

/** Per-call options of {@link Denoiser.denoise} that are not conditioning. */
export interface DenoiseOptions {
  /**
   * Aborted when the run is cancelled. A denoiser that answers asynchronously (a worker pool)
   * drops the call's pending work and rejects with `signal.reason`; one that answers
   * synchronously may ignore it (the pipeline checks cancellation before every call).
   */
  readonly signal?: AbortSignal;
}

/**
 * The one model contract: `D(x, sigma, ctx) -> x0_hat` in sigma space (k-diffusion / EDM).
 * `x` is NHWC at `ctx.level`; `sigma` is the per-pixel noise std at that level.
 *
 * A denoiser may answer synchronously (a model on this thread) or with a promise (a worker
 * pool: the work runs elsewhere while this thread waits); callers `await` the result.
 *
 * Ownership: the denoiser must not dispose `x` (and must not read it after its promise has
 * settled: the caller may free it then); the caller owns the returned tensor.
 */
export interface Denoiser {
  /** Name for logs and events. */
  readonly name: string;
  /** Number of image channels the denoiser expects (e.g. 3). */
  readonly channels: number;
  /**
   * Height and width of every input must be a multiple of this (a UNet that pools n times
   * needs multiples of 2^n). Optional; default 1 (any size).
   */
  readonly sideMultiple?: number;
  /** Predicts the clean signal. */
  denoise(x: Tensor4D, sigma: number, ctx: DenoiserContext, options?: DenoiseOptions): Awaitable<Tensor4D>;
  /**
   * FLOPs of one `denoise` call for a batch of `batch` images of `height` x `width` (counted
   * analytically; guidance doubles the model calls and must be included by the caller's
   * context). Optional: a denoiser without it counts as proportional to pixels.
   */
  flops?(height: number, width: number, batch: number, ctx?: DenoiserContext): number;
  /**
   * A stable hash of what the denoiser computes (its weights and config), e.g.
   * `"sha256:<hex>"`: a run checkpoint records it, and a resume on a denoiser with another hash
   * is rejected. Optional: without it only the name and the pipeline config identify the model.
   */
  fingerprint?(): Promise<string>;
  /** Releases weights. Optional; denoisers without resources need not implement it. */
  dispose?(): void;
}

/**
 * What a model factory can tell about its model from the config alone, before any weights
 * load, so that a run can reject an impossible request (a resolution the network cannot take,
 * a class it does not know) at once. Every field is optional.
 */
export interface DenoiserDescription {
  /** Resolution levels the model knows (0 .. numLevels - 1). */
  readonly numLevels?: number;
  /** Native (training) resolution of level 0. */
  readonly resolution?: Resolution;
  /** Input sides must be multiples of this (see {@link Denoiser.sideMultiple}). */
  readonly sideMultiple?: number;
  /** Class names, index = class label. */
  readonly classes?: readonly string[];
  /** Class labels the model takes: 0 .. numClasses - 1 (and null, unconditional). */
  readonly numClasses?: number;
  /** Bytes of the weights once loaded. */
  readonly weightBytes?: number;
  /**
   * Peak bytes of the intermediates of one forward pass over `batch` images of `height` x
   * `width` at `level` (a guided call runs 2 x batch: the caller doubles it).
   */
  readonly forwardBytes?: (height: number, width: number, batch: number, level: number) => number;
  /** Bytes of the largest single tensor of that forward pass. */
  readonly largestTensorBytes?: (height: number, width: number, batch: number) => number;
  /**
   * FLOPs of one call, exactly what the loaded model's {@link Denoiser.flops} will say: with it
   * (and `spectrum` where a policy needs one) a run's plan can be made before the weights load.
   */
  readonly flops?: (height: number, width: number, batch: number, ctx?: DenoiserContext) => number;
  /** The training data's power spectrum the model carries (spectral and budget policies plan with it). */
  readonly spectrum?: PowerSpectrum;
}

/**
 * A model (denoiser) factory: a {@link PluginFactory} that may also describe its model from the
 * options without loading it. `describe` throws what `create` would for bad options or a
 * missing model (ConfigError, ModelLoadError).
 */
export interface ModelFactory extends PluginFactory<Denoiser> {
  describe?(options: unknown): Promise<DenoiserDescription>;
}
