/**
 * What one request may ask of the server, so that one request cannot take the machine: steps,
 * batch, resolution and runs per request, runs waiting in total, and the models it may name.
 */

/** Per-request and per-run limits of a server. */
export interface RunLimits {
  /** Most sampler steps of one run. */
  readonly maxSteps: number;
  /** Most images in one run. */
  readonly maxBatch: number;
  /** Longest side (level 0) of one run. */
  readonly maxSide: number;
  /** Most runs one request may create (`count`). */
  readonly maxCount: number;
  /** Most runs queued or running; beyond it new requests get 503. */
  readonly maxQueued: number;
  /** Model names a request may use (registered `DenoiserFactory` names). */
  readonly models: readonly string[];
}

/** Defaults of {@link RunLimits}. */
export const DEFAULT_RUN_LIMITS: RunLimits = Object.freeze({
  maxSteps: 100,
  maxBatch: 16,
  maxSide: 128,
  maxCount: 16,
  maxQueued: 256,
  models: Object.freeze(['emoji-unet']) as readonly string[],
});
