/**
 * Where the demo serves the shipped model: a folder beside the page, same origin, written by
 * `build/model-assets-plugin.ts` (served from the @upshift/models package in dev, copied into
 * the bundle by `vite build`). Plain constants and functions so the Vite config can share them.
 */

/** The model folder (config.json + weights), relative to the app's base URL. */
export const MODEL_DIR = 'models/emoji-unet/';

/** The license notice of the model's training data, relative to the app's base URL. */
export const MODEL_NOTICE_FILE = 'models/NOTICE';

/**
 * Absolute URL of the model folder for a page at `pageUrl` built with Vite base `baseUrl`
 * (`import.meta.env.BASE_URL`, e.g. `/` or `./`).
 */
export function modelFolderUrl(baseUrl: string, pageUrl: string): URL {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return new URL(`${base}${MODEL_DIR}`, pageUrl);
}
