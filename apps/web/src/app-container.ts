/**
 * The demo's DI container: every plugin package through `registerAll`, the three backends
 * registered by the app itself (the wasm one needs the bundled binaries' URLs), the model
 * fetched from the page's origin, and the denoiser pool (Web Workers running the bundled
 * `denoiser-pool-worker.ts`).
 */
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { registerWebGpuBackend } from '@upshift/backend-webgpu';
import { registerDenoiserPool } from '@upshift/denoiser-pool';
import { registerAll } from '@upshift/pipeline';
import { registerBrowserModel } from './browser-model.js';
import { poolWorkerScriptUrl } from './pool-worker-url.js';
import { WASM_PATHS } from './wasm-files.js';
import poolWorkerScript from './denoiser-pool-worker.ts?worker&url';

/** A child of tsyringe's root container with everything the demo runs. */
export function createAppContainer(modelFolder: URL): DependencyContainer {
  const container = rootContainer.createChildContainer();
  registerAll(container, { backends: false });
  registerCpuBackend(container);
  registerWasmBackend(container, { wasmPaths: WASM_PATHS });
  registerWebGpuBackend(container);
  registerBrowserModel(container, modelFolder);
  // Runs with workers > 1 fan their model calls out to Web Workers running denoiser-pool-worker.ts.
  registerDenoiserPool(container, { script: poolWorkerScriptUrl(poolWorkerScript, self.location.href, modelFolder) });
  return container;
}
