/**
 * One set of images, sampled or reused: `compare` and `eval` keep every finished run in a run
 * cache (keyed by its full config and the model's fingerprint), so an interrupted comparison or
 * evaluation continues where it stopped and a long one can run one set per invocation.
 */
import type { Pipeline } from '@upshift/pipeline';
import type { RunCache, RunCacheKey } from './run-cache.js';
import type { RunRecord } from './run-with-progress.js';
import { runWithProgress } from './run-with-progress.js';
import type { ProgressReporter } from './step-progress.js';

/** How {@link runOrReuse} samples and reports. */
export interface CachedRunContext {
  readonly pipeline: Pipeline;
  readonly cache?: RunCache;
  readonly progress: ProgressReporter;
  readonly label: string;
  readonly signal?: AbortSignal;
  /** Receives cache warnings (an unreadable cached run is sampled again). */
  readonly warn?: (message: string) => void;
}

/**
 * The cached run of `key`, else a fresh run of `config` (default `key.config`; a caller may run
 * with settings that do not change the pixels, such as the worker count, left out of the key),
 * saved to the cache when there is one.
 */
export async function runOrReuse(key: RunCacheKey, ctx: CachedRunContext, config: unknown = key.config): Promise<{ record: RunRecord; cached: boolean }> {
  const hit = await ctx.cache?.load(key, ctx.warn);
  if (hit) return { record: hit, cached: true };
  const record = await runWithProgress(ctx.pipeline, config, { progress: ctx.progress, label: ctx.label, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (ctx.cache) await ctx.cache.save(key, ctx.label.trim(), record);
  return { record, cached: false };
}
