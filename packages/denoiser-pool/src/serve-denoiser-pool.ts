/**
 * The worker side of a denoiser pool: call {@link serveDenoiserPool} once in a worker script
 * (a worker thread in Node, a module Web Worker in a browser). The worker keeps every model it
 * loads for its whole life (one per spec; a pool sends one spec), so a model is loaded once per
 * worker, not per call, and reused across runs. Each call frees every tensor it made before it
 * answers; the answer's array is transferred back.
 */
import * as tf from '@tensorflow/tfjs-core';
import workerpool from 'workerpool';
import { UpshiftError } from '@upshift/core';
import type { Denoiser, DenoiserPoolSpec } from '@upshift/core';
import { POOL_METHOD, POOL_PROTOCOL_VERSION } from './pool-protocol.js';
import type { DenoisedReply, LoadedReply, MemoryReply, PoolRequest, PoolReply } from './pool-protocol.js';

/**
 * Creates the model of `spec` in this worker: activate `spec.backend`, then build the model the
 * `DenoiserFactory` named `spec.model` makes from `spec.modelOptions` (`@upshift/pipeline`'s
 * `createPoolWorkerLoader` does exactly this from a container).
 */
export type PoolModelLoader = (spec: DenoiserPoolSpec) => Promise<Denoiser>;

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** The request handler of one worker (exported for tests; {@link serveDenoiserPool} serves it). */
export function createPoolRequestHandler(load: PoolModelLoader): (request: PoolRequest) => Promise<PoolReply | InstanceType<typeof workerpool.Transfer>> {
  const workerId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const models = new Map<string, Promise<Denoiser>>();
  let calls = 0;
  let modelTensors = 0;
  // Until a model has loaded, no backend is active here (a worker that replaced a crashed one).
  let loadedAny = false;

  const modelFor = (spec: DenoiserPoolSpec): Promise<Denoiser> => {
    const key = JSON.stringify([spec.model, spec.modelOptions ?? null, spec.backend]);
    let model = models.get(key);
    if (model === undefined) {
      model = load(spec).then((m) => {
        modelTensors = tf.memory().numTensors;
        loadedAny = true;
        return m;
      });
      // A failed load is not cached: the next request tries again (and reports again).
      model.catch(() => models.delete(key));
      models.set(key, model);
    }
    return model;
  };

  return async (request: PoolRequest) => {
    if (request?.version !== POOL_PROTOCOL_VERSION) {
      throw new UpshiftError(`denoiser pool protocol mismatch: the pool speaks version ${String(request?.version)}, this worker ${POOL_PROTOCOL_VERSION} (rebuild the worker script)`);
    }
    switch (request.type) {
      case 'load': {
        const model = await modelFor(request.spec);
        const reply: LoadedReply = { type: 'loaded', workerId, model: model.name, channels: model.channels, backend: tf.getBackend(), numTensors: tf.memory().numTensors };
        return reply;
      }
      case 'denoise': {
        const model = await modelFor(request.spec);
        const t0 = now();
        const x = tf.tensor4d(request.data, [...request.shape]);
        let y: tf.Tensor4D | undefined;
        try {
          y = await model.denoise(x, request.sigma, { level: request.level, classLabels: request.classLabels, guidance: request.guidance });
          // A copy: the backend's own array (cpu) must not be transferred away from it.
          const data = ((await y.data()) as Float32Array).slice();
          calls++;
          const reply: DenoisedReply = { type: 'denoised', workerId, shape: [y.shape[0], y.shape[1], y.shape[2], y.shape[3]], data, ms: now() - t0 };
          return new workerpool.Transfer(reply, [data.buffer]);
        } finally {
          x.dispose();
          y?.dispose();
        }
      }
      case 'memory': {
        if (!loadedAny) {
          const idle: MemoryReply = { type: 'memory', workerId, backend: 'none (no model loaded yet)', numTensors: 0, numBytes: 0, modelTensors: 0, calls };
          return idle;
        }
        const memory = tf.memory();
        const reply: MemoryReply = { type: 'memory', workerId, backend: tf.getBackend(), numTensors: memory.numTensors, numBytes: memory.numBytes, modelTensors, calls };
        return reply;
      }
      default:
        throw new UpshiftError(`unknown denoiser pool request ${JSON.stringify((request as { type?: unknown }).type)}`);
    }
  };
}

/**
 * Serves pool requests in this worker. Call it once, at the top of the worker script, after
 * whatever the loader needs is imported.
 *
 * @example
 * // my-pool-worker.ts
 * import 'reflect-metadata';
 * import { serveDenoiserPool } from '@upshift/denoiser-pool';
 * import { createPoolWorkerLoader, registerAll } from '@upshift/pipeline';
 * serveDenoiserPool(createPoolWorkerLoader((c) => registerAll(c, { pool: false })));
 */
export function serveDenoiserPool(load: PoolModelLoader): void {
  workerpool.worker({ [POOL_METHOD]: createPoolRequestHandler(load) });
}
