/**
 * The UNet as a core {@link Denoiser} with EDM preconditioning (Karras et al. 2022, "Elucidating
 * the Design Space of Diffusion-Based Generative Models", Table 1) and one sigma_data per level:
 *
 *     D(x, s) = c_skip x + c_out F(c_in x, c_noise),  c_skip = sd^2 / (s^2 + sd^2),
 *     c_out = s sd / sqrt(s^2 + sd^2),  c_in = 1 / sqrt(s^2 + sd^2),  c_noise = ln(s) / 4
 *
 * and classifier-free guidance (Ho & Salimans 2022): D_u + w (D_c - D_u), with the conditional
 * and unconditional halves run as ONE batched forward pass of 2N rows. Each row is
 * preconditioned on its own and the halves are combined on D with core's `combineGuidance`, so
 * a worker pool that splits the 2N rows across threads computes the same numbers bit for bit
 * (every op of the forward pass treats batch rows independently).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, UpshiftError, combineGuidance, sha256Fingerprint } from '@upshift/core';
import type { Denoiser, DenoiserContext, DenoiserDescription, PowerSpectrum } from '@upshift/core';
import type { ModelConfig, UNetArchitecture } from './model-config.js';
import type { UNetLayout } from './unet-layout.js';
import { parameterCount, unetLayout } from './unet-layout.js';
import { estimateUNetForwardBytes, largestUNetTensorBytes } from './unet-memory.js';
import type { UNetWeights } from './unet-weights.js';
import { unetForward } from './unet.js';
import { countUNetFlops } from './unet-flops.js';

/** EDM preconditioning coefficients for one sigma. */
export interface EdmCoefficients {
  readonly cSkip: number;
  readonly cOut: number;
  readonly cIn: number;
  readonly cNoise: number;
}

/**
 * EDM coefficients for per-pixel `sigma` and the level's `sigmaData`. c_noise uses
 * max(sigma, 1e-20) so that sigma = 0 (where c_out = 0 and D(x) = x) stays finite.
 */
export function edmCoefficients(sigma: number, sigmaData: number): EdmCoefficients {
  const s2 = sigma * sigma;
  const sd2 = sigmaData * sigmaData;
  return {
    cSkip: sd2 / (s2 + sd2),
    cOut: (sigma * sigmaData) / Math.sqrt(s2 + sd2),
    cIn: 1 / Math.sqrt(s2 + sd2),
    cNoise: Math.log(Math.max(sigma, 1e-20)) / 4,
  };
}

/** Multiple every input side must be: 2^(stages - 1), since each stage after the first pools by 2. */
export function unetSideMultiple(architecture: UNetArchitecture): number {
  return 2 ** (architecture.channels.length - 1);
}

/** What a config says about its model before the weights load (see core's DenoiserDescription). */
export function describeModelConfig(config: ModelConfig): DenoiserDescription {
  const arch = config.architecture;
  return {
    numLevels: arch.numLevels,
    numClasses: arch.numClasses,
    sideMultiple: unetSideMultiple(arch),
    weightBytes: 4 * parameterCount(unetLayout(arch)),
    forwardBytes: (height, width, batch, level) => estimateUNetForwardBytes(arch, height, width, batch, level),
    largestTensorBytes: (height, width, batch) => largestUNetTensorBytes(arch, height, width, batch),
    ...(config.resolution === undefined ? {} : { resolution: { height: config.resolution, width: config.resolution } }),
    ...(config.classes === undefined ? {} : { classes: config.classes }),
    flops: (height, width, batch, ctx) => unetCallFlops(arch, height, width, batch, ctx),
    ...(config.spectrum === undefined ? {} : { spectrum: config.spectrum }),
  };
}

/**
 * FLOPs of one UNet denoiser call (see unet-flops.ts for what is counted), doubled when the call
 * runs classifier-free guidance. The loaded model and its description both count with it.
 */
