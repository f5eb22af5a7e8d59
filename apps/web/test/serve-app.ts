/**
 * Builds the demo with `vite build` (into a folder of its own) and serves it with `vite preview`
 * on 127.0.0.1 and a free port, both through Vite's API with the app's own vite.config.ts.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build, createLogger, preview } from 'vite';
import type { PreviewServer } from 'vite';

/** The app's folder (where vite.config.ts and index.html are). */
export const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A port nobody listens on right now (the OS picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A running preview server of a fresh build. */
export interface ServedApp {
  readonly url: string;
  readonly buildMs: number;
  close(): Promise<void>;
}

/** `vite build` into `outDir`, then `vite preview` of it. */
export async function buildAndServe(outDir: string): Promise<ServedApp> {
  // The app's config sets a logger of its own; this one keeps the test output to errors.
  const quiet = { logLevel: 'error' as const, customLogger: createLogger('error') };
  const t0 = performance.now();
  await build({ root: APP_ROOT, configFile: `${APP_ROOT}vite.config.ts`, ...quiet, build: { outDir, emptyOutDir: true } });
  const buildMs = performance.now() - t0;
  const host = '127.0.0.1';
  const server: PreviewServer = await preview({
    root: APP_ROOT,
    configFile: `${APP_ROOT}vite.config.ts`,
    ...quiet,
    build: { outDir },
    preview: { host, port: await freePort(host), strictPort: true, open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview reported no URL');
  return { url, buildMs, close: () => server.close() };
}
