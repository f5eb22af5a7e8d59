/**
 * @upshift/denoiser-pool — a Denoiser that fans each model call's batch out to a pool of
 * workers (worker threads in Node, Web Workers in a browser), each holding its own tfjs backend
 * and a copy of the model.
 */
export type { DenoiserPoolOptions } from './denoiser-pool-options.js';
export { DEFAULT_DENOISER_POOL_OPTIONS, validateDenoiserPoolOptions } from './denoiser-pool-options.js';
export type { DenoiserPoolProviderWithOptions } from './denoiser-pool-provider.js';
export { POOL_BACKENDS, createDenoiserPoolProvider, registerDenoiserPool } from './denoiser-pool-provider.js';
export type { PooledDenoiserInit, WorkerPool } from './pooled-denoiser.js';
export { PooledDenoiser } from './pooled-denoiser.js';
export type { PoolModelLoader } from './serve-denoiser-pool.js';
export { createPoolRequestHandler, serveDenoiserPool } from './serve-denoiser-pool.js';
export type {
  LoadRequest,
  DenoiseRequest,
  MemoryRequest,
  PoolRequest,
  LoadedReply,
  DenoisedReply,
  MemoryReply,
  PoolReply,
} from './pool-protocol.js';
export { POOL_PROTOCOL_VERSION, POOL_METHOD } from './pool-protocol.js';
export type { RowRange } from './row-split.js';
export { splitRows } from './row-split.js';
export type { NodeWorkerStart } from './worker-runtime.js';
export { isNodeRuntime, runtimeCores, isTypeScriptSource, nodeWorkerStart, typeScriptLoaderUrl } from './worker-runtime.js';
