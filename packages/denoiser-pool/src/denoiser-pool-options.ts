/**
 * Options of the denoiser pool provider, validated with zod: an error names the field and the
 * value (`ConfigError('pool.script', ...)`).
 */
import { z } from 'zod';
import { ConfigError } from '@upshift/core';

/** Options of {@link createDenoiserPoolProvider} / {@link registerDenoiserPool}. */
export interface DenoiserPoolOptions {
  /**
   * The worker script: it calls `serveDenoiserPool(loader)`. Node: a file path or `file:` URL
   * (a `.ts` source runs with `@oxc-node/core`'s loader); browser: the URL of a module worker
   * (e.g. `import url from './pool-worker.ts?worker&url'` with Vite).
   */
  readonly script: string | URL;
  /** Node: the worker threads' `execArgv` (default: inherited, plus the TypeScript loader for a `.ts` script). */
  readonly execArgv?: readonly string[];
  /** Upper bound on the workers `"auto"` starts (default: none, i.e. the core count). */
  readonly maxAutoWorkers?: number;
  /** Milliseconds a stopping worker gets to exit on its own before it is killed (default 1000). */
  readonly terminateTimeoutMs?: number;
}

/** Defaults of the optional {@link DenoiserPoolOptions}. */
export const DEFAULT_DENOISER_POOL_OPTIONS = { terminateTimeoutMs: 1000 } as const;

const Schema = z.strictObject({
  script: z.union([z.string().min(1, 'must be a non-empty path or URL'), z.instanceof(URL)], 'must be a path or URL of the worker script'),
  execArgv: z.array(z.string('must be strings')).optional(),
  maxAutoWorkers: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  terminateTimeoutMs: z.number('must be a number').min(0, 'must be >= 0').optional(),
});

/** Validates untrusted options. */
export function validateDenoiserPoolOptions(options: unknown): DenoiserPoolOptions {
  const result = Schema.safeParse(options);
  if (result.success) return result.data as DenoiserPoolOptions;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    throw new ConfigError(`pool.${key}`, (options as Record<string, unknown>)[key], 'unknown option (known: script, execArgv, maxAutoWorkers, terminateTimeoutMs)');
  }
  const field = issue.path.map(String).join('.');
  const value = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), options);
  return (() => {
    throw new ConfigError(field ? `pool.${field}` : 'pool', field ? value : options, issue.message);
  })();
}
