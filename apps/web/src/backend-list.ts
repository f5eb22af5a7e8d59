/**
 * What each registered backend can do in this browser, for the backend menu: the provider's
 * own capability check (webgpu asks `navigator.gpu` for an adapter, wasm looks for SIMD and
 * cross-origin isolation for threads).
 */
import type { DependencyContainer } from 'tsyringe';
import { Backend } from '@upshift/core';
import type { BackendProvider } from '@upshift/core';

/** One backend's availability. */
export interface BackendStatus {
  readonly name: string;
  readonly priority: number;
  readonly available: boolean;
  /** The provider's detail when available, its reason when not. */
  readonly note: string;
}

/** Checks every provider registered in `container`, best (highest priority) first. */
export async function backendStatuses(container: DependencyContainer): Promise<BackendStatus[]> {
  const providers = container.resolveAll<BackendProvider>(Backend);
  const statuses = await Promise.all(
    providers.map(async (provider): Promise<BackendStatus> => {
      try {
        const capability = await provider.check();
        return capability.available
          ? { name: provider.name, priority: provider.priority, available: true, note: capability.detail ?? '' }
          : { name: provider.name, priority: provider.priority, available: false, note: capability.reason };
      } catch (error) {
        return { name: provider.name, priority: provider.priority, available: false, note: `check failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }),
  );
  return statuses.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}
