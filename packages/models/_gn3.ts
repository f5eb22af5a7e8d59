import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const req = createRequire(import.meta.url);
setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
await tf.setBackend(process.argv[2] ?? 'cpu');
function gnT(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape; const hw = h * wd;
  const xg = tf.reshape(x, [n, hw, g, cg]);
  const xt = tf.reshape(tf.transpose(xg, [0, 2, 3, 1]), [n, g, cg * hw]);
  const mean = tf.mean(xt, 2, true);
  const variance = tf.mean(tf.square(tf.sub(xt, mean)), 2, true);
  const scale = tf.mul(tf.reshape(tf.rsqrt(tf.add(variance, 1e-5)), [n, 1, g, 1]), w.gamma);
  const shift = tf.sub(w.beta, tf.mul(tf.reshape(mean, [n, 1, g, 1]), scale));
  return tf.reshape(tf.add(tf.mul(xg, scale), shift), [n, h, wd, c]);
}
function gnT1(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape; const hw = h * wd;
  const xg = tf.reshape(x, [n, hw, g, cg]);
  const xt = tf.reshape(tf.transpose(xg, [0, 2, 3, 1]), [n, g, cg * hw]);
  const mean = tf.mean(xt, 2, true);
  const variance = tf.relu(tf.sub(tf.mean(tf.square(xt), 2, true), tf.square(mean)));
  const scale = tf.mul(tf.reshape(tf.rsqrt(tf.add(variance, 1e-5)), [n, 1, g, 1]), w.gamma);
  const shift = tf.sub(w.beta, tf.mul(tf.reshape(mean, [n, 1, g, 1]), scale));
  return tf.reshape(tf.add(tf.mul(xg, scale), shift), [n, h, wd, c]);
}
function gnPoolB(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape;
  const gm = (t: tf.Tensor4D) => tf.mean(tf.reshape(tf.avgPool(t, [h, wd], 1, 'valid'), [n, g, cg]), 2, true);
  const m1 = gm(x); const v = tf.relu(tf.sub(gm(tf.square(x)), tf.square(m1)));
  const scale = tf.mul(tf.reshape(tf.rsqrt(tf.add(v, 1e-5)), [n, 1, g, 1]), w.gamma);
  const shift = tf.sub(w.beta, tf.mul(tf.reshape(m1, [n, 1, g, 1]), scale));
  return tf.reshape(tf.add(tf.mul(tf.reshape(x, [n, h * wd, g, cg]), scale), shift), [n, h, wd, c]);
}
function gnMM(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape; const hw = h * wd;
  const ones = tf.ones([1, 1, hw]);
  const chanSum = (t: tf.Tensor) => tf.matMul(ones, tf.reshape(t, [n, hw, c]) as tf.Tensor3D);
  const groupMean = (s: tf.Tensor) => tf.reshape(tf.mul(tf.sum(tf.reshape(s, [n, g, cg]), 2), 1 / (hw * cg)), [n, 1, g, 1]);
  const xg = tf.reshape(x, [n, hw, g, cg]);
  const centred = tf.sub(xg, groupMean(chanSum(x)));
  const variance = groupMean(chanSum(tf.square(centred)));
  const scale = tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), w.gamma);
  return tf.reshape(tf.add(tf.mul(centred, scale), w.beta), [n, h, wd, c]);
}
const variants = { gnT, gnT1, gnPoolB, gnMM } as Record<string, (x: tf.Tensor4D, w: any) => tf.Tensor4D>;
for (const shape of [[1, 64, 64, 64], [8, 64, 64, 32], [1, 16, 16, 128], [2, 16, 16, 128]]) {
  const c = shape[3]!; const g = 16;
  const w = { gamma: tf.randomNormal([g, c / g]), beta: tf.randomNormal([g, c / g]) };
  const x = tf.add(tf.randomNormal(shape), 3) as tf.Tensor4D;
  const best: Record<string, number> = {};
  for (let round = 0; round < 7; round++) for (const [name, f] of Object.entries(variants)) {
    const t0 = performance.now(); const y = tf.tidy(() => f(x, w)); await y.data(); y.dispose();
    best[name] = Math.min(best[name] ?? 1e9, performance.now() - t0);
  }
  console.log(tf.getBackend(), shape.join('x'), Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('  '));
}
