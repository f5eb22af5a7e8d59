/**
 * Samples the sets of an evaluation that are not in the run cache yet (at most `maxSets` of
 * them), reusing every cached one: sets are planned first (a run stopped before its first step:
 * validates the config and gives the planned FLOPs for the ETA, without sampling), then sampled
 * one by one, each saved as soon as it finishes, so an interruption loses at most the set in
 * progress. A set whose config the pipeline refuses is recorded with its error (a combination
 * that does not work is a finding, not a crash).
 */
import { lastValueFrom, toArray } from 'rxjs';
import { UpshiftError } from '@upshift/core';
import type { Pipeline } from '@upshift/pipeline';
import type { CliIo } from '../cli-io.js';
import { runOrReuse } from '../cached-run.js';
import { modelFingerprint } from '../model-classes.js';
import type { RunCache, RunCacheKey } from '../run-cache.js';
import { canonicalJson } from '../run-cache.js';
import type { RunRecord } from '../run-with-progress.js';
import { InterruptedError } from '../run-with-progress.js';
import type { EvalProgress } from './eval-progress.js';
import type { EvalSet } from './eval-sets.js';

/** What is known about one set after sampling. */
export type SetOutcome =
  | { readonly kind: 'done'; readonly record: RunRecord; readonly cached: boolean }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'missing' };

/**
 * The run-cache key of a set: its config and the fingerprint of its model. The worker count is
 * left out: a denoiser pool computes every row bit for bit as one thread does (@upshift/denoiser-pool),
 * so sets sampled with any number of workers are the same set.
 */
export async function setKey(set: EvalSet): Promise<RunCacheKey> {
  const model = await modelFingerprint(String(set.config['model']), set.config['modelOptions'] as Record<string, unknown> | undefined);
  const { workers: _workers, ...config } = set.config;
  return { config, model };
}

/** Plans a config without sampling: its planned FLOPs, or the error the pipeline raises. */
async function planOf(pipeline: Pipeline, config: unknown): Promise<{ flops: number } | { error: string }> {
  try {
    const events = await lastValueFrom(pipeline.run(config, { stopBefore: 0 }).pipe(toArray()));
    const start = events.find((e) => e.type === 'start');
    return { flops: start && start.type === 'start' ? start.plan.flops : 0 };
  } catch (e) {
    if (e instanceof UpshiftError) return { error: `${e.name}: ${e.message}` };
    throw e;
  }
}

/** Options of {@link sampleEvalSets}. */
export interface SampleEvalOptions {
  readonly pipeline: Pipeline;
  readonly cache: RunCache;
  readonly io: CliIo;
  /** Sample at most this many missing runs (undefined: all). */
  readonly maxSets?: number;
  readonly signal?: AbortSignal;
  /** Creates the progress display once the work is planned. */
  readonly progress: (sets: number, totalFlops: number) => EvalProgress;
}

/** Samples what is missing and returns every set's outcome, by set id. */
export async function sampleEvalSets(sets: readonly EvalSet[], options: SampleEvalOptions): Promise<Map<string, SetOutcome>> {
  const { pipeline, cache, io } = options;
  const warn = (m: string): void => void io.stderr.write(`eval: ${m}\n`);
  // Sets with the same key are one run.
  const runs = new Map<string, { key: RunCacheKey; config: Readonly<Record<string, unknown>>; sets: EvalSet[] }>();
  for (const set of sets) {
    const key = await setKey(set);
    const text = canonicalJson(key);
    const run = runs.get(text);
    if (run) run.sets.push(set);
    else runs.set(text, { key, config: set.config, sets: [set] });
  }
  const outcome = new Map<string, SetOutcome>();
  const settle = (run: { sets: EvalSet[] }, o: SetOutcome): void => run.sets.forEach((s) => outcome.set(s.id, o));
  const todo: { key: RunCacheKey; config: Readonly<Record<string, unknown>>; sets: EvalSet[]; flops: number }[] = [];
  for (const run of runs.values()) {
    const hit = await cache.load(run.key, warn);
    if (hit) settle(run, { kind: 'done', record: hit, cached: true });
    else todo.push({ ...run, flops: 0 });
  }
  const budget = options.maxSets ?? Number.POSITIVE_INFINITY;
  const selected: typeof todo = [];
  for (const run of todo) {
    if (selected.length >= budget) {
      settle(run, { kind: 'missing' });
      continue;
    }
    if (options.signal?.aborted) throw new InterruptedError();
    const plan = await planOf(pipeline, run.config);
    if ('error' in plan) settle(run, { kind: 'error', error: plan.error });
    else selected.push({ ...run, flops: plan.flops });
  }
  if (selected.length > 0) {
    const progress = options.progress(selected.length, selected.reduce((a, r) => a + r.flops, 0));
    try {
      for (const run of selected) {
        const label = run.sets.map((s) => s.id).join(' = ');
        const reporter = progress.startSet(label, run.flops);
        try {
          const result = await runOrReuse(run.key, { pipeline, cache, progress: reporter, label, warn, ...(options.signal ? { signal: options.signal } : {}) }, run.config);
          settle(run, { kind: 'done', ...result });
        } catch (e) {
          if (e instanceof InterruptedError || !(e instanceof UpshiftError)) throw e;
          settle(run, { kind: 'error', error: `${e.name}: ${e.message}` });
        }
        progress.endSet();
      }
    } finally {
      progress.stop();
    }
  }
  return outcome;
}
