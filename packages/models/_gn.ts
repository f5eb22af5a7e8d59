import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { groupNorm } from './src/unet-layers.ts';
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
function gnT(x: tf.Tensor4D, w: any) {
  // transpose to [N, C, HW] once, reduce innermost
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape; const hw = h * wd;
  const xt = tf.transpose(tf.reshape(x, [n, hw, g, cg]), [0, 2, 3, 1]); // n g cg hw
  const xr = tf.reshape(xt, [n, g, cg * hw]);
  const mean = tf.mean(xr, 2, true);
  const d = tf.sub(xr, mean);
  const v = tf.mean(tf.square(d), 2, true);
  const sc = tf.rsqrt(tf.add(v, 1e-5)); // n g 1
  const mean4 = tf.reshape(mean, [n, 1, g, 1]); const sc4 = tf.reshape(sc, [n, 1, g, 1]);
  const a = tf.mul(sc4, w.gamma); const b = tf.sub(w.beta, tf.mul(mean4, a));
  return tf.reshape(tf.add(tf.mul(tf.reshape(x, [n, hw, g, cg]), a), b), [n, h, wd, c]);
}
function gnMM2(x: tf.Tensor4D, w: any) {
  // single pass E[x^2]-E[x]^2, with folded affine: y = x*a + b
  const [n, h, wd, c] = x.shape; const [g, cg] = w.gamma.shape; const hw = h * wd;
  const ones = tf.ones([1, 1, hw]);
  const xr = tf.reshape(x, [n, hw, c]) as tf.Tensor3D;
  const s1 = tf.reshape(tf.sum(tf.reshape(tf.matMul(ones, xr), [n, g, cg]), 2), [n, 1, g, 1]);
  const s2 = tf.reshape(tf.sum(tf.reshape(tf.matMul(ones, tf.square(xr)), [n, g, cg]), 2), [n, 1, g, 1]);
  const mean = tf.div(s1, hw * cg); const v = tf.sub(tf.div(s2, hw * cg), tf.square(mean));
  const a = tf.mul(tf.rsqrt(tf.add(v, 1e-5)), w.gamma); const b = tf.sub(w.beta, tf.mul(mean, a));
  return tf.reshape(tf.add(tf.mul(tf.reshape(x, [n, hw, g, cg]), a), b), [n, h, wd, c]);
}
for (const shape of [[1, 64, 64, 64], [8, 64, 64, 32], [1, 16, 16, 128]]) {
  const c = shape[3]!; const g = 16;
  const w = { gamma: tf.randomNormal([g, c / g]), beta: tf.randomNormal([g, c / g]) };
  const x = tf.add(tf.randomNormal(shape), 3) as tf.Tensor4D;
  const ref = tf.tidy(() => gnMoments(x, w));
  for (const [name, f] of [['mm', groupNorm], ['moments', gnMoments], ['transpose', gnT], ['mm1pass', gnMM2]] as const) {
    tf.tidy(() => f(x, w as any)).dispose();
    const t0 = performance.now(); const R = 5;
    for (let i = 0; i < R; i++) { const y = tf.tidy(() => f(x, w as any)); await y.data(); y.dispose(); }
    const y = tf.tidy(() => f(x, w as any));
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]);
    y.dispose();
    console.log(tf.getBackend(), shape.join('x'), name, ((performance.now() - t0) / R).toFixed(2), 'ms err', err);
  }
}
