/**
 * Loading a model: config.json + the weights file it names. `loadModel(dir)` reads from disk
 * (Node), `loadModelFromUrl(base)` fetches (browser, or http(s) in Node), and `createModel`
 * builds from bytes already in memory. Everything is validated before the first tensor is made,
 * so a failed load leaves no tensors behind; every failure is a ModelLoadError naming the file
 * (and the tensor or config field).
 */
import { ConfigError, ModelLoadError } from '@upshift/core';
import type { ModelConfig } from './model-config.js';
import { parseModelConfig } from './model-config.js';
import { parseSafetensors } from './safetensors.js';
import { unetLayout } from './unet-layout.js';
import { buildUNetWeights, validateWeights } from './unet-weights.js';
import { UNetDenoiser } from './unet-denoiser.js';

/** Name of the config file in a model directory. */
export const MODEL_CONFIG_FILE = 'config.json';

/** A model already in memory. */
export interface ModelFiles {
  /** config.json: the parsed object, its JSON text, or its bytes. */
  readonly config: unknown;
  /** The weights file's bytes (safetensors). */
  readonly weights: ArrayBuffer | ArrayBufferView;
  /** Name of the config in errors (default "config.json"). */
  readonly configName?: string;
  /** Name of the weights in errors (default: config.weights.file). */
  readonly weightsName?: string;
}

/** Options of {@link loadModelFromUrl}. */
export interface LoadModelFromUrlOptions {
  /** fetch to use (default: globalThis.fetch). */
  readonly fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Passed to every fetch (headers, credentials, signal). */
  readonly init?: RequestInit;
}

function decodeConfig(config: unknown, file: string): unknown {
  try {
    if (typeof config === 'string') return JSON.parse(config);
    if (config instanceof ArrayBuffer || ArrayBuffer.isView(config)) {
      const bytes = config instanceof ArrayBuffer ? new Uint8Array(config) : new Uint8Array(config.buffer, config.byteOffset, config.byteLength);
      return JSON.parse(new TextDecoder().decode(bytes));
    }
  } catch (e) {
    throw new ModelLoadError(file, `not valid JSON (${(e as Error).message})`);
  }
  return config;
}

/** Validates config JSON, turning a ConfigError into a ModelLoadError naming the file and field. */
export function readModelConfig(json: unknown, file = MODEL_CONFIG_FILE): ModelConfig {
  try {
    return parseModelConfig(decodeConfig(json, file));
  } catch (e) {
    if (e instanceof ConfigError) {
      const err = new ModelLoadError(file, `invalid field ${e.message.replace(/^Invalid /, '')}`);
      Object.defineProperty(err, 'cause', { value: e });
      throw err;
    }
    throw e;
  }
}

/** Builds a model from a validated config and the weights' bytes. */
function build(config: ModelConfig, weights: ArrayBuffer | ArrayBufferView, weightsName: string): UNetDenoiser {
  const layout = unetLayout(config.architecture);
  const st = parseSafetensors(weights, weightsName);
  validateWeights(st, layout, config.weights.dtype);
  return new UNetDenoiser(config, layout, buildUNetWeights(st, layout));
}

/** Builds a model from files already in memory (browser or Node). */
export function createModel(files: ModelFiles): UNetDenoiser {
  const config = readModelConfig(files.config, files.configName ?? MODEL_CONFIG_FILE);
  return build(config, files.weights, files.weightsName ?? config.weights.file);
}

function joinUrl(base: string | URL, file: string): URL {
  const b = new URL(String(base));
  if (!b.pathname.endsWith('/')) b.pathname += '/';
  return new URL(file, b);
}

async function fetchBytes(url: URL, opts: LoadModelFromUrlOptions): Promise<ArrayBuffer> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(url, opts.init);
  } catch (e) {
    throw new ModelLoadError(url.href, `fetch failed (${(e as Error).message})`);
  }
  if (!res.ok) throw new ModelLoadError(url.href, `HTTP ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
}

/**
 * Fetches `config.json` and its weights file from the directory URL `base` (browser, or
 * http(s) in Node). `file:` URLs are read from disk.
 */
export async function loadModelFromUrl(base: string | URL, options: LoadModelFromUrlOptions = {}): Promise<UNetDenoiser> {
  const configUrl = joinUrl(base, MODEL_CONFIG_FILE);
  if (configUrl.protocol === 'file:') {
    const { fileURLToPath } = await import('node:url');
    return loadModel(fileURLToPath(new URL('.', configUrl)));
  }
  const config = readModelConfig(new Uint8Array(await fetchBytes(configUrl, options)), configUrl.href);
  const weightsUrl = joinUrl(base, config.weights.file);
  return build(config, await fetchBytes(weightsUrl, options), weightsUrl.href);
}

async function readFileOrThrow(path: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelLoadError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${(e as Error).message})`);
  }
}

/**
 * Reads only a model's config.json (no weights): from a directory on disk (a string), or
 * fetched from a directory URL (http(s); `file:` URLs are read from disk). Throws
 * ModelLoadError naming the file, as {@link loadModel} would.
 */
export async function loadModelConfig(source: string | URL, options: LoadModelFromUrlOptions = {}): Promise<ModelConfig> {
  const url = source instanceof URL || /^(https?|file):\/\//i.test(source) ? joinUrl(source, MODEL_CONFIG_FILE) : undefined;
  if (url !== undefined && url.protocol !== 'file:') return readModelConfig(new Uint8Array(await fetchBytes(url, options)), url.href);
  const { join } = await import('node:path');
  let dir = source as string;
  if (url !== undefined) {
    const { fileURLToPath } = await import('node:url');
    dir = fileURLToPath(new URL('.', url));
  }
  const configPath = join(dir, MODEL_CONFIG_FILE);
  return readModelConfig(await readFileOrThrow(configPath), configPath);
}

/**
 * Loads a model. A string is a directory on disk holding config.json and the weights file
 * (Node; an http(s) URL string is fetched instead); a URL goes to {@link loadModelFromUrl};
 * {@link ModelFiles} are used as given.
 */
export async function loadModel(source: string | URL | ModelFiles): Promise<UNetDenoiser> {
  if (source instanceof URL) return loadModelFromUrl(source);
  if (typeof source !== 'string') return createModel(source);
  if (/^(https?|file):\/\//i.test(source)) return loadModelFromUrl(source);
  const { join } = await import('node:path');
  const configPath = join(source, MODEL_CONFIG_FILE);
  const config = readModelConfig(await readFileOrThrow(configPath), configPath);
  const weightsPath = join(source, config.weights.file);
  return build(config, await readFileOrThrow(weightsPath), weightsPath);
}
