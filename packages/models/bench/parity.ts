/**
 * tfjs vs PyTorch on a model directory's `parity.safetensors` (written by tools/train/export.py):
 * per level, ||y_tfjs - y_torch|| / ||y_torch|| and the same on the network's share (y - c_skip x).
 * Used on a freshly trained export before it replaces assets/emoji-unet (tools/train/README.md).
 *
 *   npx tsx bench/parity.ts DIR [--backend wasm|cpu] [--max 1e-3]
 *
 * Exits 1 when any level's relative error is at or above --max (default 1e-3, the spec's bound).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkParity, loadModel } from '../src/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const dir = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1]!.startsWith('--')));
const backend = flag('--backend', 'wasm');
const max = Number(flag('--max', '1e-3'));
if (!dir) {
  console.error('usage: npx tsx bench/parity.ts DIR [--backend wasm|cpu] [--max 1e-3]');
  process.exit(2);
}
if (backend !== 'wasm' && backend !== 'cpu') {
  console.error(`--backend: "${backend}" is not one of wasm, cpu`);
  process.exit(2);
}
if (!(max > 0)) {
  console.error(`--max: "${flag('--max', '')}" must be a number > 0`);
  process.exit(2);
}
if (backend === 'wasm') setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
await tf.setBackend(backend);
const model = await loadModel(dir);
const t0 = performance.now();
const levels = checkParity(model, readFileSync(join(dir, 'parity.safetensors')));
model.dispose();
let ok = true;
for (const l of levels) {
  const pass = l.relError < max;
  ok &&= pass;
  console.log(
    `level ${l.level} (${l.side} px, batch ${l.batch}): relative error ${l.relError.toExponential(2)}, network part ${l.networkRelError.toExponential(2)} ` +
      `(network share ${(100 * l.networkShare).toFixed(1)} %) ${pass ? 'ok' : `FAIL (>= ${max})`}`,
  );
}
console.log(`${model.config.architecture.architecture}${model.config.architecture.levelAdapterRank ? ` (level adapters, rank ${model.config.architecture.levelAdapterRank})` : ''}, ${backend}, ${((performance.now() - t0) / 1000).toFixed(1)} s: ${ok ? 'parity ok' : 'PARITY FAILED'}`);
process.exit(ok ? 0 : 1);
