import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const req = createRequire(import.meta.url);
setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
await tf.setBackend('wasm');
const B = 8, n = 256, d = 32;
const q = tf.randomNormal([B, n, d]) as tf.Tensor3D, k = tf.randomNormal([B, n, d]) as tf.Tensor3D, kT = tf.randomNormal([B, d, n]) as tf.Tensor3D, v = tf.randomNormal([B, n, d]) as tf.Tensor3D;
const a = tf.randomNormal([B, n, n]) as tf.Tensor3D;
const x = tf.randomNormal([1, 64, 64, 64]) as tf.Tensor4D; const w = tf.randomNormal([3, 3, 64, 64]) as tf.Tensor4D; const b = tf.randomNormal([64]) as tf.Tensor1D;
const fs: Record<string, () => tf.Tensor> = {
  qkT_flag: () => tf.matMul(q, k, false, true),
  qkT_pre: () => tf.matMul(q, kT),
  av: () => tf.matMul(a, v),
  conv64: () => tf.fused.conv2d({ x, filter: w, bias: b, strides: 1, pad: 'same' }),
  conv64nb: () => tf.conv2d(x, w, 1, 'same'),
};
const best: Record<string, number> = {};
for (let i = 0; i < 7; i++) for (const [nm, f] of Object.entries(fs)) {
  const t0 = performance.now(); const y = tf.tidy(f); await y.data(); y.dispose(); best[nm] = Math.min(best[nm] ?? 1e9, performance.now() - t0);
}
const flops: Record<string, number> = { qkT_flag: 2*B*n*n*d, qkT_pre: 2*B*n*n*d, av: 2*B*n*n*d, conv64: 2*64*64*64*64*9, conv64nb: 2*64*64*64*64*9 };
for (const [k2, t] of Object.entries(best)) console.log(k2, t.toFixed(2), 'ms', (flops[k2]! / t / 1e6).toFixed(2), 'GFLOP/s');
