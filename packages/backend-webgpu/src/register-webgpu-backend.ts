import type { DependencyContainer } from 'tsyringe';
import { Backend } from '@upshift/core';
import { createWebGpuBackendProvider, webGpuBackendProvider } from './webgpu-backend-provider.js';

/**
 * Registers the webgpu provider under the core `Backend` multi-token. `options` (validated)
 * are the {@link WebGpuBackendOptions}; without them the shared default provider is used.
 *
 * @example
 * registerWebGpuBackend(container, { powerPreference: 'low-power' });
 */
export function registerWebGpuBackend(container: DependencyContainer, options?: unknown): void {
  container.register(Backend, { useValue: options === undefined ? webGpuBackendProvider : createWebGpuBackendProvider(options) });
}
