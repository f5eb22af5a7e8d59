/**
 * Paths of the model fixtures for this package's specs (not exported from the barrel).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Directory of a fixture model under packages/models/fixtures. */
export function fixtureDir(name: 'tiny-unet' | 'random-unet' | 'random-unet-adapters'): string {
  return fileURLToPath(new URL(`../fixtures/${name}/`, import.meta.url));
}

/** The shipped model directory, if it has been exported yet. */
export function shippedModelDir(): string | undefined {
  const dir = fileURLToPath(new URL('../assets/emoji-unet/', import.meta.url));
  return existsSync(`${dir}config.json`) ? dir : undefined;
}

/** Points the tfjs wasm backend at its .wasm files (Node: the package's dist folder). */
export async function useWasmBackend(): Promise<void> {
  const [{ createRequire }, { dirname }, wasm, tf] = await Promise.all([
    import('node:module'),
    import('node:path'),
    import('@tensorflow/tfjs-backend-wasm'),
    import('@tensorflow/tfjs-core'),
  ]);
  wasm.setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  await tf.setBackend('wasm');
}
