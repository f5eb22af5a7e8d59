/**
 * What `--version` and `--help` say beyond the options: the program's version (with the Node
 * and tfjs versions it runs on) and the class names of the shipped model, for `--class`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { EMOJI_UNET_ASSETS, MODEL_CONFIG_FILE, readModelConfig } from '@upshift/models';

/** `upshift <version> (node <v>, tfjs <v>)`, the version from this package's package.json. */
export function versionText(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version?: string };
  return `upshift ${pkg.version ?? 'unknown'} (node ${process.version}, tfjs ${tf.version_core})`;
}

/**
 * The help section listing the shipped model's classes (index and name), as `--class` takes
 * them; a note instead when the model is not there.
 */
export function classesHelpText(): string {
  const file = new URL(MODEL_CONFIG_FILE, EMOJI_UNET_ASSETS);
  let classes: readonly string[] | undefined;
  try {
    classes = readModelConfig(readFileSync(file, 'utf8'), fileURLToPath(file)).classes;
  } catch {
    return '\nClasses: the shipped model is not installed (packages/models/assets/emoji-unet).\n';
  }
  if (!classes?.length) return '';
  const lines = classes.map((name, i) => `  ${String(i).padStart(2)}  ${name}`);
  return [
    '',
    'Classes of the shipped model "emoji-unet" (--class takes a name, a unique prefix, an index, "all" or "none";',
    'another model, given with --model-options, lists its own in its config.json):',
    ...lines,
    '',
  ].join('\n');
}
