import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { loadModel, checkParity } from '/work/main/packages/models/src/index.ts';
await tf.setBackend('cpu');
for (const d of ['tiny-unet', 'random-unet']) {
  const dir = `/work/main/packages/models/fixtures/${d}`;
  const t0 = performance.now();
  const m = await loadModel(dir);
  const t1 = performance.now();
  const r = checkParity(m, readFileSync(`${dir}/parity.safetensors`));
  console.log(d, 'load ms', (t1 - t0).toFixed(0), 'parity ms', (performance.now() - t1).toFixed(0), m.parameterCount);
  console.table(r);
  m.dispose();
}
console.log(tf.memory().numTensors);
