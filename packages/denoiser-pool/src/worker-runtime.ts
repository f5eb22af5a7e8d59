/**
 * Where the pool's workers run, and how they are started: worker threads in Node (a file path,
 * with the TypeScript loader when the script is a `.ts` source file of this repo), module Web
 * Workers in a browser (a URL, e.g. a Vite `?worker&url` import). Node built-ins are reached
 * through `process.getBuiltinModule` so that this file also loads in a browser bundle.
 */
import { UpshiftError } from '@upshift/core';

/** True in Node (main thread or worker thread). */
export function isNodeRuntime(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The cores this runtime reports: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser. */
export function runtimeCores(): number {
  if (isNodeRuntime()) {
    const os = process.getBuiltinModule('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

/** A `.ts` / `.mts` / `.cts` file: needs a TypeScript loader in its thread. */
export function isTypeScriptSource(path: string): boolean {
  return /\.[cm]?tsx?$/i.test(path);
}

/** The module that registers `@oxc-node/core`'s TypeScript loader (the one the CLI runs with), as a file URL. */
export function typeScriptLoaderUrl(): string {
  const { createRequire } = process.getBuiltinModule('node:module');
  const { dirname, join } = process.getBuiltinModule('node:path');
  const { pathToFileURL } = process.getBuiltinModule('node:url');
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('@oxc-node/core/package.json'));
  } catch {
    throw new UpshiftError(
      'the denoiser pool worker script is TypeScript source, and @oxc-node/core (its loader) is not installed; ' +
        'use the built .js worker script, or pass DenoiserPoolOptions.script',
    );
  }
  return pathToFileURL(join(dir, 'register.mjs')).href;
}

/** How a Node worker thread of the pool is started. */
export interface NodeWorkerStart {
  /** Absolute path of the script. */
  readonly path: string;
  /** `execArgv` of the worker threads (undefined: inherit this process's). */
  readonly execArgv: readonly string[] | undefined;
}

/**
 * The script path and `execArgv` of the worker threads. A `.ts` script gets
 * `--import <@oxc-node/core/register>` unless this process already runs with it (the CLI does:
 * threads inherit `process.execArgv`); a test runner's process (vitest) does not.
 */
export function nodeWorkerStart(script: string | URL, execArgv?: readonly string[]): NodeWorkerStart {
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  const { isAbsolute, resolve } = process.getBuiltinModule('node:path');
  const raw = script instanceof URL || /^file:/i.test(script) ? fileURLToPath(script) : script;
  const path = isAbsolute(raw) ? raw : resolve(raw);
  if (execArgv !== undefined) return { path, execArgv };
  if (!isTypeScriptSource(path)) return { path, execArgv: undefined };
  const inherited = process.execArgv;
  if (inherited.some((a) => a.includes('@oxc-node/core'))) return { path, execArgv: undefined };
  return { path, execArgv: [...inherited, '--import', typeScriptLoaderUrl()] };
}
