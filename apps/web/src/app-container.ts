/**
 * The demo's DI container: every plugin package through `registerAll`, the three backends
 * registered by the app itself (the wasm one needs the bundled binaries' URLs), and the model
 * fetched from the page's origin.
 */
import { container as rootContainer } from 'tsyringe';
import type { DependencyContainer } from 'tsyringe';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { registerWebGpuBackend } from '@upshift/backend-webgpu';
import { registerAll } from '@upshift/pipeline';
import { registerBrowserModel } from './browser-model.js';
import { WASM_PATHS } from './wasm-files.js';

/** A child of tsyringe's root container with everything the demo runs. */
export function createAppContainer(modelFolder: URL): DependencyContainer {
  const container = rootContainer.createChildContainer();
  registerAll(container, { backends: false });
  registerCpuBackend(container);
  registerWasmBackend(container, { wasmPaths: WASM_PATHS });
  registerWebGpuBackend(container);
  registerBrowserModel(container, modelFolder);
  return container;
}
