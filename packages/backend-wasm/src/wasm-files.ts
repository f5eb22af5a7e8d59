/**
 * Where the tfjs wasm binaries are. In Node they are found next to the installed
 * @tensorflow/tfjs-backend-wasm (or in a folder the user names, e.g. beside a bundle) and read
 * from disk; in a browser the app passes the URLs its bundler emitted, so nothing is fetched
 * from a CDN.
 */

/** The binaries tfjs-backend-wasm 4.x loads: plain, SIMD, and SIMD + threads. */
export const WASM_FILE_NAMES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/** One of {@link WASM_FILE_NAMES}. */
export type WasmFileName = (typeof WASM_FILE_NAMES)[number];

/** A folder / URL prefix holding the files, or one path / URL per file. */
export type WasmPaths = string | Readonly<Partial<Record<WasmFileName, string>>>;

/** The file tfjs will load here: threaded SIMD, SIMD, or plain. */
export function wasmFileFor(simd: boolean, threads: boolean): WasmFileName {
  if (simd && threads) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

/** The path or URL of `file` under `paths` (a prefix gets a "/" if it lacks one). */
export function wasmFileLocation(paths: WasmPaths, file: WasmFileName): string | undefined {
  if (typeof paths === 'string') return `${paths.endsWith('/') ? paths : `${paths}/`}${file}`;
  return paths[file];
}

/** Node: the dist folder of the installed @tensorflow/tfjs-backend-wasm, or undefined. */
export async function installedWasmDir(): Promise<string | undefined> {
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  try {
    return dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  } catch {
    return undefined;
  }
}
