import { describe, expect, it } from 'vitest';
import { ConfigError } from '@upshift/core';
import type { DenoiserPoolProvider } from '@upshift/core';
import { resolveWorkerCount } from './worker-count.js';

const provider = (cores: number): DenoiserPoolProvider => ({
  name: 'test',
  backends: ['cpu', 'wasm'],
  cores: () => cores,
  create: () => Promise.reject(new Error('not here')),
});
const base = { provider: provider(8), backend: 'wasm', callerDenoiser: false, maxRows: 18 };

describe('resolveWorkerCount', () => {
  it('1 is this thread; N is N; auto is one per core; all capped at the rows of a call', () => {
    expect(resolveWorkerCount({ ...base, requested: 1 })).toEqual({ workers: 1 });
    expect(resolveWorkerCount({ ...base, requested: 3 })).toEqual({ workers: 3 });
    expect(resolveWorkerCount({ ...base, requested: 'auto' })).toEqual({ workers: 8 });
    expect(resolveWorkerCount({ ...base, requested: 'auto', provider: provider(2) })).toEqual({ workers: 2 });
    expect(resolveWorkerCount({ ...base, requested: 'auto', maxRows: 3 })).toEqual({ workers: 3 });
    expect(resolveWorkerCount({ ...base, requested: 16, maxRows: 2 })).toEqual({ workers: 2 });
  });

  it('auto falls back to this thread (with the reason) where a pool cannot help or run', () => {
    expect(resolveWorkerCount({ ...base, requested: 'auto', provider: provider(1) })).toEqual({ workers: 1, reason: '1 core' });
    expect(resolveWorkerCount({ ...base, requested: 'auto', maxRows: 1 }).workers).toBe(1);
    expect(resolveWorkerCount({ ...base, requested: 'auto', backend: 'webgpu' }).reason).toMatch(/runs cpu or wasm, and this run uses "webgpu"/);
    expect(resolveWorkerCount({ ...base, requested: 'auto', provider: undefined }).reason).toMatch(/no denoiser pool is registered/);
    expect(resolveWorkerCount({ ...base, requested: 'auto', callerDenoiser: true }).reason).toMatch(/its own denoiser/);
  });

  it('an explicit count that cannot run is a ConfigError naming workers', () => {
    for (const bad of [{ backend: 'webgpu' }, { provider: undefined }, { callerDenoiser: true }]) {
      let caught: unknown;
      try {
        resolveWorkerCount({ ...base, requested: 2, ...bad });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).field).toBe('workers');
      expect((caught as ConfigError).value).toBe(2);
    }
  });
});
