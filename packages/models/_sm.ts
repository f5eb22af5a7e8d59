import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
await tf.setBackend('cpu');
const q = tf.randomNormal([8, 256, 32]) as tf.Tensor3D, k = tf.randomNormal([8, 256, 32]) as tf.Tensor3D, v = tf.randomNormal([8, 256, 32]) as tf.Tensor3D;
const A = () => tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v);
const B = () => {
  const s = tf.matMul(q, k, false, true); const n = s.shape[2];
  const m = tf.max(s, -1, true);
  const e = tf.exp(tf.sub(s, tf.matMul(m, tf.ones([1, 1, n]))));
  const o = tf.matMul(e, v);
  const r = tf.reciprocal(tf.sum(e, -1, true));
  return tf.mul(o, tf.matMul(r, tf.ones([1, 1, o.shape[2]])));
};
const C = () => tf.matMul(q, k, false, true);
const best: Record<string, number> = {};
for (let i = 0; i < 5; i++) for (const [nm, f] of Object.entries({ A, B, C })) {
  const t0 = performance.now(); const y = tf.tidy(f); await y.data(); y.dispose(); best[nm] = Math.min(best[nm] ?? 1e9, performance.now() - t0);
}
const d = tf.tidy(() => tf.max(tf.abs(tf.sub(A(), B()))).dataSync()[0]);
console.log(best, d);
