/**
 * How many workers a run's model calls get: the `workers` setting resolved against what the
 * machine and the run allow. `"auto"` never fails (it falls back to this thread); an explicit
 * count that cannot be honoured is a ConfigError naming `workers`, before any model loads.
 */
import { ConfigError } from '@upshift/core';
import type { DenoiserPoolProvider } from '@upshift/core';
import type { WorkerSetting } from './pipeline-config.js';

/** What {@link resolveWorkerCount} weighs. */
export interface WorkerCountInput {
  /** The config's setting. */
  readonly requested: WorkerSetting;
  /** The registered pool provider, if any. */
  readonly provider: DenoiserPoolProvider | undefined;
  /** The run's backend. */
  readonly backend: string;
  /** Whether the caller passed its own denoiser (RunOptions.denoiser): it cannot be copied into workers. */
  readonly callerDenoiser: boolean;
  /** Most rows one model call can have: the batch, doubled when guidance can apply. */
  readonly maxRows: number;
}

/** The resolved count (1 = this thread) and, when it is 1 for `"auto"`, why. */
export interface WorkerCount {
  readonly workers: number;
  readonly reason?: string;
}

/**
 * Resolves the worker count. `"auto"` means one worker per core (`provider.cores()`); either way
 * the count is capped at `maxRows` (more workers would idle), and fewer than two means this thread.
 *
 * @throws ConfigError('workers', n, reason) when n > 1 is asked for and no pool can run it.
 */
export function resolveWorkerCount(input: WorkerCountInput): WorkerCount {
  const { requested, provider, backend } = input;
  if (requested === 1) return { workers: 1 };
  const auto = requested === 'auto';
  const refuse = (reason: string): WorkerCount => {
    if (auto) return { workers: 1, reason };
    throw new ConfigError('workers', requested, reason);
  };
  if (provider === undefined) return refuse('no denoiser pool is registered here (registerDenoiserPool, or registerAll in Node)');
  if (input.callerDenoiser) return refuse('the run was given its own denoiser (RunOptions.denoiser), which cannot be copied into workers');
  if (!provider.backends.includes(backend)) return refuse(`a denoiser pool runs ${provider.backends.join(' or ')}, and this run uses "${backend}"`);
  const wanted = auto ? provider.cores() : requested;
  const workers = Math.min(wanted, input.maxRows);
  if (workers < 2) return { workers: 1, reason: auto && wanted < 2 ? `${wanted} core` : `a model call has ${input.maxRows} row${input.maxRows === 1 ? '' : 's'}` };
  return { workers };
}
