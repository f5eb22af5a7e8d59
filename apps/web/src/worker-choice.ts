/**
 * What the demo's "Workers: auto" means on a page: a denoiser pool of Web Workers, or the
 * pipeline worker alone (with tfjs's own wasm threads when the page is cross-origin isolated).
 */

/**
 * tfjs-backend-wasm's default XNNPACK thread count in a cross-origin-isolated page: half the
 * logical cores, between 1 and 4 (its backend.cc: "many x86-64 processors have 2 threads per
 * core"). The page's wasm label shows what it really picked.
 */
export function defaultWasmThreads(cores: number): number {
  return Math.min(4, Math.max(1, Math.floor(cores / 2)));
}

/**
 * Whether runs use a denoiser pool of Web Workers when the form leaves it to the app
 * (`workers: "auto"`). Without cross-origin isolation tfjs's wasm runs one thread, and a pool is
 * the only way to a second core. With it, tfjs's own XNNPACK threads are there (half the cores);
 * a run of the demo has at most two rows per model call (one image and its guidance half), so a
 * pool gives at most two single-threaded workers: it is the better choice only where that is
 * more than tfjs's threads — 2 and 3 cores. Measured in headless Chromium on 2 cores
 * (`bench/pool-vs-threads.ts`, README): the isolated page's wasm runs 1 thread there.
 */
export function poolByDefault(isolated: boolean, cores: number): boolean {
  if (cores < 2) return false;
  return !isolated || Math.min(cores, 2) > defaultWasmThreads(cores);
}
