import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, ConfigError, UnknownPluginError } from '@upshift/core';
import type { BackendCapability, BackendProvider } from '@upshift/core';
import { describe, expect, it, vi } from 'vitest';
import { cpuBackendProvider } from './cpu-backend-provider.js';
import { backendOrder, selectBackend } from './select-backend.js';

/** A provider that cannot run here, for the fallback paths. */
function unavailable(name: string, priority: number, reason: string): BackendProvider & { activate: ReturnType<typeof vi.fn> } {
  return {
    name,
    priority,
    check: async (): Promise<BackendCapability> => ({ available: false, reason }),
    activate: vi.fn(async () => {
      throw new BackendUnavailableError(name, reason);
    }),
  };
}

describe('selectBackend', () => {
  it('auto picks the highest-priority available backend and logs one line naming the skipped ones', async () => {
    const log = vi.fn();
    const gpu = unavailable('webgpu', 20, 'no adapter');
    const selection = await selectBackend([cpuBackendProvider, gpu], 'auto', { log });
    expect(selection.name).toBe('cpu');
    expect(selection.auto).toBe(true);
    expect(selection.skipped).toEqual([{ name: 'webgpu', reason: 'no adapter' }]);
    expect(gpu.activate).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toMatch(/using "cpu" \(auto, order webgpu > cpu; skipped webgpu \(no adapter\)\)/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('auto falls back when activation fails after a passing check', async () => {
    const flaky: BackendProvider = {
      name: 'flaky',
      priority: 5,
      check: async () => ({ available: true }),
      activate: async () => {
        throw new BackendUnavailableError('flaky', 'device request failed');
      },
    };
    const selection = await selectBackend([flaky, cpuBackendProvider], 'auto', { log: () => {} });
    expect(selection.name).toBe('cpu');
    expect(selection.skipped[0]!.reason).toBe('activation failed: device request failed');
  });

  it('selects by name, case-insensitively', async () => {
    const log = vi.fn();
    const selection = await selectBackend([unavailable('webgpu', 20, 'x'), cpuBackendProvider], ' CPU ', { log });
    expect(selection).toMatchObject({ name: 'cpu', auto: false, skipped: [] });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('using "cpu" (requested)'));
  });

  it("the backend's source (a .wasm path) is in the line only when verbose", async () => {
    const located: BackendProvider = {
      name: 'located',
      priority: 1,
      check: async () => ({ available: true, detail: 'short detail', source: '/a/very/long/path/to/kernels.wasm' }),
      activate: () => cpuBackendProvider.activate(),
    };
    const quiet = await selectBackend([located], 'located', { log: () => {} });
    expect(quiet.message).toBe('backend: using "located" (requested): short detail');
    expect(quiet.source).toBe('/a/very/long/path/to/kernels.wasm');
    const verbose = await selectBackend([located], 'auto', { log: () => {}, verbose: true });
    expect(verbose.message).toBe('backend: using "located" (auto, order located): short detail [/a/very/long/path/to/kernels.wasm]');
  });

  it('an unavailable named backend throws BackendUnavailableError with the reason', async () => {
    const gpu = unavailable('webgpu', 20, 'no GPU adapter (Dawn found no Vulkan device)');
    const error = await selectBackend([gpu, cpuBackendProvider], 'webgpu', { log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as BackendUnavailableError).backend).toBe('webgpu');
    expect((error as Error).message).toBe('Backend "webgpu" is not available here: no GPU adapter (Dawn found no Vulkan device)');
  });

  it('an unknown name throws UnknownPluginError listing the registered names', async () => {
    const error = await selectBackend([cpuBackendProvider], 'cuda', { log: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownPluginError);
    expect((error as Error).message).toBe('Invalid backend = "cuda": unknown name; registered: "auto", "cpu"');
  });

  it.each([[''], [42], [null]])('a non-string or empty request %j throws ConfigError', async (request) => {
    await expect(selectBackend([cpuBackendProvider], request as string, { log: () => {} })).rejects.toThrow(ConfigError);
  });

  it('auto with nothing runnable says why each backend failed', async () => {
    const error = await selectBackend([unavailable('wasm', 10, 'files missing'), unavailable('webgpu', 20, 'no adapter')], 'auto', {
      log: () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('webgpu: no adapter; wasm: files missing');
  });

  it('auto with no providers registered says so', async () => {
    await expect(selectBackend([], 'auto', { log: () => {} })).rejects.toThrow(/no backend is registered/);
  });

  it('a throwing capability check is reported, not propagated, in auto mode', async () => {
    const broken: BackendProvider = {
      name: 'broken',
      priority: 9,
      check: async () => {
        throw new Error('probe exploded');
      },
      activate: async () => {},
    };
    const selection = await selectBackend([broken, cpuBackendProvider], 'auto', { log: () => {} });
    expect(selection.skipped).toEqual([{ name: 'broken', reason: 'capability check failed: probe exploded' }]);
  });

  it('orders by priority, ties by name', () => {
    const p = (name: string, priority: number): BackendProvider => ({ name, priority, check: async () => ({ available: true }), activate: async () => {} });
    expect(backendOrder([p('b', 1), p('a', 1), p('z', 5), p('c', 0)]).map((x) => x.name)).toEqual(['z', 'a', 'b', 'c']);
  });
});
