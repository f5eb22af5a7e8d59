import { describe, expect, it } from 'vitest';
import { defaultWasmThreads, poolByDefault } from './worker-choice.js';

describe('poolByDefault', () => {
  it('uses the pool without cross-origin isolation whenever there is a second core', () => {
    expect([1, 2, 4, 16].map((cores) => poolByDefault(false, cores))).toEqual([false, true, true, true]);
  });

  it('with isolation, only where two workers beat tfjs\'s own wasm threads (half the cores, at most 4)', () => {
    expect([1, 2, 3, 4, 8, 16].map(defaultWasmThreads)).toEqual([1, 1, 1, 2, 4, 4]);
    expect([1, 2, 3, 4, 8, 16].map((cores) => poolByDefault(true, cores))).toEqual([false, true, true, false, false, false]);
  });
});