export function unetCallFlops(architecture: UNetArchitecture, height: number, width: number, batch: number, ctx?: DenoiserContext): number {
  for (const [field, v] of [['height', height], ['width', width], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(field, v, 'must be a positive integer');
  }
  const labels = ctx?.classLabels ?? [];
  const guided = (ctx?.guidance ?? 1) !== 1 && labels.some((l) => l !== null && l !== undefined);
  return countUNetFlops(architecture, height, width, ctx?.level ?? 0) * batch * (guided ? 2 : 1);
}

/** A loaded UNet denoiser. Create it with `loadModel`, `loadModelFromUrl` or `createModel`. */
export class UNetDenoiser implements Denoiser {
  /** The model name from config.json. */
  readonly name: string;
  readonly channels: number;
  /** The training data's power spectrum from config.json, for spectral / budget policies. */
  readonly spectrum: PowerSpectrum | undefined;
  /** Number of trainable parameters. */
  readonly parameterCount: number;
  private weights: UNetWeights | undefined;
  private fingerprintMemo: Promise<string> | undefined;

  constructor(
    /** The validated config.json. */
    readonly config: ModelConfig,
    /** The network's structure. */
    readonly layout: UNetLayout,
    weights: UNetWeights,
  ) {
    this.name = config.name;
    this.channels = config.architecture.inChannels;
    this.spectrum = config.spectrum;
    this.parameterCount = parameterCount(layout);
    this.weights = weights;
  }

  /** Number of resolution levels the model knows (levels 0 .. numLevels - 1). */
  get numLevels(): number {
    return this.config.architecture.numLevels;
  }

  /** Input sides must be multiples of this: the UNet pools `channels.length - 1` times. */
  get sideMultiple(): number {
    return unetSideMultiple(this.config.architecture);
  }

  /** Whether {@link dispose} has been called. */
  get disposed(): boolean {
    return this.weights === undefined;
  }

  /**
   * Predicts x0. `sigma` is the per-pixel sigma at `ctx.level`; an array gives one sigma per
   * batch item (used by the parity tests). Labels: `null` or omitted means the null class.
   * Guidance w != 1 with at least one real label runs cond + uncond in one batch of 2N; with
   * no real label the two halves would be identical, so the single pass is exact.
   */
  denoise(x: tf.Tensor4D, sigma: number | readonly number[], ctx: DenoiserContext): tf.Tensor4D {
    const w = this.live();
    const arch = this.config.architecture;
    if (x.rank !== 4) throw new ConfigError('x.shape', x.shape, 'must be NHWC (rank 4)');
    const [n, h, wd, c] = x.shape;
    if (c !== arch.inChannels) throw new ConfigError('x.shape', x.shape, `must have ${arch.inChannels} channels`);
    const f = this.sideMultiple;
    if (h % f !== 0 || wd % f !== 0 || h === 0 || wd === 0) {
      throw new ConfigError('x.shape', x.shape, `height and width must be positive multiples of ${f} (the UNet pools ${arch.channels.length - 1} times)`);
    }
    const level = this.checkLevel(ctx.level);
    const sigmas = typeof sigma === 'number' ? new Array<number>(n).fill(sigma) : [...sigma];
    if (sigmas.length !== n) throw new ConfigError('sigma', sigma, `must have one entry per batch item (${n})`);
    sigmas.forEach((s) => {
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw new ConfigError('sigma', s, 'must be a finite number >= 0');
    });
    const labels = this.labels(ctx.classLabels, n);
    const guidance = ctx.guidance ?? 1;
    if (typeof guidance !== 'number' || !Number.isFinite(guidance)) throw new ConfigError('guidance', guidance, 'must be a finite number');
    if (sigmas.every((s) => s === 0)) return tf.clone(x); // c_skip = 1, c_out = 0
    const guided = guidance !== 1 && labels.some((l) => l !== this.config.nullClass);

    return tf.tidy(() => {
      const sd = this.config.preconditioning.sigmaData[level]!;
      // Guided: the doubled batch (conditional rows, then the same inputs unconditional).
      const co = (guided ? [...sigmas, ...sigmas] : sigmas).map((s) => edmCoefficients(s, sd));
      const perItem = (k: keyof EdmCoefficients): tf.Tensor =>
        co.every((v) => v[k] === co[0]![k]) ? tf.scalar(co[0]![k]) : tf.tensor4d(co.map((v) => v[k]), [co.length, 1, 1, 1]);
      const xRows = guided ? (tf.concat([x, x], 0) as tf.Tensor4D) : x;
      const rowLabels = guided ? [...labels, ...labels.map(() => this.config.nullClass)] : labels;
      const xin = tf.mul(xRows, perItem('cIn')) as tf.Tensor4D;
      const fOut = unetForward(this.layout, w, xin, co.map((v) => v.cNoise), rowLabels, level);
      const d = tf.add(tf.mul(xRows, perItem('cSkip')), tf.mul(fOut, perItem('cOut'))) as tf.Tensor4D;
      if (!guided) return d;
      // Combined as D_u + w (D_c - D_u) (core's combineGuidance), the same operations a worker
      // pool applies after running the two halves' rows on different threads.
      const [dc, du] = tf.split(d, 2, 0) as [tf.Tensor4D, tf.Tensor4D];
      return combineGuidance(dc, du, guidance);
    });
  }

  /**
   * FLOPs of one `denoise` call (see unet-flops.ts for what is counted); doubled when the
   * call would run classifier-free guidance.
   */
  flops(height: number, width: number, batch: number, ctx?: DenoiserContext): number {
    return unetCallFlops(this.config.architecture, height, width, batch, ctx);
  }

  /**
   * SHA-256 of config.json (as validated) and every weight tensor, `"sha256:<hex>"`: a run
   * checkpoint records it so that it only resumes on the same model. Computed once, on first
   * use (it reads the weights back, ~33 MB for the shipped model).
   */
  fingerprint(): Promise<string> {
    if (this.fingerprintMemo === undefined) {
      const w = this.live();
      this.fingerprintMemo = (async () => {
        const parts: (string | ArrayBufferView)[] = [JSON.stringify(this.config), w.freqs];
        for (const t of w.all) parts.push((await t.data()) as Float32Array);
        return sha256Fingerprint(parts);
      })();
      this.fingerprintMemo.catch(() => (this.fingerprintMemo = undefined));
    }
    return this.fingerprintMemo;
  }

  /**
   * Frees the weights. Later `denoise` calls throw. Idempotent, and never throws: after a
   * backend failure (wasm out of memory) freeing can fail too; every tensor is still tried.
   */
  dispose(): void {
    if (!this.weights) return;
    for (const t of this.weights.all) {
      try {
        t.dispose();
      } catch {
        // the backend is broken; the error that broke it has been reported
      }
    }
    this.weights = undefined;
  }

  private live(): UNetWeights {
    if (!this.weights) throw new UpshiftError(`Model "${this.name}" has been disposed`);
    return this.weights;
  }

  private checkLevel(level: unknown): number {
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level >= this.numLevels) {
      throw new ConfigError('level', level, `must be an integer in [0, ${this.numLevels - 1}] (the model's levels)`);
    }
    return level;
  }

  private labels(classLabels: DenoiserContext['classLabels'], n: number): number[] {
    const nullClass = this.config.nullClass;
    if (classLabels === null || classLabels === undefined) return new Array<number>(n).fill(nullClass);
    if (classLabels.length !== n) throw new ConfigError('classLabels', classLabels, `must have one entry per batch item (${n})`);
    return classLabels.map((l, i) => {
      if (l === null) return nullClass;
      if (!Number.isInteger(l) || l < 0 || l >= nullClass) {
        throw new ConfigError(`classLabels[${i}]`, l, `must be null or an integer in [0, ${nullClass - 1}]`);
      }
      return l;
    });
  }
}
