import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const req = createRequire(import.meta.url);
setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
await tf.setBackend('wasm');
const n = 256, d = 32, B = 8;
const fs: Record<string, () => tf.Tensor> = {};
const A2 = tf.randomNormal([n, d]), Bm = tf.randomNormal([d, n]), BmT = tf.randomNormal([n, d]);
fs['2d ff'] = () => tf.matMul(A2, Bm);
fs['2d ft'] = () => tf.matMul(A2, BmT, false, true);
const A3 = tf.randomNormal([B, n, d]) as tf.Tensor3D, B3 = tf.randomNormal([B, d, n]) as tf.Tensor3D, B3T = tf.randomNormal([B, n, d]) as tf.Tensor3D;
fs['3d ff'] = () => tf.matMul(A3, B3);
fs['3d ft'] = () => tf.matMul(A3, B3T, false, true);
const A3t = tf.randomNormal([B, d, n]) as tf.Tensor3D;
fs['3d tf'] = () => tf.matMul(A3t, B3, true, false);
fs['2d big ff'] = () => tf.matMul(tf.randomNormal([B*n, d]), Bm);
// conv1x1 as matmul: [1, 64*64, 64] x [64, 192]
const X = tf.randomNormal([4096, 64]), W = tf.randomNormal([64, 192]);
fs['fc 4096x64x192'] = () => tf.matMul(X, W);
const flops: Record<string, number> = { '2d ff': 2*n*n*d, '2d ft': 2*n*n*d, '3d ff': 2*B*n*n*d, '3d ft': 2*B*n*n*d, '3d tf': 2*B*n*n*d, '2d big ff': 2*B*n*n*d, 'fc 4096x64x192': 2*4096*64*192 };
const best: Record<string, number> = {};
for (let i = 0; i < 7; i++) for (const [nm, f] of Object.entries(fs)) {
  const t0 = performance.now(); const y = tf.tidy(f); await y.data(); y.dispose(); best[nm] = Math.min(best[nm] ?? 1e9, performance.now() - t0);
}
for (const [k2, t] of Object.entries(best)) console.log(k2, t.toFixed(2), 'ms', (flops[k2]! / t / 1e6).toFixed(2), 'GFLOP/s');
