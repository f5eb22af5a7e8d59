/**
 * The tfjs wasm binaries as same-origin URLs emitted by Vite (`?url` imports), handed to the
 * wasm backend as `wasmPaths`: tfjs never falls back to a CDN.
 */
import type { WasmPaths } from '@upshift/backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** URL of each binary tfjs-backend-wasm may load (plain, SIMD, SIMD + threads). */
export const WASM_PATHS: WasmPaths = {
  'tfjs-backend-wasm.wasm': plainWasm,
  'tfjs-backend-wasm-simd.wasm': simdWasm,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasm,
};
