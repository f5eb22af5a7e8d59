import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { container } from 'tsyringe';
import { Backend, BackendUnavailableError, ConfigError } from '@upshift/core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnless } from '@upshift/testing';
import { describe, expect, it } from 'vitest';
import { dawnPlatformDir, explainNoAdapter, findVulkanDrivers, findVulkanLoader, loadDawn, NO_ADAPTER_REASON } from './dawn-gpu.js';
import { createWebGpuBackendProvider, validateWebGpuBackendOptions, webGpuBackendProvider } from './webgpu-backend-provider.js';
import { registerWebGpuBackend } from './register-webgpu-backend.js';

const capability = await webGpuBackendProvider.check();
// Without any adapter (no Vulkan loader, no driver) the device tests skip, saying why, unless
// this run requires webgpu (UPSHIFT_TEST_REQUIRE, set by CI after installing SwiftShader).
const noGpu = skipUnless('webgpu', capability.available ? undefined : capability.reason);

describe('webgpu options', () => {
  it('defaults, and accepts valid options', () => {
    expect(validateWebGpuBackendOptions(undefined)).toEqual({ powerPreference: 'high-performance', dawnFlags: [], driverCheck: true });
    expect(validateWebGpuBackendOptions({ powerPreference: 'low-power', dawnFlags: ['backend=vulkan'], driverCheck: false })).toEqual({
      powerPreference: 'low-power',
      dawnFlags: ['backend=vulkan'],
      driverCheck: false,
    });
  });

  it.each([
    [{ powerPreference: 'fast' }, 'backendOptions.powerPreference'],
    [{ dawnFlags: 'backend=vulkan' }, 'backendOptions.dawnFlags'],
    [{ dawnFlags: ['vulkan'] }, 'backendOptions.dawnFlags'],
    [{ device: 0 }, 'backendOptions.device'],
    [{ driverCheck: 'yes' }, 'backendOptions.driverCheck'],
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
    expect(result.available ? '' : result.reason).toMatch(NO_ADAPTER_REASON);
    const error = await provider.activate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(`Backend "webgpu" is not available here: ${result.available ? '' : result.reason}`);
  });

  it('finds the Vulkan loader only as a real, non-empty file (a stale cache entry is "not installed")', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upshift-vulkan-'));
    try {
      const lib = join(dir, 'lib');
      const empty = join(dir, 'empty');
      for (const d of [lib, empty]) rmSync(d, { force: true });
      const { mkdirSync } = await import('node:fs');
      mkdirSync(lib);
      mkdirSync(empty);
      writeFileSync(join(lib, 'libvulkan.so.1'), 'ELF');
      writeFileSync(join(empty, 'libvulkan.so.1'), '');
      // A loader cache listing both (binary, NUL-terminated paths).
      const cache = join(dir, 'ld.so.cache');
      writeFileSync(cache, Buffer.from(`glibc-ld.so.cache1.1\0libvulkan.so.1\0${join(empty, 'libvulkan.so.1')}\0libvulkan.so.1\0${join(lib, 'libvulkan.so.1')}\0`, 'latin1'));
      expect(await findVulkanLoader({}, cache)).toBe(join(lib, 'libvulkan.so.1'));
      expect(await findVulkanLoader({ LD_LIBRARY_PATH: empty }, join(dir, 'no-cache'))).toBeUndefined();
      expect(await findVulkanLoader({ LD_LIBRARY_PATH: `${empty}:${lib}` }, join(dir, 'no-cache'))).toBe(join(lib, 'libvulkan.so.1'));
      expect(await explainNoAdapter({}, join(dir, 'no-cache'))).toBe(
        'Dawn found no GPU adapter: the Vulkan loader libvulkan.so.1 is not installed (Debian/Ubuntu: apt-get install libvulkan1)',
      );
      expect(await explainNoAdapter({ LD_LIBRARY_PATH: lib, VK_ICD_FILENAMES: '/nonexistent/icd.json' }, join(dir, 'no-cache'))).toBe(
        'Dawn found no GPU adapter: the Vulkan driver file(s) /nonexistent/icd.json named by VK_ICD_FILENAMES/VK_DRIVER_FILES do not exist',
      );
      // No driver named: it depends on the manifests installed system-wide.
      expect(await explainNoAdapter({ LD_LIBRARY_PATH: lib }, join(dir, 'no-cache'))).toMatch(/^Dawn found no GPU adapter: (no Vulkan driver found|no usable Vulkan device from the driver\(s\) \/)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe('without a Vulkan driver, Dawn is not created (no warnings from it)', () => {
  /** Runs `check()` of a provider with `options` in a child process with `env`; its result and stderr. */
  function checkInChild(options: object, env: Record<string, string>): { result: { available: boolean; reason?: string }; stderr: string } {
    const module = new URL('./webgpu-backend-provider.ts', import.meta.url).href;
    const script = `const m = await import(${JSON.stringify(module)}); console.log(JSON.stringify(await m.createWebGpuBackendProvider(${JSON.stringify(options)}).check())); process.exit(0);`;
    const r = spawnSync(process.execPath, ['--import', '@oxc-node/core/register', '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 60_000 });
    return { result: JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null'), stderr: r.stderr };
  }

  it('finds driver manifests where the Vulkan loader looks, and VK_ICD_FILENAMES replaces the search', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upshift-icd-'));
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'share', 'vulkan', 'icd.d'), { recursive: true });
      writeFileSync(join(dir, 'share', 'vulkan', 'icd.d', 'gpu.json'), '{}');
      writeFileSync(join(dir, 'other.json'), '{}');
      const base = { HOME: dir, XDG_CONFIG_DIRS: join(dir, 'nowhere'), XDG_DATA_DIRS: join(dir, 'share') };
      expect(await findVulkanDrivers(base)).toContain(join(dir, 'share', 'vulkan', 'icd.d', 'gpu.json'));
      expect(await findVulkanDrivers({ ...base, VK_ICD_FILENAMES: `${join(dir, 'other.json')}:/nonexistent.json` })).toEqual([join(dir, 'other.json')]);
      expect(await findVulkanDrivers({ ...base, VK_DRIVER_FILES: '/nonexistent.json', VK_ADD_DRIVER_FILES: join(dir, 'other.json') })).toEqual([join(dir, 'other.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('check() says why without creating Dawn; with driverCheck off Dawn is created and prints its own warnings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upshift-nodriver-'));
    try {
      // No VK_ICD_FILENAMES, XDG folders without drivers: only system-wide manifests could count.
      const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: dir, XDG_CONFIG_DIRS: dir, XDG_DATA_DIRS: dir, XDG_RUNTIME_DIR: dir };
      const system = await findVulkanDrivers(env);
      if (system.length > 0) {
        console.warn(`this machine has Vulkan drivers (${system.join(', ')}): the no-driver case cannot be made here`);
        return;
      }
      const quiet = checkInChild({}, env);
      expect(quiet.result.available).toBe(false);
      expect(quiet.result.reason).toMatch(/^Dawn found no GPU adapter: (the Vulkan loader libvulkan\.so\.1 is not installed|no Vulkan driver found)/);
      expect(quiet.stderr).not.toMatch(/Warning|vkCreateInstance|third_party\/dawn/);
      const loud = checkInChild({ driverCheck: false }, env);
      expect(loud.result.available).toBe(false);
      expect(loud.result.reason).toMatch(NO_ADAPTER_REASON);
      expect(loud.stderr).toMatch(/Warning: .*(Vulkan|vkCreateInstance)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe.skipIf(noGpu !== false)(`webgpu device loss${noGpu ? ` (skipped: ${noGpu})` : ''}`, () => {
  it("the memory limit is the device's buffer limit, once active", async () => {
    expect(createWebGpuBackendProvider().memoryLimit!()).toBeUndefined(); // not active: unknown
    await webGpuBackendProvider.activate();
    const limits = webGpuBackendProvider.backend()!.device.limits;
    const limit = webGpuBackendProvider.memoryLimit!()!;
    expect(limit.totalBytes).toBeUndefined();
    expect(limit.maxTensorBytes).toBe(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize));
    expect(limit.maxTensorBytes).toBeGreaterThan(1 << 20);
  });

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
