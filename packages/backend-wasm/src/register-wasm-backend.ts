import type { DependencyContainer } from 'tsyringe';
import { Backend } from '@upshift/core';
import { createWasmBackendProvider, wasmBackendProvider } from './wasm-backend-provider.js';

/**
 * Registers the wasm provider under the core `Backend` multi-token. `options` (validated) are
 * the {@link WasmBackendOptions}; without them the shared default provider is used.
 *
 * @example
 * registerWasmBackend(container, { wasmPaths: '/opt/app/wasm/' });
 */
export function registerWasmBackend(container: DependencyContainer, options?: unknown): void {
  container.register(Backend, { useValue: options === undefined ? wasmBackendProvider : createWasmBackendProvider(options) });
}
