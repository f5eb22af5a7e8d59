/**
 * @upshift/backend-cpu — the tfjs cpu backend as a plugin, plus backend selection
 * (`selectBackend`: by name or best-available-first).
 */
export { cpuBackendProvider, cpuMemoryLimit, CPU_BACKEND_NAME, CPU_BACKEND_PRIORITY } from './cpu-backend-provider.js';
export { registerCpuBackend } from './register-cpu-backend.js';
export { selectBackend, backendOrder, AUTO_BACKEND, DEFAULT_SELECT_BACKEND_OPTIONS } from './select-backend.js';
export type { SelectBackendOptions, SkippedBackend, BackendSelection } from './select-backend.js';
