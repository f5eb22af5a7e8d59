/**
 * After a backend fails (wasm "memory access out of bounds" at --batch 4096 was the case seen),
 * freeing its tensors can throw as well. The run must still fail with the first error, and
 * neither the run's cleanup nor Pipeline.dispose() (which frees the model's weights) may throw.
 *
 * A real wasm heap overflow needs gigabytes, so the failure is injected into the real cpu
 * backend: from model call 3 on, its disposeData throws what a dead wasm module throws. This
 * file runs alone in its worker: the engine's bookkeeping is not trusted after the test.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Denoiser, DenoiserContext } from '@upshift/core';
import { loadModel } from '@upshift/models';
import { collectRun } from './collect-run.js';
import { Pipeline } from './pipeline.js';
import { createTestContainer } from './test-kit.js';

const RANDOM_UNET = fileURLToPath(new URL('../../models/fixtures/random-unet', import.meta.url));

let restore: (() => void) | undefined;
afterAll(() => restore?.());

/** Makes the active backend's disposeData throw until restored. */
function breakBackend(): void {
  const backend = tf.backend() as unknown as { disposeData(dataId: object, force?: boolean): boolean };
  const real = backend.disposeData;
  backend.disposeData = () => {
    throw new WebAssembly.RuntimeError('memory access out of bounds');
  };
  restore = () => {
    backend.disposeData = real;
  };
}

describe('a backend that fails mid-run', () => {
  it('the run fails with the first error; cleanup and Pipeline.dispose() do not throw', async () => {
    await tf.setBackend('cpu');
    const unet = await loadModel(RANDOM_UNET);
    let calls = 0;
    const failing: Denoiser = {
      name: 'unet-on-a-failing-backend',
      channels: unet.channels,
      denoise(x: tf.Tensor4D, sigma: number, ctx: DenoiserContext): tf.Tensor4D {
        if (++calls === 3) {
          breakBackend();
          throw new WebAssembly.RuntimeError('memory access out of bounds (in the model call)');
        }
        return unet.denoise(x, sigma, ctx);
      },
    };
    const pipeline = new Pipeline(createTestContainer());
    const error = await collectRun(
      pipeline.run({ backend: 'cpu', steps: 5, resolution: { height: 16, width: 16 }, classLabels: 1, guidance: 1 }, { denoiser: failing }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAssembly.RuntimeError);
    expect((error as Error).message).toBe('memory access out of bounds (in the model call)');
    // The weights cannot be freed on the broken backend either: dispose() says nothing.
    expect(() => unet.dispose()).not.toThrow();
    expect(unet.disposed).toBe(true);
    expect(() => pipeline.dispose()).not.toThrow();
    await pipeline.whenIdle();
  });
});
