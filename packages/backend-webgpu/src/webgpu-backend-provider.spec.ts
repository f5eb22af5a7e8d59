import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { container } from 'tsyringe';
import { Backend, BackendUnavailableError, ConfigError } from '@upshift/core';
import { describe, expect, it } from 'vitest';
import { dawnPlatformDir, explainNoAdapter, loadDawn } from './dawn-gpu.js';
import { createWebGpuBackendProvider, validateWebGpuBackendOptions, webGpuBackendProvider } from './webgpu-backend-provider.js';
import { registerWebGpuBackend } from './register-webgpu-backend.js';

const capability = await webGpuBackendProvider.check();
const noGpu = !capability.available && process.env['CI'] !== 'true';

describe('webgpu options', () => {
  it('defaults, and accepts valid options', () => {
    expect(validateWebGpuBackendOptions(undefined)).toEqual({ powerPreference: 'high-performance', dawnFlags: [] });
    expect(validateWebGpuBackendOptions({ powerPreference: 'low-power', dawnFlags: ['backend=vulkan'] })).toEqual({
      powerPreference: 'low-power',
      dawnFlags: ['backend=vulkan'],
    });
  });

  it.each([
    [{ powerPreference: 'fast' }, 'backendOptions.powerPreference'],
    [{ dawnFlags: 'backend=vulkan' }, 'backendOptions.dawnFlags'],
    [{ dawnFlags: ['vulkan'] }, 'backendOptions.dawnFlags'],
    [{ device: 0 }, 'backendOptions.device'],
    [7, 'backendOptions'],
  ])('rejects %j naming %s', (options, field) => {
    const error = (() => {
      try {
        createWebGpuBackendProvider(options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
  });

  it('registers under the Backend multi-token', () => {
    const child = container.createChildContainer();
    registerWebGpuBackend(child);
    expect(child.resolveAll(Backend).map((p) => p.name)).toEqual(['webgpu']);
  });
});

describe('Dawn probing', () => {
  it('a missing webgpu package is a reason, not a crash', async () => {
    const result = await loadDawn([], 'webgpu-package-that-does-not-exist');
    expect(result).toEqual({ ok: false, reason: 'the "webgpu-package-that-does-not-exist" package (Dawn for Node) is not installed' });
  });

  it('names the platform folder the webgpu package uses', () => {
    expect(dawnPlatformDir('linux', 'x64')).toBe('linux-x64');
    expect(dawnPlatformDir('darwin', 'arm64')).toBe('darwin-universal');
    expect(dawnPlatformDir('win32', 'arm64')).toBe('win32-arm64');
  });

  it('a Dawn that cannot give the requested adapter is unavailable, and activation says why', async () => {
    const provider = createWebGpuBackendProvider({ dawnFlags: ['adapter=no-such-adapter'] });
    const result = await provider.check();
    expect(result.available).toBe(false);
    expect(result.available ? '' : result.reason).toMatch(/^requestAdapter\(\) failed: no suitable backends found/);
    const error = await provider.activate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/^Backend "webgpu" is not available here: /);
  });

  it('explains a missing adapter by what is missing on this machine', async () => {
    const saved = process.env['VK_ICD_FILENAMES'];
    process.env['VK_ICD_FILENAMES'] = '/nonexistent/icd.json';
    try {
      const reason = await explainNoAdapter();
      expect(reason).toMatch(/^Dawn found no GPU adapter: the (Vulkan loader libvulkan\.so\.1 is not installed|Vulkan driver file\(s\) \/nonexistent\/icd\.json named by)/);
    } finally {
      if (saved === undefined) delete process.env['VK_ICD_FILENAMES'];
      else process.env['VK_ICD_FILENAMES'] = saved;
    }
  });
});

describe.skipIf(noGpu)('webgpu device loss', () => {
  it('a device destroyed mid-run fails with BackendUnavailableError, frees tensors, and re-activation recovers', async () => {
    await webGpuBackendProvider.activate();
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([1, 8, 8, 4]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 4]) as tf.Tensor4D;
    const y = tf.conv2d(x, w, 1, 'same');
    await y.data(); // the device works
    const pending = tf.conv2d(y, w, 1, 'same');
    webGpuBackendProvider.backend()!.device.destroy();
    const error = await pending.data().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/Backend "webgpu" is not available here: the GPU device was lost \(reason "destroyed"\)/);
    // Later kernels fail at once (inside tidy, so intermediates are freed).
    expect(() => tf.tidy(() => tf.relu(tf.add(x, 1)))).toThrow(BackendUnavailableError);
    tf.dispose([x, w, y, pending]);
    expect(tf.memory().numTensors).toBe(before);

    await webGpuBackendProvider.activate();
    expect(webGpuBackendProvider.backend()!.lostInfo).toBeUndefined();
    const z = tf.tidy(() => tf.add(tf.ones([4]), 1));
    expect(Array.from(await z.data())).toEqual([2, 2, 2, 2]);
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
