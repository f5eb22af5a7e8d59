/**
 * The pipeline's Web Worker (a module worker, bundled by Vite): the backends, the model and
 * every tensor live here, so a model call never blocks the page. `reflect-metadata` comes
 * first: tsyringe refuses to load without the Reflect metadata API.
 *
 * In a cross-origin-isolated page the worker is isolated too, and tfjs-backend-wasm starts its
 * XNNPACK thread pool from here (workers may start workers); WebGPU uses the worker's own
 * `navigator.gpu` (dedicated workers have it in Chromium). A run with `workers` > 1 fans its
 * model calls out to a pool of Web Workers started from here (denoiser-pool-worker.ts);
 * `poolByDefault` decides what the form's "auto" means on this page.
 */
import 'reflect-metadata';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { readModelConfig } from '@upshift/models';
import type { ModelConfig } from '@upshift/models';
import { Pipeline } from '@upshift/pipeline';
import { createAppContainer } from './app-container.js';
import { backendStatuses } from './backend-list.js';
import { servePipeline } from './pipeline-host.js';
import { poolByDefault } from './worker-choice.js';
import type { MessageEndpoint, PageMessage, WorkerMessage } from './worker-protocol.js';

/** The model's config.json (a few kB; the weights load on the first run). */
async function modelConfig(folder: URL): Promise<ModelConfig> {
  const url = new URL('config.json', folder);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status} ${response.statusText}`);
  return readModelConfig(new Uint8Array(await response.arrayBuffer()), url.href);
}

/** The backend's name; for wasm with the XNNPACK thread count (threads need cross-origin isolation). */
function backendLabel(backend: string): string {
  if (backend !== 'wasm') return backend;
  const threads = getThreadsCount();
  return `wasm (${threads} thread${threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ', page not cross-origin isolated'})`;
}

servePipeline(self as unknown as MessageEndpoint<WorkerMessage, PageMessage>, async ({ modelFolder }) => {
  const folder = new URL(modelFolder);
  const container = createAppContainer(folder);
  const [model, backends] = await Promise.all([modelConfig(folder), backendStatuses(container)]);
  return {
    pipeline: new Pipeline(container),
    classes: model.classes ?? [],
    backends,
    ...(model.sampling ? { sampling: model.sampling } : {}),
    configDefaults: { workers: poolByDefault(crossOriginIsolated, navigator.hardwareConcurrency || 1) ? 'auto' : 1 },
    backendLabel,
  };
});
