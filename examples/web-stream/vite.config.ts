/**
 * Vite config of the web-stream example: the page and its module, plus the shipped model
 * (`@upshift/models`' assets folder as Vite's public folder: served at `emoji-unet/` by
 * `vite`, copied into the build by `vite build`). Everything the page loads is same-origin.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'vite';

const models = dirname(createRequire(import.meta.url).resolve('@upshift/models/package.json'));

export default defineConfig({
  root: import.meta.dirname,
  // Relative URLs: the built folder works under any path of a static host.
  base: './',
  publicDir: join(models, 'assets'),
  // The workspace packages are TypeScript with tsyringe decorators (as in vitest.shared.ts).
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4096 },
});
