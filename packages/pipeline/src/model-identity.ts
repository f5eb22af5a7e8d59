/** The identity of a run's model, recorded in its checkpoints (core `ModelIdentity`). */
import type { Denoiser, ModelIdentity } from '@upshift/core';

/**
 * `{ name, hash }` of `denoiser`: its name, and its `fingerprint()` (a hash of weights and
 * config) when it has one, else null.
 */
export async function modelIdentity(denoiser: Denoiser): Promise<ModelIdentity> {
  return { name: denoiser.name, hash: typeof denoiser.fingerprint === 'function' ? await denoiser.fingerprint() : null };
}
