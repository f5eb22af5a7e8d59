/**
 * Makes tfjs-backend-wasm's threaded build work in a bundle. tfjs starts its pthread workers
 * from a Blob holding `wasmFactoryThreadedSimd.toString()`: the factory function alone, without
 * the module-level `var _scriptDir` it reads. Unbundled that is a global; bundled (and
 * minified) it is a closure variable, so every worker dies with "_scriptDir is not defined"
 * ("e is not defined" once minified) and the backend never initialises. The patch declares the
 * variable inside the factory, with the value it has in a module script (undefined:
 * `document.currentScript` is null there), so the function is self-contained. Applied to the
 * dev server's dependency pre-bundle too. Pinned to tfjs 4.22's glue: if the anchor is not
 * found exactly once the build fails, rather than shipping a page whose threads break.
 */
import type { Plugin } from 'vite';

/** The threaded glue module of @tensorflow/tfjs-backend-wasm. */
export const THREADED_GLUE = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;

const ANCHOR = 'WasmBackendModuleThreadedSimd = WasmBackendModuleThreadedSimd || {};';
const PATCH = '\n  var _scriptDir = undefined; // upshift: keeps the factory self-contained for its Blob workers';

/** `code` of the glue with `_scriptDir` declared inside the factory. */
export function patchThreadedGlue(code: string, id = 'tfjs-backend-wasm-threaded-simd.js'): string {
  const at = code.indexOf(ANCHOR);
  if (at < 0 || code.indexOf(ANCHOR, at + 1) >= 0) {
    throw new Error(`${id}: expected "${ANCHOR}" exactly once (tfjs-backend-wasm 4.22 glue); update build/wasm-threads-plugin.ts`);
  }
  const end = at + ANCHOR.length;
  return `${code.slice(0, end)}${PATCH}${code.slice(end)}`;
}

/** The transform, as a plugin both Vite and the dependency optimizer (rolldown) accept. */
export function wasmThreadsPlugin(): Plugin {
  return {
    name: 'upshift:tfjs-wasm-threads',
    transform(code, id) {
      if (!THREADED_GLUE.test(id.split('?')[0] ?? id)) return null;
      return { code: patchThreadedGlue(code, id), map: null };
    },
  };
}
