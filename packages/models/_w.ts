import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadModel } from './src/index.ts';
const req = createRequire(import.meta.url);
setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
await tf.setBackend(process.argv[2] ?? 'cpu');
const m = await loadModel('fixtures/tiny-unet');
for (const s of [64, 32, 16, 8]) {
  const x = tf.randomNormal([1, s, s, 3]) as tf.Tensor4D;
  m.denoise(x, 1, { level: 0 }).dispose();
  const t0 = performance.now(); const R = 3;
  for (let i = 0; i < R; i++) { const y = m.denoise(x, 1, { level: 0 }); await y.data(); y.dispose(); }
  console.log(tf.getBackend(), s, ((performance.now() - t0) / R).toFixed(1), 'ms');
  x.dispose();
}
if (process.argv[3]) {
const x = tf.randomNormal([1, 64, 64, 3]) as tf.Tensor4D;
const info = await tf.profile(() => m.denoise(x, 1, { level: 0 }));
const by = new Map<string, number>();
for (const k of info.kernels) by.set(k.name, (by.get(k.name) ?? 0) + (k.kernelTimeMs as number));
console.log([...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15));
}
