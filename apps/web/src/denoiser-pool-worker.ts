/**
 * The denoiser pool's Web Worker (a module worker, bundled by Vite and started by the pipeline
 * worker through `@upshift/denoiser-pool`): it holds one copy of the model on its own wasm (or
 * cpu) backend and serves the rows of model calls the pipeline worker sends it. Its script URL
 * carries the model folder (`?model=<url>`), since a worker's own location says nothing about
 * where the page serves the model. Its wasm backend runs one thread: the pool is the
 * parallelism (a cross-origin-isolated page would otherwise start a thread pool in every worker).
 */
import 'reflect-metadata';
import { registerCpuBackend } from '@upshift/backend-cpu';
import { registerWasmBackend } from '@upshift/backend-wasm';
import { serveDenoiserPool } from '@upshift/denoiser-pool';
import { createPoolWorkerLoader, registerAll } from '@upshift/pipeline';
import { registerBrowserModel } from './browser-model.js';
import { poolWorkerModelFolder } from './pool-worker-url.js';
import { WASM_PATHS } from './wasm-files.js';

const folder = poolWorkerModelFolder(self.location.href);

serveDenoiserPool(
  createPoolWorkerLoader((container) => {
    registerAll(container, { backends: false, pool: false });
    registerCpuBackend(container);
    registerWasmBackend(container, { wasmPaths: WASM_PATHS, numThreads: 1 });
    registerBrowserModel(container, folder);
  }),
);
