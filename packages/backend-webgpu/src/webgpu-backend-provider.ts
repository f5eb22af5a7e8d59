/**
 * The tfjs WebGPU backend as a {@link BackendProvider}: `navigator.gpu` in a browser, Dawn
 * (the `webgpu` package) in Node. tfjs-backend-webgpu registers itself only if `navigator.gpu`
 * exists when it is imported, so activation installs the GPU first and then imports it, and
 * registers the device-loss-guarded backend under the name "webgpu".
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, ConfigError } from '@upshift/core';
import type { BackendCapability, BackendMemoryLimit, BackendProvider } from '@upshift/core';
import { explainNoAdapter, isNode, loadDawn, vulkanPreflight } from './dawn-gpu.js';
import { guardedBackendFactory } from './guarded-webgpu-backend.js';
import type { GuardedWebGpuBackend } from './guarded-webgpu-backend.js';

/** Name of the webgpu backend in configs and in tfjs. */
export const WEBGPU_BACKEND_NAME = 'webgpu';

/** Auto-selection priority: highest, a GPU beats wasm and cpu. */
export const WEBGPU_BACKEND_PRIORITY = 20;

/** Options of {@link createWebGpuBackendProvider}. */
export interface WebGpuBackendOptions {
  /** Adapter preference passed to `requestAdapter`. */
  readonly powerPreference: GPUPowerPreference;
  /** Node only: Dawn flags for `create()` (e.g. `"backend=vulkan"`, `"adapter=NVIDIA H100"`). */
  readonly dawnFlags: readonly string[];
  /**
   * Node on Linux: skip creating Dawn when there is no Vulkan loader or driver manifest (it
   * cannot find an adapter then, and only prints warnings). Turn off to see Dawn's own
   * diagnostics (the CLI's `--verbose` does).
   */
  readonly driverCheck: boolean;
}

/** Defaults of {@link WebGpuBackendOptions}. */
export const DEFAULT_WEBGPU_BACKEND_OPTIONS: WebGpuBackendOptions = { powerPreference: 'high-performance', dawnFlags: [], driverCheck: true };

/** The webgpu provider, with access to the live device (for diagnostics and tests). */
export interface WebGpuBackendProvider extends BackendProvider {
  /** Options in effect. */
  readonly options: WebGpuBackendOptions;
  /** The active tfjs backend if it is this provider's, else undefined. */
  backend(): GuardedWebGpuBackend | undefined;
}

/** Validates untrusted options (`backendOptions.*` in a pipeline config). */
export function validateWebGpuBackendOptions(options: unknown): WebGpuBackendOptions {
  if (options === undefined || options === null) return DEFAULT_WEBGPU_BACKEND_OPTIONS;
  if (typeof options !== 'object' || Array.isArray(options)) throw new ConfigError('backendOptions', options, 'must be an object');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(key in DEFAULT_WEBGPU_BACKEND_OPTIONS)) throw new ConfigError(`backendOptions.${key}`, o[key], 'unknown option (known: powerPreference, dawnFlags, driverCheck)');
  }
  const powerPreference = o['powerPreference'] ?? DEFAULT_WEBGPU_BACKEND_OPTIONS.powerPreference;
  if (powerPreference !== 'high-performance' && powerPreference !== 'low-power') {
    throw new ConfigError('backendOptions.powerPreference', powerPreference, 'must be "high-performance" or "low-power"');
  }
  const dawnFlags = o['dawnFlags'] ?? DEFAULT_WEBGPU_BACKEND_OPTIONS.dawnFlags;
  if (!Array.isArray(dawnFlags) || dawnFlags.some((f) => typeof f !== 'string' || !f.includes('='))) {
    throw new ConfigError('backendOptions.dawnFlags', dawnFlags, 'must be an array of "key=value" strings');
  }
  const driverCheck = o['driverCheck'] ?? DEFAULT_WEBGPU_BACKEND_OPTIONS.driverCheck;
  if (typeof driverCheck !== 'boolean') throw new ConfigError('backendOptions.driverCheck', driverCheck, 'must be true or false');
  return { powerPreference, dawnFlags: [...(dawnFlags as string[])], driverCheck };
}

let installedDawnGpu: GPU | undefined;

