/**
 * The model's `config.json` (written by tools/train/export.py): architecture, EDM
 * preconditioning, classes, the down operator the training data used, the weights file and the
 * dataset's power spectrum. {@link parseModelConfig} validates it and names the bad field.
 */
import { ConfigError } from '@upshift/core';
import type { PowerSpectrum, PowerSpectrumLevel } from '@upshift/core';
import { parseRecommendedSampling } from './recommended-sampling.js';
import type { RecommendedSampling } from './recommended-sampling.js';

/**
 * Architecture tags: `v1` is the shipped UNet; `v2` adds per-level adapters (a low-rank residual
 * 1x1 map after every residual block, for levels >= 1 only) of rank `levelAdapterRank`.
 */
export type UNetArchitectureTag = 'upshift-unet-v1' | 'upshift-unet-v2';

/** The UNet's shape (the `architecture` object; mirrors `default_config` in model.py). */
export interface UNetArchitecture {
  /** Architecture tag (`"upshift-unet-v1"` or `"upshift-unet-v2"`). */
  readonly architecture: UNetArchitectureTag;
  /** Image channels in and out (3 for RGB). */
  readonly inChannels: number;
  /** Channels of each stage, finest first. Stage i runs at side / 2^i. */
  readonly channels: readonly number[];
  /** Residual blocks per stage on the way down (the way up has one more). */
  readonly numResBlocks: readonly number[];
  /** Stages with self-attention after each residual block (the middle always has one). */
  readonly attentionStages: readonly number[];
  /** Attention heads (split over channels). */
  readonly attentionHeads: number;
  /** GroupNorm groups. */
  readonly groups: number;
  /** Width of the conditioning embedding. */
  readonly embDim: number;
  /** Number of Fourier features of c_noise (cos then sin, fourierDim / 2 each). */
  readonly fourierDim: number;
  /** Number of real classes; index `numClasses` is the null (unconditional) class. */
  readonly numClasses: number;
  /** Number of resolution levels the model was trained on. */
  readonly numLevels: number;
  /**
   * Rank r of the level adapters (v2; absent in v1 = 0): after every residual block, levels
   * k >= 1 add `B_k A_k h` (A_k: r x C, B_k: C x r); level 0 runs the v1 network unchanged.
   */
  readonly levelAdapterRank?: number;
}

/** EDM preconditioning (Karras et al. 2022) with one sigma_data per level. */
export interface EdmPreconditioning {
  readonly type: 'edm';
  /** sigma_data of the training data at each level. */
  readonly sigmaData: readonly number[];
}

/** Where the weights are and how they are stored. */
export interface WeightsInfo {
  /** File name next to config.json. */
  readonly file: string;
  /** Storage dtype of every parameter. */
  readonly dtype: 'F16' | 'F32' | 'BF16';
  /** Tensor layout; only PyTorch's (OIHW convs, (out, in) linears) is known. */
  readonly layout: 'pytorch';
}

/** A validated config.json. Unknown extra fields are kept in `raw`. */
export interface ModelConfig {
  readonly format: 'upshift-model';
  readonly version: 1;
  readonly name: string;
  readonly architecture: UNetArchitecture;
  readonly preconditioning: EdmPreconditioning;
  /** Side of level 0 the model was trained at (e.g. 64). */
  readonly resolution?: number;
  /** Class names, `numClasses` of them. */
  readonly classes?: readonly string[];
  /** Index of the null class (always `numClasses`). */
  readonly nullClass: number;
  /** Down operator used to make the coarser training levels ("box", "dct"). */
  readonly downOperator?: string;
  readonly weights: WeightsInfo;
  /** FLOPs per level at `resolution`, as counted by the exporter (keys "0", "1", ...). */
  readonly flops?: Readonly<Record<string, number>>;
  /** The training data's power spectrum (for spectral / budget policies). */
  readonly spectrum?: PowerSpectrum;
  /** Sampling settings measured best on this model (sampler, steps, guidance, upshift plan, ...). */
  readonly sampling?: RecommendedSampling;
  /** The JSON object as read. */
  readonly raw: Readonly<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, field: string): Obj {
  if (!isObject(v)) throw new ConfigError(field, v, 'must be an object');
  return v;
}

function posInt(v: unknown, field: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(field, v, `must be an integer >= ${min}`);
  }
  return v;
}

function posNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(field, v, 'must be a finite number > 0');
  return v;
}

function finiteNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(field, v, 'must be a finite number');
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(field, v, 'must be a non-empty string');
  return v;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new ConfigError(field, v, 'must be an array');
  return v;
}

function parseArchitecture(v: unknown): UNetArchitecture {
  const a = obj(v, 'architecture');
  const tag = a['architecture'];
  if (tag !== 'upshift-unet-v1' && tag !== 'upshift-unet-v2') {
    throw new ConfigError('architecture.architecture', tag, 'must be "upshift-unet-v1" or "upshift-unet-v2"');
  }
  let levelAdapterRank: number | undefined;
  if (tag === 'upshift-unet-v2') {
    levelAdapterRank = posInt(a['levelAdapterRank'], 'architecture.levelAdapterRank');
  } else if (a['levelAdapterRank'] !== undefined) {
    throw new ConfigError('architecture.levelAdapterRank', a['levelAdapterRank'], 'level adapters need architecture "upshift-unet-v2"');
  }
  const inChannels = posInt(a['inChannels'], 'architecture.inChannels');
  const channelsRaw = arr(a['channels'], 'architecture.channels');
  if (channelsRaw.length === 0) throw new ConfigError('architecture.channels', channelsRaw, 'must list at least one stage');
  const channels = channelsRaw.map((c, i) => posInt(c, `architecture.channels[${i}]`));
  const nres = arr(a['numResBlocks'], 'architecture.numResBlocks');
  if (nres.length !== channels.length) {
    throw new ConfigError('architecture.numResBlocks', nres, `must have one entry per stage (${channels.length})`);
  }
  const numResBlocks = nres.map((n, i) => posInt(n, `architecture.numResBlocks[${i}]`));
  const attentionStages = arr(a['attentionStages'], 'architecture.attentionStages').map((s, i) => {
    const k = posInt(s, `architecture.attentionStages[${i}]`, 0);
    if (k >= channels.length) throw new ConfigError(`architecture.attentionStages[${i}]`, s, `must be < ${channels.length} (number of stages)`);
    return k;
  });
  const attentionHeads = posInt(a['attentionHeads'], 'architecture.attentionHeads');
  const groups = posInt(a['groups'], 'architecture.groups');
  const embDim = posInt(a['embDim'], 'architecture.embDim');
  const fourierDim = posInt(a['fourierDim'], 'architecture.fourierDim', 2);
  if (fourierDim % 2 !== 0) throw new ConfigError('architecture.fourierDim', fourierDim, 'must be even (cos and sin halves)');
  const numClasses = posInt(a['numClasses'], 'architecture.numClasses');
  const numLevels = posInt(a['numLevels'], 'architecture.numLevels');
  // Every GroupNorm input must split into whole groups, every attention width into whole heads.
  channels.forEach((c, i) => {
    if (c % groups !== 0) throw new ConfigError(`architecture.channels[${i}]`, c, `must be divisible by groups (${groups})`);
    const attn = attentionStages.includes(i) || i === channels.length - 1;
    if (attn && c % attentionHeads !== 0) {
      throw new ConfigError(`architecture.channels[${i}]`, c, `must be divisible by attentionHeads (${attentionHeads})`);
    }
  });
  return {
    architecture: tag,
    inChannels,
    channels,
    numResBlocks,
    attentionStages,
    attentionHeads,
    groups,
    embDim,
    fourierDim,
    numClasses,
    numLevels,
    ...(levelAdapterRank === undefined ? {} : { levelAdapterRank }),
  };
}

function parseSpectrumLevel(v: unknown, field: string): PowerSpectrumLevel {
  const l = obj(v, field);
  const frequencies = arr(l['frequencies'], `${field}.frequencies`).map((f, i) => finiteNumber(f, `${field}.frequencies[${i}]`));
  const power = arr(l['power'], `${field}.power`).map((p, i) => finiteNumber(p, `${field}.power[${i}]`));
  if (power.length !== frequencies.length) {
    throw new ConfigError(`${field}.power`, power.length, `must have as many entries as frequencies (${frequencies.length})`);
  }
  return { level: posInt(l['level'], `${field}.level`, 0), side: posInt(l['side'], `${field}.side`), frequencies, power };
}

