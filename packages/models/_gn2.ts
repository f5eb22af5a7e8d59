import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
const req = createRequire(import.meta.url);
setWasmPaths(dirname(req.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
await tf.setBackend(process.argv[2] ?? 'cpu');
function gnMoments(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape;
  const xg = tf.reshape(x, [n, h * wd, g, cg]);
  const { mean, variance } = tf.moments(xg, [1, 3], true);
  const scale = tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), w.gamma);
  return tf.reshape(tf.add(tf.mul(tf.sub(xg, mean), scale), w.beta), [n, h, wd, c]);
}
function stats(x: tf.Tensor4D, g: number) {
  const [n, h, wd, c] = x.shape; const cg = c / g;
  const m1 = tf.mean(tf.reshape(tf.avgPool(x, [h, wd], 1, 'valid'), [n, g, cg]), 2, true);
  const m2 = tf.mean(tf.reshape(tf.avgPool(tf.square(x), [h, wd], 1, 'valid'), [n, g, cg]), 2, true);
  const v = tf.relu(tf.sub(m2, tf.square(m1)));
  const rep = (t: tf.Tensor) => tf.reshape(tf.tile(t, [1, 1, cg]), [n, c]);
  return { mean: rep(m1), variance: rep(v) };
}
function gnBN(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g] = w.gamma.shape;
  const { mean, variance } = stats(x, g);
  const gamma = tf.reshape(w.gamma, [c]); const beta = tf.reshape(w.beta, [c]);
  if (n === 1) return tf.batchNorm(x, tf.reshape(mean, [c]), tf.reshape(variance, [c]), beta, gamma, 1e-5);
  const xs = tf.split(x, n, 0); const ms = tf.split(mean, n, 0); const vs = tf.split(variance, n, 0);
  return tf.concat(xs.map((xi, i) => tf.batchNorm(xi, tf.reshape(ms[i]!, [c]), tf.reshape(vs[i]!, [c]), beta, gamma, 1e-5)), 0);
}
function gnBcast(x: tf.Tensor4D, w: any) {
  const [n, h, wd, c] = x.shape; const [g] = w.gamma.shape;
  const { mean, variance } = stats(x, g);
  const gamma = tf.reshape(w.gamma, [c]); const beta = tf.reshape(w.beta, [c]);
  const a = tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), gamma); const b = tf.sub(beta, tf.mul(mean, a));
  return tf.add(tf.mul(x, tf.reshape(a, [n, 1, 1, c])), tf.reshape(b, [n, 1, 1, c]));
}
for (const shape of [[1, 64, 64, 64], [8, 64, 64, 32], [1, 16, 16, 128], [2, 16, 16, 128]]) {
  const c = shape[3]!; const g = 16;
  const w = { gamma: tf.randomNormal([g, c / g]), beta: tf.randomNormal([g, c / g]) };
  const x = tf.add(tf.randomNormal(shape), 3) as tf.Tensor4D;
  const ref = tf.tidy(() => gnMoments(x, w));
  for (const [name, f] of [['bn', gnBN], ['bcast', gnBcast]] as const) {
    tf.tidy(() => f(x, w as any)).dispose();
    const t0 = performance.now(); const R = 5;
    for (let i = 0; i < R; i++) { const y = tf.tidy(() => f(x, w as any)); await y.data(); y.dispose(); }
    const y = tf.tidy(() => f(x, w as any));
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]);
    y.dispose();
    console.log(tf.getBackend(), shape.join('x'), name, ((performance.now() - t0) / R).toFixed(2), 'ms err', err);
  }
}