/** The GPU entry point here: the page's `navigator.gpu`, or Dawn's in Node. */
async function findGpu(options: WebGpuBackendOptions): Promise<{ gpu: GPU; install?: () => void } | { reason: string }> {
  // A page's (or the user's own) navigator.gpu wins; one we installed from Dawn is replaced
  // when a provider asks for other Dawn flags.
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing && existing !== installedDawnGpu) return { gpu: existing };
  // Dawn on Linux needs Vulkan unless the flags pick another backend.
  const vulkanOnly = !options.dawnFlags.some((f) => /^backend=/.test(f) && !/^backend=vulkan$/i.test(f));
  if (options.driverCheck && vulkanOnly) {
    const reason = await vulkanPreflight();
    if (reason !== undefined) return { reason };
  }
  const dawn = await loadDawn(options.dawnFlags);
  if (!dawn.ok) return { reason: dawn.reason };
  return {
    gpu: dawn.gpu,
    install: () => {
      // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, ... as globals.
      for (const [key, value] of Object.entries(dawn.globals)) {
        if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
      }
      const g = globalThis as { navigator?: object };
      if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
      Object.defineProperty(g.navigator, 'gpu', { value: dawn.gpu, configurable: true });
      installedDawnGpu = dawn.gpu;
    },
  };
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info as GPUAdapterInfo | undefined;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((p) => p);
  return `WebGPU adapter ${parts.length ? parts.join(' / ') : '(no info)'}${isNode() ? ' via Dawn' : ''}`;
}

/** Finds the GPU and an adapter on it; a reason when there is none. */
async function probe(options: WebGpuBackendOptions): Promise<{ gpu: GPU; adapter: GPUAdapter; install?: () => void } | { reason: string }> {
  const found = await findGpu(options);
  if ('reason' in found) return found;
  let adapter: GPUAdapter | null;
  try {
    adapter = await found.gpu.requestAdapter({ powerPreference: options.powerPreference });
  } catch (error) {
    return { reason: `requestAdapter() failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (adapter === null) return { reason: await explainNoAdapter() };
  return { ...found, adapter };
}

/** Creates a webgpu provider. `options` is validated (ConfigError naming the field). */
export function createWebGpuBackendProvider(options?: unknown): WebGpuBackendProvider {
  const resolved = validateWebGpuBackendOptions(options);
  let factory: (() => Promise<tf.KernelBackend>) | undefined;

  /** The registered tfjs "webgpu" backend, if this provider registered it and it is initialised. */
  const ours = (): GuardedWebGpuBackend | undefined => {
    if (factory === undefined || tf.findBackendFactory(WEBGPU_BACKEND_NAME) !== factory) return undefined;
    return (tf.engine().registry[WEBGPU_BACKEND_NAME] as GuardedWebGpuBackend | undefined) ?? undefined;
  };

  return {
    name: WEBGPU_BACKEND_NAME,
    priority: WEBGPU_BACKEND_PRIORITY,
    options: resolved,
    backend: ours,
    async check(): Promise<BackendCapability> {
      const found = await probe(resolved);
      if ('reason' in found) return { available: false, reason: found.reason };
      return { available: true, detail: describeAdapter(found.adapter) };
    },
    async activate(): Promise<void> {
      const current = ours();
      if (current === undefined || current.lostInfo !== undefined) {
        // Probe first, so a failed activation leaves any existing registration alone.
        const found = await probe(resolved);
        if ('reason' in found) throw new BackendUnavailableError(WEBGPU_BACKEND_NAME, found.reason);
        found.install?.();
        const module = await import('@tensorflow/tfjs-backend-webgpu');
        // Replace tfjs's own registration (or another provider's, or a lost device) with ours.
        if (tf.findBackendFactory(WEBGPU_BACKEND_NAME) !== null) tf.removeBackend(WEBGPU_BACKEND_NAME);
        factory = guardedBackendFactory(module.WebGPUBackend, found.gpu, resolved.powerPreference);
        tf.registerBackend(WEBGPU_BACKEND_NAME, factory, WEBGPU_BACKEND_PRIORITY);
      }
      let ok: boolean;
      try {
        ok = await tf.setBackend(WEBGPU_BACKEND_NAME);
      } catch (error) {
        throw new BackendUnavailableError(WEBGPU_BACKEND_NAME, error instanceof Error ? error.message : String(error));
      }
      if (!ok) throw new BackendUnavailableError(WEBGPU_BACKEND_NAME, 'tfjs could not initialise the backend on the GPU device');
    },
    memoryLimit(): BackendMemoryLimit | undefined {
      // The device's total memory is not exposed; one tensor is one buffer, bound as storage.
      const limits = ours()?.device.limits;
      if (limits === undefined) return undefined;
      return {
        maxTensorBytes: Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize),
        what: `the GPU device's buffer limit (maxBufferSize ${limits.maxBufferSize}, maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize})`,
      };
    },
  };
}

/** The webgpu provider with default options. */
export const webGpuBackendProvider: WebGpuBackendProvider = createWebGpuBackendProvider();