/** Validates a `spectrum` object against core's {@link PowerSpectrum}. */
export function parsePowerSpectrum(v: unknown, field = 'spectrum'): PowerSpectrum {
  const s = obj(v, field);
  return {
    source: str(s['source'], `${field}.source`),
    downOperator: str(s['downOperator'], `${field}.downOperator`),
    pixelVariance: posNumber(s['pixelVariance'], `${field}.pixelVariance`),
    levels: arr(s['levels'], `${field}.levels`).map((l, i) => parseSpectrumLevel(l, `${field}.levels[${i}]`)),
  };
}

const WEIGHT_DTYPES = ['F16', 'F32', 'BF16'] as const;

/**
 * Validates a parsed config.json. Throws {@link ConfigError} whose `field` is the dotted path of
 * the first bad field (e.g. `architecture.channels[1]`).
 */
export function parseModelConfig(json: unknown): ModelConfig {
  const c = obj(json, 'config');
  if (c['format'] !== 'upshift-model') throw new ConfigError('format', c['format'], 'must be "upshift-model"');
  if (c['version'] !== 1) throw new ConfigError('version', c['version'], 'only version 1 is supported');
  const name = str(c['name'], 'name');
  const architecture = parseArchitecture(c['architecture']);
  const p = obj(c['preconditioning'], 'preconditioning');
  if (p['type'] !== 'edm') throw new ConfigError('preconditioning.type', p['type'], 'only "edm" is supported');
  const sd = arr(p['sigmaData'], 'preconditioning.sigmaData');
  if (sd.length !== architecture.numLevels) {
    throw new ConfigError('preconditioning.sigmaData', sd, `must have one entry per level (${architecture.numLevels})`);
  }
  const sigmaData = sd.map((s, i) => posNumber(s, `preconditioning.sigmaData[${i}]`));
  if (p['cNoise'] !== undefined && p['cNoise'] !== 'log(sigma) / 4') {
    throw new ConfigError('preconditioning.cNoise', p['cNoise'], 'only "log(sigma) / 4" is supported');
  }
  const nullClass = c['nullClass'] === undefined ? architecture.numClasses : posInt(c['nullClass'], 'nullClass', 0);
  if (nullClass !== architecture.numClasses) {
    throw new ConfigError('nullClass', nullClass, `must equal architecture.numClasses (${architecture.numClasses})`);
  }
  let classes: string[] | undefined;
  if (c['classes'] !== undefined) {
    classes = arr(c['classes'], 'classes').map((n, i) => str(n, `classes[${i}]`));
    if (classes.length !== architecture.numClasses) {
      throw new ConfigError('classes', classes.length, `must list architecture.numClasses (${architecture.numClasses}) names`);
    }
  }
  const w = obj(c['weights'] ?? { file: 'model.safetensors', dtype: 'F16', layout: 'pytorch' }, 'weights');
  const file = str(w['file'], 'weights.file');
  if (file.includes('/') || file.includes('\\') || file.includes('..')) {
    throw new ConfigError('weights.file', file, 'must be a plain file name next to config.json');
  }
  const dtype = w['dtype'];
  if (!WEIGHT_DTYPES.includes(dtype as (typeof WEIGHT_DTYPES)[number])) {
    throw new ConfigError('weights.dtype', dtype, `must be one of ${WEIGHT_DTYPES.join(', ')}`);
  }
  if (w['layout'] !== 'pytorch') throw new ConfigError('weights.layout', w['layout'], 'only "pytorch" is supported');
  let flops: Record<string, number> | undefined;
  if (c['flops'] !== undefined) {
    const f = obj(c['flops'], 'flops');
    flops = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, posNumber(v, `flops.${k}`)]));
  }
  return {
    format: 'upshift-model',
    version: 1,
    name,
    architecture,
    preconditioning: { type: 'edm', sigmaData },
    ...(c['resolution'] === undefined ? {} : { resolution: posInt(c['resolution'], 'resolution') }),
    ...(classes === undefined ? {} : { classes }),
    nullClass,
    ...(c['downOperator'] === undefined ? {} : { downOperator: str(c['downOperator'], 'downOperator') }),
    weights: { file, dtype: dtype as WeightsInfo['dtype'], layout: 'pytorch' },
    ...(flops === undefined ? {} : { flops }),
    ...(c['spectrum'] === undefined ? {} : { spectrum: parsePowerSpectrum(c['spectrum']) }),
    ...(c['sampling'] === undefined ? {} : { sampling: parseRecommendedSampling(c['sampling']) }),
    raw: c,
  };
}
