import * as tf from '@tensorflow/tfjs-core';
import { container } from 'tsyringe';
import { Backend, BackendUnavailableError } from '@upshift/core';
import { registerCpuBackend, selectBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { skipUnless } from '@upshift/testing';
import { describe, expect, it, vi } from 'vitest';
import { registerWebGpuBackend } from './register-webgpu-backend.js';
import { webGpuBackendProvider } from './webgpu-backend-provider.js';
import { NO_ADAPTER_REASON } from './dawn-gpu.js';

const gpu = await webGpuBackendProvider.check();
// No adapter here: the webgpu test skips, saying why, unless this run requires webgpu (CI).
const noGpu = skipUnless('webgpu', gpu.available ? undefined : gpu.reason);
/** NO_ADAPTER_REASON without its anchor, to match inside a longer message. */
const NO_ADAPTER = NO_ADAPTER_REASON.source.slice(1);

/** All three real backends registered through DI, as an app would. */
function providers(webgpuOptions?: unknown) {
  const child = container.createChildContainer();
  registerCpuBackend(child);
  registerWasmBackend(child);
  registerWebGpuBackend(child, webgpuOptions);
  return child.resolveAll(Backend);
}

describe('selecting among the real backends', () => {
  it.skipIf(noGpu !== false)(`auto picks webgpu first when an adapter exists, logging one line${noGpu ? ` (skipped: ${noGpu})` : ''}`, async () => {
    const log = vi.fn();
    const selection = await selectBackend(providers(), 'auto', { log });
    expect(selection.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toMatch(/^backend: using "webgpu" \(auto, order webgpu > wasm > cpu\): WebGPU adapter /);
  });

  it('auto falls back to wasm when webgpu has no adapter, and says why', async () => {
    const log = vi.fn();
    const selection = await selectBackend(providers({ dawnFlags: ['adapter=no-such-adapter'] }), 'auto', { log });
    expect(selection.name).toBe('wasm');
    expect(selection.skipped).toHaveLength(1);
    expect(selection.skipped[0]!.name).toBe('webgpu');
    expect(selection.skipped[0]!.reason).toMatch(new RegExp(`^${NO_ADAPTER}`));
    expect(log.mock.calls[0]![0]).toMatch(new RegExp(`using "wasm" \\(auto, order webgpu > wasm > cpu; skipped webgpu \\(${NO_ADAPTER}`));
  });

  it('asking for webgpu by name when it cannot run throws BackendUnavailableError', async () => {
    const error = await selectBackend(providers({ dawnFlags: ['adapter=no-such-adapter'] }), 'webgpu', { log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`^Backend "webgpu" is not available here: ${NO_ADAPTER}`));
  });

  it('selects cpu and wasm by name', async () => {
    expect((await selectBackend(providers(), 'wasm', { log: () => {} })).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect((await selectBackend(providers(), 'cpu', { log: () => {} })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
