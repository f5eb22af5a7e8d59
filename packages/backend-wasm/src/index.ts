/**
 * @upshift/backend-wasm — the tfjs WebAssembly backend as a plugin (Node and browser), SIMD on,
 * with its .wasm files located without network fetches.
 */
export {
  createWasmBackendProvider,
  wasmBackendProvider,
  validateWasmBackendOptions,
  DEFAULT_WASM_BACKEND_OPTIONS,
  WASM_BACKEND_NAME,
  WASM_BACKEND_PRIORITY,
  WASM_HEAP_MAX_BYTES,
} from './wasm-backend-provider.js';
export type { WasmBackendOptions } from './wasm-backend-provider.js';
export { registerWasmBackend } from './register-wasm-backend.js';
export { WASM_FILE_NAMES, wasmFileFor, wasmFileLocation, installedWasmDir } from './wasm-files.js';
export type { WasmFileName, WasmPaths } from './wasm-files.js';
