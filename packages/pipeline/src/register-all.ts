/**
 * One call that registers every Upshift plugin package with a container (tfjs-backend-webgpu
 * `register_all_kernels.ts` style): schedules, samplers, resizers, policies, models and,
 * unless turned off, the cpu / wasm / webgpu backends.
 */
import type { DependencyContainer } from 'tsyringe';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { registerWebGpuBackend } from '@upshift/backend-webgpu';
import { registerModels } from '@upshift/models';
import { registerPolicies } from '@upshift/policies';
import { registerResizers } from '@upshift/resizers';
import { registerSamplers } from '@upshift/samplers';
import { registerSchedules } from '@upshift/schedules';

/** Options of {@link registerAll}. */
export interface RegisterAllOptions {
  /**
   * Register the cpu, wasm and webgpu backend providers (default true). Turn off when the
   * application sets up tfjs itself; a run with `backend: "auto"` then uses the active tfjs
   * backend.
   */
  readonly backends?: boolean;
}

/** Defaults of {@link RegisterAllOptions}. */
export const DEFAULT_REGISTER_ALL_OPTIONS: Required<RegisterAllOptions> = { backends: true };

/**
 * Registers every plugin package under the core multi-tokens.
 *
 * @example
 * const container = rootContainer.createChildContainer();
 * registerAll(container);
 * const pipeline = new Pipeline(container);
 */
export function registerAll(container: DependencyContainer, options: RegisterAllOptions = {}): void {
  const { backends } = { ...DEFAULT_REGISTER_ALL_OPTIONS, ...options };
  registerSchedules(container);
  registerSamplers(container);
  registerResizers(container);
  registerPolicies(container);
  registerModels(container);
  if (backends) {
    registerCpuBackend(container);
    registerWasmBackend(container);
    registerWebGpuBackend(container);
  }
}
