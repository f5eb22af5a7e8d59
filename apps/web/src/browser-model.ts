/**
 * The shipped emoji UNet for the browser: a `DenoiserFactory` named "emoji-unet" that fetches
 * the model with `loadModelFromUrl` from the folder the app serves (same origin). Registered
 * after `registerAll`, it shadows the package's factory, whose default location is a file path.
 * The pipeline caches the model per backend, so switching backends loads it once per backend.
 */
import type { DependencyContainer } from 'tsyringe';
import { DenoiserFactory } from '@upshift/core';
import type { Denoiser, PluginFactory } from '@upshift/core';
import { loadModelFromUrl, validateEmojiUNetOptions } from '@upshift/models';

/** Name of the factory (the pipeline config's default `model`). */
export const BROWSER_MODEL_NAME = 'emoji-unet';

/**
 * A factory loading from `folder` (a URL ending in `/`); `modelOptions.path` is resolved
 * against it, so another model served beside the app loads the same way.
 */
export function browserModelFactory(folder: URL): PluginFactory<Denoiser> {
  return {
    name: BROWSER_MODEL_NAME,
    description: `Multi-resolution EDM UNet trained on Noto emoji, fetched from ${folder.href}`,
    async create(options: unknown): Promise<Denoiser> {
      const { path } = validateEmojiUNetOptions(options);
      return loadModelFromUrl(path === undefined ? folder : new URL(path, folder));
    },
  };
}

/** Registers {@link browserModelFactory} under `DenoiserFactory` (the last one registered wins). */
export function registerBrowserModel(container: DependencyContainer, folder: URL): void {
  container.register(DenoiserFactory, { useValue: browserModelFactory(folder) });
}
