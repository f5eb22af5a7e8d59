/**
 * The tfjs WebAssembly backend (XNNPACK kernels) as a {@link BackendProvider}, SIMD on.
 *
 * Threads: tfjs-backend-wasm reports no thread support in Node (`WASM_HAS_MULTITHREAD_SUPPORT`
 * is false when `IS_NODE`), and forcing the flag fails: its Emscripten pthread workers are
 * started from a `blob:` URL, which Node's worker_threads refuse ("WASM backend not
 * initialized"). Making them work would mean patching tfjs's generated glue at run time, so
 * this package does not; in Node the backend runs one thread. In a browser, threads work when
 * the page is cross-origin isolated; `numThreads` sets how many.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendUnavailableError, ConfigError } from '@upshift/core';
import type { BackendCapability, BackendProvider } from '@upshift/core';
import { installedWasmDir, WASM_FILE_NAMES, wasmFileFor, wasmFileLocation } from './wasm-files.js';
import type { WasmPaths } from './wasm-files.js';

/** Name of the wasm backend in configs and in tfjs. */
export const WASM_BACKEND_NAME = 'wasm';

/** Auto-selection priority: above cpu, below webgpu. */
export const WASM_BACKEND_PRIORITY = 10;

/** Options of {@link createWasmBackendProvider}. */
export interface WasmBackendOptions {
  /**
   * Where the .wasm files are: a folder (Node) or URL prefix, or a map from file name to path /
   * URL. Default: in Node, the installed package's dist folder; in a browser it is required.
   */
  readonly wasmPaths: WasmPaths | undefined;
  /** Use the SIMD build when the runtime supports SIMD. */
  readonly simd: boolean;
  /** Browser only (cross-origin isolated pages): worker threads; undefined = tfjs default. */
  readonly numThreads: number | undefined;
}

/** Defaults of {@link WasmBackendOptions}. */
export const DEFAULT_WASM_BACKEND_OPTIONS: WasmBackendOptions = { wasmPaths: undefined, simd: true, numThreads: undefined };

/** Validates untrusted options (`backendOptions.*` in a pipeline config). */
export function validateWasmBackendOptions(options: unknown): WasmBackendOptions {
  if (options === undefined || options === null) return DEFAULT_WASM_BACKEND_OPTIONS;
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('backendOptions', options, 'must be an object');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(key in DEFAULT_WASM_BACKEND_OPTIONS)) throw new ConfigError(`backendOptions.${key}`, o[key], 'unknown option (known: wasmPaths, simd, numThreads)');
  }
  const { wasmPaths, simd = true, numThreads } = o;
  if (wasmPaths !== undefined) {
    const ok =
      (typeof wasmPaths === 'string' && wasmPaths !== '') ||
      (typeof wasmPaths === 'object' &&
        wasmPaths !== null &&
        !Array.isArray(wasmPaths) &&
        Object.entries(wasmPaths).every(([k, v]) => (WASM_FILE_NAMES as readonly string[]).includes(k) && typeof v === 'string'));
    if (!ok) throw new ConfigError('backendOptions.wasmPaths', wasmPaths, `must be a folder / URL prefix or a map from ${WASM_FILE_NAMES.join(', ')} to paths`);
  }
  if (typeof simd !== 'boolean') throw new ConfigError('backendOptions.simd', simd, 'must be a boolean');
  if (numThreads !== undefined && (!Number.isInteger(numThreads) || (numThreads as number) < 1)) {
    throw new ConfigError('backendOptions.numThreads', numThreads, 'must be a positive integer');
  }
  return { wasmPaths: wasmPaths as WasmPaths | undefined, simd, numThreads: numThreads as number | undefined };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** What the backend will load here, or why it cannot. */
interface WasmPlan {
  readonly paths: WasmPaths;
  readonly file: string;
  readonly location: string;
  readonly simd: boolean;
  readonly threads: boolean;
}

