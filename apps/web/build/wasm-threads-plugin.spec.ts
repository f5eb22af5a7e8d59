import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { patchThreadedGlue, THREADED_GLUE, wasmThreadsPlugin } from './wasm-threads-plugin.js';

const glueFile = join(
  dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
  'wasm-out',
  'tfjs-backend-wasm-threaded-simd.js',
);
const glue = readFileSync(glueFile, 'utf8');

/** Evaluates the glue as CommonJS and returns the factory's source, as tfjs puts it in the worker Blob. */
function factorySource(code: string): string {
  const module = { exports: {} as unknown };
  runInNewContext(code, { module, exports: module.exports });
  return (module.exports as () => unknown).toString();
}

describe('wasmThreadsPlugin', () => {
  // The end-to-end test shows the threaded build running in Chromium; these pin the cause.
  it("unpatched, the worker's copy of the factory reads _scriptDir without declaring it", () => {
    const source = factorySource(glue);
    expect(source).toMatch(/\b_scriptDir\b/);
    expect(source).not.toMatch(/\bvar _scriptDir\b/);
    expect(glue).toMatch(/\bvar _scriptDir\b/); // declared outside the factory, so lost in the Blob
  });

  it('patched, the factory declares _scriptDir itself, once', () => {
    const source = factorySource(patchThreadedGlue(glue));
    expect(source.match(/\bvar _scriptDir\b/g)).toEqual(['var _scriptDir']);
  });

  it('applies to the threaded glue only, and fails loudly if the glue changed', () => {
    const plugin = wasmThreadsPlugin();
    const transform = plugin.transform as (code: string, id: string) => { code: string } | null;
    expect(THREADED_GLUE.test(glueFile)).toBe(true);
    expect(transform(glue, glueFile)?.code).toContain('var _scriptDir = undefined;');
    expect(transform('export {}', '/x/node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js')).toBeNull();
    expect(() => patchThreadedGlue('function () {}', 'glue.js')).toThrow(/glue\.js: expected .* exactly once/);
  });
});
