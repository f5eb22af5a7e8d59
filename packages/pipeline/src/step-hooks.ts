/**
 * Runs the step hooks after a step and enforces what they may change: only the fields in
 * core's STEP_HOOK_MUTABLE_FIELDS (the next step's `level` and replacement `latents`), each
 * checked (diffusers' `callback_on_step_end` + `_callback_tensor_inputs` idea, without letting a
 * hook touch anything else). Hooks run in order; each sees the decisions of those before it
 * (`nextLevel`, and `x` = the replacement latents, if any).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { HookError, STEP_HOOK_MUTABLE_FIELDS, describeValue } from '@upshift/core';
import type { ResolutionLevel, StepHook, StepHookContext } from '@upshift/core';

/** What the hooks decided for the next step. */
export interface StepHookDecision {
  /** Level of the next step. */
  readonly level: ResolutionLevel;
  /** Name of the last hook that changed the level, if any did. */
  readonly levelHook: string | undefined;
  /**
   * Replacement latents (at the step's level), now owned by the caller; `undefined` when no
   * hook replaced them.
   */
  readonly latents: Tensor4D | undefined;
}

const ALLOWED: ReadonlySet<string> = new Set(STEP_HOOK_MUTABLE_FIELDS);

function reject(hook: StepHook, field: string, reason: string, replacement: Tensor4D | undefined, keep: readonly Tensor4D[]): never {
  if (replacement !== undefined && !keep.includes(replacement) && !replacement.isDisposed) replacement.dispose();
  throw new HookError(hook.name, field, reason);
}

/**
 * Calls (and awaits) `hooks` in order with `base` (`nextLevel` starts at `plannedLevel`, `x` at `base.x`).
 * The tensors of `base` stay the caller's. Replacement latents a hook returns become the
 * caller's when accepted; a rejected result's latents are disposed, and so are replacements
 * accepted before a later hook fails, so nothing leaks on a HookError.
 *
 * @throws HookError when a result has a field outside the allow-list, a level outside
 *   [0, maxLevel], or latents that are not a live float32 tensor of the step's shape.
 */
export async function runStepHooks(
  hooks: readonly StepHook[],
  base: Omit<StepHookContext, 'nextLevel'>,
  plannedLevel: ResolutionLevel,
): Promise<StepHookDecision> {
  let level = plannedLevel;
  let levelHook: string | undefined;
  let latents: Tensor4D | undefined;
  const own = [base.x, base.denoised];
  try {
    for (const hook of hooks) {
      const result = (await hook.afterStep({ ...base, x: latents ?? base.x, nextLevel: level })) as unknown;
      if (result === undefined || result === null) continue;
      const offered = typeof result === 'object' ? (result as Record<string, unknown>)['latents'] : undefined;
      const candidate = offered instanceof tf.Tensor ? (offered as Tensor4D) : undefined;
      const keep = latents === undefined ? own : [...own, latents];
      if (typeof result !== 'object' || Array.isArray(result)) {
        reject(hook, 'result', `must be an object with ${STEP_HOOK_MUTABLE_FIELDS.join(' / ')}, or nothing; got ${describeValue(result)}`, candidate, keep);
      }
      const record = result as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!ALLOWED.has(key)) {
          reject(hook, key, `not a mutable field (allowed: ${STEP_HOOK_MUTABLE_FIELDS.join(', ')})`, candidate, keep);
        }
      }
      const wanted = record['level'];
      if (wanted !== undefined && (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0 || wanted > base.maxLevel)) {
        reject(hook, 'level', `${describeValue(wanted)} is not an integer level in [0, ${base.maxLevel}]`, candidate, keep);
      }
      if (offered !== undefined) {
        const current = latents ?? base.x;
        if (candidate === undefined) reject(hook, 'latents', `must be a tf.Tensor, got ${describeValue(offered)}`, undefined, keep);
        if (candidate.isDisposed) reject(hook, 'latents', 'the tensor is already disposed', undefined, keep);
        if (candidate.dtype !== 'float32') reject(hook, 'latents', `dtype ${candidate.dtype} is not float32`, candidate, keep);
        if (candidate.rank !== 4 || candidate.shape.some((v, i) => v !== current.shape[i])) {
          reject(hook, 'latents', `shape [${candidate.shape.join(', ')}] is not the latent's [${current.shape.join(', ')}]`, candidate, keep);
        }
        if (candidate !== current) {
          // A hook may hand back a tensor the pipeline already owns: copy it so ownership stays simple.
          const adopted = candidate === base.denoised || candidate === base.x ? tf.clone(candidate) : candidate;
          if (latents !== undefined) latents.dispose();
          latents = adopted;
        }
      }
      if (wanted !== undefined && wanted !== level) {
        level = wanted as number;
        levelHook = hook.name;
      }
    }
  } catch (error) {
    if (latents !== undefined && !latents.isDisposed) latents.dispose();
    throw error;
  }
  return { level, levelHook, latents };
}
