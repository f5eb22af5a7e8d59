/**
 * Ops in the form that is fast on the active tfjs backend (measured, tfjs 4.22 in Node).
 *
 * Broadcasting: tfjs-backend-cpu runs
 * a binary op fast only when the smaller operand's shape is a suffix of the output shape
 * (flat loop with modulo); otherwise (e.g. [N, H, W, C] + [N, 1, 1, C], or a softmax over
 * rows) it computes every element's index with array allocations, ~20x slower, and its
 * transposes do the same. On cpu these helpers therefore expand the small operand with an
 * outer-product matmul (fast) and add same-shaped tensors; wasm and webgpu broadcast natively.
 *
 * Matmul: tfjs-backend-wasm sends only rank-2, non-transposed matmuls to XNNPACK (10-20
 * GFLOP/s single-threaded); batched or transposed ones take a generic loop (~1.6 GFLOP/s).
 * On wasm, attention's per-head products are therefore rank-2 matmuls, with k^T laid out
 * by the transpose that splits the heads anyway.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Whether the active backend is tfjs-backend-cpu. */
export function onCpuBackend(): boolean {
  return tf.getBackend() === 'cpu';
}

/** `x + v` with `x` [N, H, W, C] and `v` [N, C] added at every pixel of its image. */
export function addPerImageChannel(x: tf.Tensor4D, v: tf.Tensor2D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (n === 1) return tf.add(x, tf.reshape(v, [c]));
  if (!onCpuBackend()) return tf.add(x, tf.reshape(v, [n, 1, 1, c]));
  const expanded = tf.matMul(tf.ones([1, h * w, 1]), tf.reshape(v, [n, 1, c]) as tf.Tensor3D); // [N, HW, C]
  return tf.add(x, tf.reshape(expanded, [n, h, w, c]));
}

/** Whether the active backend is tfjs-backend-wasm. */
export function onWasmBackend(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * softmax(q kT) v for q, v [B, n, d] and kT [B, d, n] (scale already in q).
 * - wasm: one rank-2 attention per head (slices of q, kT, v), 2-8x faster than the batched
 *   matmuls (measured for B = 4..32, n = 64..256);
 * - cpu: the row max and row sum are expanded by outer-product matmuls and the normalisation
 *   is applied to the [B, n, d] output instead of the [B, n, n] weights;
 * - others: batched matmuls and the native softmax.
 */
export function softmaxAttention(q: tf.Tensor3D, kT: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  const [batch, n, d] = q.shape;
  if (onWasmBackend()) {
    const heads: tf.Tensor2D[] = [];
    for (let i = 0; i < batch; i++) {
      const qi = tf.reshape(tf.slice(q, [i, 0, 0], [1, n, d]), [n, d]) as tf.Tensor2D;
      const ki = tf.reshape(tf.slice(kT, [i, 0, 0], [1, d, n]), [d, n]) as tf.Tensor2D;
      const vi = tf.reshape(tf.slice(v, [i, 0, 0], [1, n, d]), [n, d]) as tf.Tensor2D;
      heads.push(tf.matMul(tf.softmax(tf.matMul(qi, ki)), vi));
    }
    return tf.reshape(batch === 1 ? heads[0]! : tf.concat(heads, 0), [batch, n, d]);
  }
  const scores = tf.matMul(q, kT);
  if (!onCpuBackend()) return tf.matMul(tf.softmax(scores), v);
  const rowMax = tf.max(scores, -1, true) as tf.Tensor3D; // [B, n, 1]
  const e = tf.exp(tf.sub(scores, tf.matMul(rowMax, tf.ones([1, 1, n]) as tf.Tensor3D))) as tf.Tensor3D;
  const inv = tf.reciprocal(tf.sum(e, -1, true)) as tf.Tensor3D;
  return tf.mul(tf.matMul(e, v), tf.matMul(inv, tf.ones([1, 1, d]) as tf.Tensor3D));
}
