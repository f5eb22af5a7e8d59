/**
 * The tfjs cpu backend (plain JavaScript kernels) as a {@link BackendProvider}. It runs
 * everywhere tfjs runs, so it is the last resort of auto-selection and the numerical
 * reference of the conformance suite.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '@upshift/core';
import type { BackendCapability, BackendMemoryLimit, BackendProvider } from '@upshift/core';

/** Name of the cpu backend in configs and in tfjs. */
export const CPU_BACKEND_NAME = 'cpu';

/** Auto-selection priority of the cpu backend: lowest, it is the fallback. */
export const CPU_BACKEND_PRIORITY = 0;

/** The cpu backend provider: always available. */
export const cpuBackendProvider: BackendProvider = {
  name: CPU_BACKEND_NAME,
  priority: CPU_BACKEND_PRIORITY,
  async check(): Promise<BackendCapability> {
    return tf.findBackendFactory(CPU_BACKEND_NAME) === null
      ? { available: false, reason: 'the tfjs cpu backend is not registered (@tensorflow/tfjs-backend-cpu failed to load)' }
      : { available: true, detail: 'tfjs cpu kernels (JavaScript)' };
  },
  async activate(): Promise<void> {
    const ok = await tf.setBackend(CPU_BACKEND_NAME);
    if (!ok) throw new BackendUnavailableError(CPU_BACKEND_NAME, 'tf.setBackend("cpu") failed to initialise the backend');
    await tf.ready();
  },
  memoryLimit: cpuMemoryLimit,
};

/**
 * The cpu backend keeps tensors in JavaScript typed arrays: in Node, all of them together
 * must fit this machine's memory, and one array at most `buffer.constants.MAX_LENGTH` bytes.
 * Unknown in a browser.
 */
export function cpuMemoryLimit(): BackendMemoryLimit | undefined {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  const os = get('node:os') as typeof import('node:os') | undefined;
  const buffer = get('node:buffer') as typeof import('node:buffer') | undefined;
  if (!os) return undefined;
  return {
    totalBytes: os.totalmem(),
    ...(buffer ? { maxTensorBytes: buffer.constants.MAX_LENGTH } : {}),
    what: "this machine's memory (the cpu backend keeps tensors in JavaScript arrays)",
  };
}
