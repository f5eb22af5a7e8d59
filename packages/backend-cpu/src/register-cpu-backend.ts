import type { DependencyContainer } from 'tsyringe';
import { Backend } from '@upshift/core';
import { cpuBackendProvider } from './cpu-backend-provider.js';

/**
 * Registers the cpu {@link cpuBackendProvider} under the core `Backend` multi-token.
 *
 * @example
 * registerCpuBackend(container);
 * const providers = container.resolveAll(Backend);
 */
export function registerCpuBackend(container: DependencyContainer): void {
  container.register(Backend, { useValue: cpuBackendProvider });
}
