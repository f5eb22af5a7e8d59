/**
 * The class names of the model a run will use, read from its config.json before any weights
 * load, so `--class animals` can be resolved (and rejected) up front.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EMOJI_UNET_ASSETS, MODEL_CONFIG_FILE, readModelConfig } from '@upshift/models';

/** Class names of `model` (empty when it has none or is not a file-based model this CLI knows). */
export async function modelClasses(model: string, modelOptions: Record<string, unknown> | undefined): Promise<readonly string[]> {
  const path = typeof modelOptions?.['path'] === 'string' ? (modelOptions['path'] as string) : undefined;
  if (model !== 'emoji-unet' && path === undefined) return [];
  if (path !== undefined && /^https?:/.test(path)) return [];
  const file = path === undefined ? new URL(MODEL_CONFIG_FILE, EMOJI_UNET_ASSETS) : resolve(path, MODEL_CONFIG_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  // A missing config is reported by the model factory itself, with its own message.
  if (text === undefined) return [];
  return readModelConfig(text, String(file)).classes ?? [];
}
