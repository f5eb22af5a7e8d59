/**
 * The class names of the model a run will use, read from its config.json before any weights
 * load, so `--class animals` can be resolved (and rejected) up front; and a fingerprint of that
 * config for `compare --cache-dir` (a retrained model has a different config).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import { ConfigError, DenoiserFactory, ModelLoadError } from '@upshift/core';
import { EMOJI_UNET_ASSETS, MODEL_CONFIG_FILE, readModelConfig } from '@upshift/models';
import { findFactory, preflightRun } from '@upshift/pipeline';
import { canonicalJson } from './run-cache.js';

/** How long fetching a remote model's config.json may take up front (ms). */
export const MODEL_CONFIG_FETCH_TIMEOUT_MS = 15_000;

/** The config.json of a model folder served over http(s), fetched up front (the weights are fetched by the run). */
async function fetchModelConfig(path: string): Promise<{ text: string; file: string }> {
  const url = new URL(MODEL_CONFIG_FILE, path.endsWith('/') ? path : `${path}/`);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(MODEL_CONFIG_FETCH_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ModelLoadError(url.href, `cannot fetch it (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  }
  if (!res.ok) throw new ModelLoadError(url.href, `cannot fetch it (HTTP ${res.status} ${res.statusText})`);
  return { text: await res.text(), file: url.href };
}

/** The text of the model's config.json and where it is, or undefined for a model this CLI cannot read up front. */
async function modelConfigText(model: string, modelOptions: Record<string, unknown> | undefined): Promise<{ text: string; file: string } | undefined> {
  let path = typeof modelOptions?.['path'] === 'string' ? (modelOptions['path'] as string) : undefined;
  if (model !== 'emoji-unet' && path === undefined) return undefined;
  // A folder served over http(s): its classes and recommended sampling count as a local folder's.
  if (path !== undefined && /^https?:/i.test(path)) return fetchModelConfig(path);
  if (path !== undefined && /^file:/i.test(path)) path = fileURLToPath(path);
  const file = path === undefined ? new URL(MODEL_CONFIG_FILE, EMOJI_UNET_ASSETS) : resolve(path, MODEL_CONFIG_FILE);
  try {
    return { text: await readFile(file, 'utf8'), file: String(file) };
  } catch (error) {
    // A missing shipped model is reported by its factory; a folder the user named is checked
    // here, first, so the error names the folder rather than an option read from it (--class).
    if (path === undefined) return undefined;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelLoadError(String(file), code === 'ENOENT' ? 'file not found (the "path" of --model-options must be a model folder holding config.json)' : `cannot read (${code ?? (error as Error).message})`);
  }
}

/**
 * Refuses a model name that no registered factory has, before anything is read from the model
 * (otherwise its classes read as none, and `--class 0` is blamed: "classes: (none)").
 *
 * @throws UnknownPluginError naming `model`, the value and the registered models.
 */
export function checkModelName(container: DependencyContainer, model: string): void {
  findFactory(container, DenoiserFactory, 'model', model);
}

/** Class names of `model` (empty when it has none or is not a file-based model this CLI knows). */
export async function modelClasses(model: string, modelOptions: Record<string, unknown> | undefined): Promise<readonly string[]> {
  const config = await modelConfigText(model, modelOptions);
  if (config === undefined) return [];
  return readModelConfig(config.text, config.file).classes ?? [];
}

/** The model's recommended sampling settings (`config.json` -> `sampling`; undefined when it has none or cannot be read up front). */
export async function modelRecommendedSampling(model: string, modelOptions: Record<string, unknown> | undefined): Promise<Readonly<Record<string, unknown>> | undefined> {
  const text = await modelConfigText(model, modelOptions);
  if (text === undefined) return undefined;
  const sampling = readModelConfig(text.text, text.file).sampling;
  if (sampling === undefined) return undefined;
  const { measured: _note, ...fields } = sampling;
  return fields;
}

/**
 * Checks the settings a run takes from the model's recommendation (`config.json` -> `sampling`)
 * the way the run would check them (the pipeline's preflight: plugin names and options, the
 * plan), before any work, so that a bad recommendation is reported as the model file's fault:
 * `Cannot load model file <dir>/config.json: invalid field sampling.policy = "warp": ...`, not
 * as if the user had typed `--policy warp`. Errors about the user's own options are left to the
 * run (they name the option). `config` is the merged config the run will use.
 *
 * @throws ModelLoadError naming the file and `sampling.<field>`.
 */
export async function checkRecommendedSampling(
  container: DependencyContainer,
  config: Readonly<Record<string, unknown>>,
  model: string,
  modelOptions: Record<string, unknown> | undefined,
): Promise<void> {
  const text = await modelConfigText(model, modelOptions);
  const sampling = text === undefined ? undefined : (readModelConfig(text.text, text.file).sampling as Readonly<Record<string, unknown>> | undefined);
  if (text === undefined || sampling === undefined) return;
  // The fields the run takes from the recommendation (the user's own settings win).
  const fromModel = new Set(Object.keys(sampling).filter((k) => k !== 'measured' && config[k] !== undefined && JSON.stringify(config[k]) === JSON.stringify(sampling[k])));
  if (fromModel.size === 0) return;
  const child = container.createChildContainer();
  try {
    await preflightRun({ root: container, child, config });
  } catch (error) {
    if (!(error instanceof ConfigError) || !fromModel.has(error.field.split(/[.[]/)[0]!)) return;
    const bad = new ModelLoadError(text.file, `invalid field sampling.${error.message.replace(/^Invalid /, '')} (the model's recommended sampling; override it with the option of that name)`);
    Object.defineProperty(bad, 'cause', { value: error });
    throw bad;
  } finally {
    await child.dispose();
  }
}

/** The model's native side and image channels from its config.json (undefined when it cannot be read up front). */
export async function modelImageSize(model: string, modelOptions: Record<string, unknown> | undefined): Promise<{ side?: number; channels: number } | undefined> {
  const text = await modelConfigText(model, modelOptions);
  if (text === undefined) return undefined;
  const config = readModelConfig(text.text, text.file);
  return { ...(config.resolution === undefined ? {} : { side: config.resolution }), channels: config.architecture.inChannels };
}

/**
 * `sha256:<hex>` of a model's config.json text without its recommended `sampling`: everything
 * else in the file (architecture, preconditioning, weights, training, spectrum) decides a run's
 * pixels, while the recommendation only fills the options a user leaves out, and a cached run's
 * key holds those resolved options already. So a run cached before the recommendation changed
 * stays valid, and one cached after a retraining does not.
 */
export function configFingerprint(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const { sampling: _recommendation, ...rest } = body as Record<string, unknown>;
    body = rest;
  }
  return `sha256:${createHash('sha256').update(canonicalJson(body)).digest('hex')}`;
}

/** {@link configFingerprint} of the model's config.json, or `name:<model>` when it cannot be read up front. */
export async function modelFingerprint(model: string, modelOptions: Record<string, unknown> | undefined): Promise<string> {
  const config = await modelConfigText(model, modelOptions);
  return config === undefined ? `name:${model}` : configFingerprint(config.text);
}

/** The down operator the model's coarse levels were trained with (`config.json` -> `downOperator`; undefined when it cannot be read up front). */
export async function modelDownOperator(model: string, modelOptions: Record<string, unknown> | undefined): Promise<string | undefined> {
  const text = await modelConfigText(model, modelOptions);
  return text === undefined ? undefined : readModelConfig(text.text, text.file).downOperator;
}
