import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { Backend, BackendUnavailableError, ConfigError } from '@upshift/core';
import { describe, expect, it } from 'vitest';
import { createWasmBackendProvider, validateWasmBackendOptions, WASM_HEAP_MAX_BYTES, wasmBackendProvider } from './wasm-backend-provider.js';
import { registerWasmBackend } from './register-wasm-backend.js';
import { wasmFileFor, wasmFileLocation } from './wasm-files.js';

describe('wasm options and files', () => {
  it.each([
    [{ wasmPaths: 3 }, 'backendOptions.wasmPaths'],
    [{ wasmPaths: { 'other.wasm': '/x' } }, 'backendOptions.wasmPaths'],
    [{ simd: 'yes' }, 'backendOptions.simd'],
    [{ numThreads: 0 }, 'backendOptions.numThreads'],
    [{ threads: 2 }, 'backendOptions.threads'],
    ['fast', 'backendOptions'],
  ])('rejects %j naming %s', (options, field) => {
    expect(() => validateWasmBackendOptions(options)).toThrow(ConfigError);
    try {
      validateWasmBackendOptions(options);
    } catch (e) {
      expect((e as ConfigError).field).toBe(field);
    }
  });

  it('picks the build and locates it under a prefix or a file map', () => {
    expect(wasmFileFor(true, false)).toBe('tfjs-backend-wasm-simd.wasm');
    expect(wasmFileFor(true, true)).toBe('tfjs-backend-wasm-threaded-simd.wasm');
    expect(wasmFileFor(false, false)).toBe('tfjs-backend-wasm.wasm');
    expect(wasmFileLocation('/opt/w', 'tfjs-backend-wasm-simd.wasm')).toBe('/opt/w/tfjs-backend-wasm-simd.wasm');
    expect(wasmFileLocation({ 'tfjs-backend-wasm-simd.wasm': '/a/x.wasm' }, 'tfjs-backend-wasm-simd.wasm')).toBe('/a/x.wasm');
    expect(wasmFileLocation({}, 'tfjs-backend-wasm.wasm')).toBeUndefined();
  });

  it('registers under the Backend multi-token', () => {
    const child = container.createChildContainer();
    registerWasmBackend(child);
    expect(child.resolveAll(Backend)).toEqual([wasmBackendProvider]);
  });

  it('missing wasm files make the backend unavailable, naming the file, and activation fails cleanly', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'upshift-wasm-'));
    try {
      const provider = createWasmBackendProvider({ wasmPaths: empty });
      const capability = await provider.check();
      expect(capability).toEqual({
        available: false,
        reason: `wasm file missing: ${empty}/tfjs-backend-wasm-simd.wasm (point backendOptions.wasmPaths at the folder holding tfjs-backend-wasm-simd.wasm)`,
      });
      const error = await provider.activate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as Error).message).toContain('wasm file missing');
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('a file map without the needed build says which entry is missing', async () => {
    const provider = createWasmBackendProvider({ wasmPaths: { 'tfjs-backend-wasm.wasm': '/x/tfjs-backend-wasm.wasm' } });
    expect(await provider.check()).toEqual({
      available: false,
      reason: 'backendOptions.wasmPaths has no entry for tfjs-backend-wasm-simd.wasm, the file this runtime needs',
    });
  });

  it('finds the installed files in Node and reports SIMD on, one thread', async () => {
    const capability = await wasmBackendProvider.check();
    expect(capability.available).toBe(true);
    // The short detail goes in log lines; the (long) file path only in `source`, for verbose logs.
    expect(capability.available && capability.detail).toBe('tfjs wasm, SIMD on, 1 thread (tfjs has no wasm threads in Node)');
    expect(capability.available && capability.source).toMatch(/^\/.*\/tfjs-backend-wasm-simd\.wasm$/);
  });

  it('says how much memory a run may use: the 4 GiB wasm heap', () => {
    expect(wasmBackendProvider.memoryLimit!()).toEqual({ totalBytes: 4294901760, what: 'the wasm heap limit (4 GiB, 32-bit WebAssembly)' });
    expect(WASM_HEAP_MAX_BYTES).toBe(65535 * 65536);
  });
});
