/**
 * Cleanup that cannot fail the caller: after a backend has failed (wasm out of memory, a lost
 * GPU device), freeing its tensors can throw too, and that second error must neither hide the
 * first nor escape from `dispose()`.
 */

/**
 * Runs every cleanup step, even when some throw, and returns the first error (undefined when
 * all succeeded).
 */
export function cleanUp(steps: readonly (() => void)[]): unknown {
  let first: unknown;
  let failed = false;
  for (const step of steps) {
    try {
      step();
    } catch (error) {
      if (!failed) first = error;
      failed = true;
    }
  }
  return failed ? (first ?? new Error('cleanup failed')) : undefined;
}

/** Runs `dispose` and ignores what it throws (for `dispose()` methods, which must not throw). */
export function disposeQuietly(dispose: (() => void) | undefined): void {
  try {
    dispose?.();
  } catch {
    // the backend is already broken; the run that broke it has reported why
  }
}
