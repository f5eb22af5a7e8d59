/**
 * @upshift/backend-webgpu — the tfjs WebGPU backend as a plugin: `navigator.gpu` in the
 * browser, Dawn (the `webgpu` package) in Node, with a capability check and device-loss errors.
 */
export {
  createWebGpuBackendProvider,
  webGpuBackendProvider,
  validateWebGpuBackendOptions,
  DEFAULT_WEBGPU_BACKEND_OPTIONS,
  WEBGPU_BACKEND_NAME,
  WEBGPU_BACKEND_PRIORITY,
} from './webgpu-backend-provider.js';
export type { WebGpuBackendOptions, WebGpuBackendProvider } from './webgpu-backend-provider.js';
export { registerWebGpuBackend } from './register-webgpu-backend.js';
export { deviceLostError, defineGuardedBackend, guardedBackendFactory } from './guarded-webgpu-backend.js';
export type { GuardedWebGpuBackend } from './guarded-webgpu-backend.js';
export { loadDawn, explainNoAdapter, findVulkanLoader, findVulkanDrivers, vulkanPreflight, NO_ADAPTER_REASON, dawnPlatformDir, isNode } from './dawn-gpu.js';
export type { DawnLoadResult } from './dawn-gpu.js';
