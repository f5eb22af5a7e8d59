/**
 * Vite config of the browser demo. The page is cross-origin isolated (COOP/COEP headers in dev
 * and preview), which lets tfjs-backend-wasm use its threaded build; everything it loads is
 * same-origin (the model through `modelAssetsPlugin`, the .wasm binaries through `?url`).
 */
import { createLogger, defineConfig } from 'vite';
import type { Logger } from 'vite';
import { modelAssetsPlugin } from './build/model-assets-plugin.js';
import { wasmThreadsPlugin } from './build/wasm-threads-plugin.js';

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, wasm threads). */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Build warnings that are expected: the workspace packages load Node modules (`node:fs`, ...)
 * only on their Node code paths (dynamic imports behind an `isNode()` check), and
 * @upshift/models' default model location (`new URL('../assets/emoji-unet/', import.meta.url)`)
 * is a folder, shadowed here by the served copy (src/browser-model.ts).
 */
export function isExpectedBuildWarning(message: string): boolean {
  return /Module "node:[\w/]+" has been externalized for browser compatibility/.test(message) || /new URL\("\.\.\/assets\/emoji-unet\/", import\.meta\.url\) doesn't exist at build time/.test(message);
}

/** Vite's logger without the {@link isExpectedBuildWarning} lines. */
function quietLogger(): Logger {
  const logger = createLogger();
  const { warn, warnOnce } = logger;
  logger.warn = (message, options) => (isExpectedBuildWarning(message) ? undefined : warn(message, options));
  logger.warnOnce = (message, options) => (isExpectedBuildWarning(message) ? undefined : warnOnce(message, options));
  return logger;
}

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the built folder works under any path of a static host.
  base: './',
  // The workspace packages export TypeScript; tsyringe-style code needs legacy decorators with
  // metadata (as in vitest.shared.ts), harmless where none are used.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  customLogger: quietLogger(),
  plugins: [modelAssetsPlugin(), wasmThreadsPlugin()],
  // The pipeline runs in a module worker (src/pipeline-worker.ts): ES format, so its lazy
  // imports (the WebGPU backend, activated on demand) stay separate chunks; the same glue patch
  // and class names as the page.
  worker: {
    format: 'es',
    plugins: () => [wasmThreadsPlugin()],
    rolldownOptions: { output: { keepNames: true } },
  },
  // The dev server pre-bundles dependencies without the plugins above: patch the glue there too.
  optimizeDeps: { rolldownOptions: { plugins: [wasmThreadsPlugin()] } },
  server: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  preview: { headers: CROSS_ORIGIN_ISOLATION_HEADERS },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // tfjs-core and its backends are one large chunk by nature.
    chunkSizeWarningLimit: 4096,
    // Upshift's errors take their `name` from the class (ConfigError, BackendUnavailableError,
    // ...) and the page shows it: keep class names through minification.
    rolldownOptions: { output: { keepNames: true } },
  },
});
