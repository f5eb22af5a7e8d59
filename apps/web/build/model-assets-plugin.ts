/**
 * A Vite plugin that ships the model of @upshift/models with the demo, same origin: `config.json`,
 * the weights file it names and the data set's NOTICE. `vite` (dev) serves them from the
 * package folder; `vite build` copies them into the bundle, so `vite preview` and any static
 * host serve them. Nothing is fetched from another origin.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { MODEL_DIR, MODEL_NOTICE_FILE } from '../src/model-location.js';

/** The files to ship: URL path under the base -> file on disk. */
export interface ModelAsset {
  readonly urlPath: string;
  readonly file: string;
  readonly contentType: string;
}

/** The shipped model's folder in the installed @upshift/models package. */
export function shippedModelFolder(): string {
  const packageJson = createRequire(import.meta.url).resolve('@upshift/models/package.json');
  return join(dirname(packageJson), 'assets', 'emoji-unet');
}

/** The files of the model in `folder` (its config names the weights file). */
export function modelAssets(folder: string = shippedModelFolder()): ModelAsset[] {
  const configFile = join(folder, 'config.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { weights?: { file?: unknown } };
  const weights = config.weights?.file;
  if (typeof weights !== 'string' || weights.includes('/') || weights.includes('\\')) {
    throw new Error(`${configFile}: weights.file must be a file name in the model folder (got ${JSON.stringify(weights)})`);
  }
  return [
    { urlPath: `${MODEL_DIR}config.json`, file: configFile, contentType: 'application/json' },
    { urlPath: `${MODEL_DIR}${weights}`, file: join(folder, weights), contentType: 'application/octet-stream' },
    { urlPath: MODEL_NOTICE_FILE, file: join(folder, '..', 'NOTICE'), contentType: 'text/plain; charset=utf-8' },
  ];
}

/** The plugin; `folder` defaults to the installed package's `assets/emoji-unet`. */
export function modelAssetsPlugin(folder?: string): Plugin {
  let assets: ModelAsset[] = [];
  return {
    name: 'upshift:model-assets',
    configResolved() {
      assets = modelAssets(folder);
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const base = server.config.base;
        const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        const asset = assets.find((a) => `${base}${a.urlPath}` === path);
        if (asset === undefined) return next();
        // Custom middlewares do not get server.headers; the page is cross-origin isolated, so
        // every response carries them (same-origin resources pass COEP anyway).
        for (const [name, value] of Object.entries(server.config.server.headers ?? {})) {
          if (value !== undefined) res.setHeader(name, value as string | string[]);
        }
        res.setHeader('Content-Type', asset.contentType);
        res.setHeader('Content-Length', statSync(asset.file).size);
        res.setHeader('Cache-Control', 'no-cache');
        createReadStream(asset.file).on('error', next).pipe(res);
      });
    },
    generateBundle() {
      for (const asset of assets) this.emitFile({ type: 'asset', fileName: asset.urlPath, source: readFileSync(asset.file) });
    },
  };
}