async function plan(options: WasmBackendOptions): Promise<WasmPlan | { reason: string }> {
  if (typeof WebAssembly === 'undefined') return { reason: 'WebAssembly is not supported by this runtime' };
  const simd = options.simd && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  const file = wasmFileFor(simd, threads);
  let paths = options.wasmPaths;
  if (paths === undefined) {
    if (!isNode()) {
      return { reason: 'in a browser, backendOptions.wasmPaths must give the URLs of the .wasm files (e.g. Vite "?url" imports of @tensorflow/tfjs-backend-wasm/dist/*.wasm)' };
    }
    const dir = await installedWasmDir();
    if (dir === undefined) return { reason: '@tensorflow/tfjs-backend-wasm is not installed, and no backendOptions.wasmPaths was given' };
    paths = `${dir}/`;
  }
  const location = wasmFileLocation(paths, file);
  if (location === undefined) return { reason: `backendOptions.wasmPaths has no entry for ${file}, the file this runtime needs` };
  if (isNode() && !/^(https?|data|blob):/.test(location)) {
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const path = location.startsWith('file:') ? fileURLToPath(location) : location;
    if (!existsSync(path)) return { reason: `wasm file missing: ${path} (point backendOptions.wasmPaths at the folder holding ${file})` };
  }
  return { paths, file, location, simd, threads };
}

/** Creates a wasm provider. `options` is validated (ConfigError naming the field). */
export function createWasmBackendProvider(options?: unknown): BackendProvider & { readonly options: WasmBackendOptions } {
  const resolved = validateWasmBackendOptions(options);
  const initialised = () => tf.engine().registry[WASM_BACKEND_NAME] !== undefined;
  return {
    name: WASM_BACKEND_NAME,
    priority: WASM_BACKEND_PRIORITY,
    options: resolved,
    async check(): Promise<BackendCapability> {
      if (initialised()) return { available: true, detail: 'tfjs wasm (already initialised)' };
      const p = await plan(resolved);
      if ('reason' in p) return { available: false, reason: p.reason };
      const threads = p.threads ? `threads ${resolved.numThreads ?? 'auto'}` : `1 thread${isNode() ? ' (tfjs has no wasm threads in Node)' : ' (page not cross-origin isolated)'}`;
      // The file's full path (or URL) is for verbose logs only: it can be hundreds of characters.
      return { available: true, detail: `tfjs wasm, SIMD ${p.simd ? 'on' : 'off'}, ${threads}`, source: p.location };
    },
    async activate(): Promise<void> {
      if (!initialised()) {
        const p = await plan(resolved);
        if ('reason' in p) throw new BackendUnavailableError(WASM_BACKEND_NAME, p.reason);
        if (!p.simd) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
        // Node reads the files from disk; the browser fetches the given URLs (no CDN).
        if (typeof p.paths === 'string') setWasmPaths(p.paths);
        else setWasmPaths(p.paths as Record<string, string>);
        if (resolved.numThreads !== undefined) setThreadsCount(resolved.numThreads);
      }
      let ok: boolean;
      try {
        ok = await tf.setBackend(WASM_BACKEND_NAME);
      } catch (error) {
        throw new BackendUnavailableError(WASM_BACKEND_NAME, error instanceof Error ? error.message : String(error));
      }
      if (!ok) throw new BackendUnavailableError(WASM_BACKEND_NAME, 'tfjs could not initialise the wasm backend (see the warning above)');
    },
    memoryLimit: () => ({ totalBytes: WASM_HEAP_MAX_BYTES, what: 'the wasm heap limit (4 GiB, 32-bit WebAssembly)' }),
  };
}

/**
 * Largest heap tfjs-backend-wasm can grow to: its Emscripten build's `getHeapMax()` (65535
 * pages of 64 KiB, the 32-bit WebAssembly limit). Weights and every live tensor share it; past
 * it kernels fail with "memory access out of bounds".
 */
export const WASM_HEAP_MAX_BYTES = 4294901760;

/** The wasm provider with default options. */
export const wasmBackendProvider = createWasmBackendProvider();
