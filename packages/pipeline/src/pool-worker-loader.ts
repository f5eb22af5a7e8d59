/**
 * The model loader of a denoiser pool's worker: in the worker's own container (the same plugin
 * registrations as the main thread), activate the run's backend and create the model by its
 * factory name — exactly what a run on the main thread does.
 */
import { container as globalContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { DenoiserFactory } from '@upshift/core';
import type { PoolModelLoader } from '@upshift/denoiser-pool';
import { findFactory } from './plugin-lookup.js';
import { activateBackend } from './run-setup.js';

/**
 * A loader for `serveDenoiserPool`: `register` fills the worker's container (e.g.
 * `(c) => registerAll(c, { pool: false })`, plus your own models and backend options).
 */
export function createPoolWorkerLoader(register: (container: DependencyContainer) => void): PoolModelLoader {
  return async (spec) => {
    const container = globalContainer.createChildContainer();
    register(container);
    await activateBackend(container, spec.backend, () => undefined);
    return findFactory(container, DenoiserFactory, 'model', spec.model).create(spec.modelOptions, container);
  };
}
