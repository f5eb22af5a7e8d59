/**
 * Registers the models of this package with a DI container: the shipped "emoji-unet" as a
 * {@link DenoiserFactory}.
 */
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, DenoiserFactory, ModelLoadError } from '@upshift/core';
import type { DenoiserDescription, ModelFactory } from '@upshift/core';
import { loadModel, loadModelConfig, MODEL_CONFIG_FILE } from './load-model.js';
import { describeModelConfig } from './unet-denoiser.js';

/** Directory of the shipped model (config.json + model.safetensors), next to the sources. */
export const EMOJI_UNET_ASSETS: URL = new URL('../assets/emoji-unet/', import.meta.url);

/** Options of the "emoji-unet" factory (`modelOptions` in a pipeline config). */
export interface EmojiUNetOptions {
  /**
   * Model directory (Node path) or URL to load instead of the shipped assets; it must hold a
   * config.json and the weights file it names.
   */
  readonly path?: string;
}

/** Defaults of {@link EmojiUNetOptions}: the shipped assets. */
export const DEFAULT_EMOJI_UNET_OPTIONS: EmojiUNetOptions = {};

/** Validates factory options; throws ConfigError('modelOptions.<field>', ...). */
export function validateEmojiUNetOptions(options: unknown): EmojiUNetOptions {
  if (options === undefined || options === null) return DEFAULT_EMOJI_UNET_OPTIONS;
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('modelOptions', options, 'must be an object');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'path') throw new ConfigError(`modelOptions.${key}`, o[key], 'unknown option (known: path)');
  }
  if (o['path'] === undefined) return DEFAULT_EMOJI_UNET_OPTIONS;
  if (typeof o['path'] !== 'string' || o['path'].length === 0) throw new ConfigError('modelOptions.path', o['path'], 'must be a non-empty string');
  return { path: o['path'] };
}

async function shippedAssetsMissing(): Promise<string | undefined> {
  if (EMOJI_UNET_ASSETS.protocol !== 'file:') return undefined; // served over http: let fetch report it
  const [{ access }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
  const configPath = fileURLToPath(new URL(MODEL_CONFIG_FILE, EMOJI_UNET_ASSETS));
  try {
    await access(configPath);
    return undefined;
  } catch {
    return configPath;
  }
}

/** Where the model of `options` is: `modelOptions.path`, else the shipped assets (checked). */
async function modelSource(options: unknown): Promise<string | URL> {
  const { path } = validateEmojiUNetOptions(options);
  if (path !== undefined) return path;
  const missing = await shippedAssetsMissing();
  if (missing !== undefined) {
    throw new ModelLoadError(
      missing,
      'the shipped model is not there yet (packages/models/assets/emoji-unet is written by tools/train/export.py); ' +
        'pass modelOptions.path to load another model directory',
    );
  }
  return EMOJI_UNET_ASSETS;
}

/**
 * Factory of the shipped emoji UNet (or another model of the same format via `path`).
 * `describe` reads only config.json, so a run can check its request before the weights load.
 */
export const emojiUNetFactory: ModelFactory = {
  name: 'emoji-unet',
  description: 'Multi-resolution EDM UNet trained on Noto emoji (64x64, 4 levels, class-conditional with CFG).',
  async create(options: unknown) {
    return loadModel(await modelSource(options));
  },
  async describe(options: unknown): Promise<DenoiserDescription> {
    return describeModelConfig(await loadModelConfig(await modelSource(options)));
  },
};

/** Registers {@link emojiUNetFactory} under {@link DenoiserFactory}. */
export function registerModels(container: DependencyContainer): void {
  container.register(DenoiserFactory, { useValue: emojiUNetFactory });
}
