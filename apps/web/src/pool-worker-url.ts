/**
 * The URL of the denoiser pool's worker script with the model folder in its query, and the
 * folder read back inside the worker.
 */

/** Query parameter carrying the model folder. */
export const MODEL_FOLDER_PARAM = 'model';

/** `script` (the bundled worker's URL, relative to `base`) with `?model=<folder>`. */
export function poolWorkerScriptUrl(script: string, base: string, folder: URL): URL {
  const url = new URL(script, base);
  url.searchParams.set(MODEL_FOLDER_PARAM, folder.href);
  return url;
}

/** The model folder a pool worker's own URL carries. */
export function poolWorkerModelFolder(location: string): URL {
  const folder = new URL(location).searchParams.get(MODEL_FOLDER_PARAM);
  if (folder === null) throw new Error(`denoiser pool worker started without ?${MODEL_FOLDER_PARAM}=<model folder> (${location})`);
  return new URL(folder);
}
