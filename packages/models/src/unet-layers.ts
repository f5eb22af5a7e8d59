/**
 * The UNet's layers in tfjs (NHWC), numerically the same as tools/train/model.py: GroupNorm
 * (eps 1e-5), SiLU, the ADM-style residual block and multi-head self-attention (Vaswani et al.
 * 2017; heads split over channels as in model.py). Call inside tf.tidy.
 *
 * Speed notes (the forward pass runs ~60 times per image on a 2-core wasm CPU): bias adds are
 * fused into the convs, GroupNorm picks a per-backend form (see {@link groupNorm}).
 */
import * as tf from '@tensorflow/tfjs-core';
import { addPerImageChannel, onCpuBackend, softmaxAttention } from './backend-ops.js';
import type { AttentionWeights, ConvWeights, NormWeights, ResBlockWeights } from './unet-weights.js';

const GROUP_NORM_EPS = 1e-5;

/** x * sigmoid(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** 3x3 (or 1x1) convolution, stride 1, 'same' padding (PyTorch padding=1 for 3x3), fused bias. */
export function conv(x: tf.Tensor4D, w: ConvWeights): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: w.filter, strides: 1, pad: 'same', bias: w.bias });
}

/**
 * GroupNorm over channel groups: statistics per image and group over H, W and the group's
 * channels. tfjs reduces only over innermost axes (transposing otherwise), so the per-channel
 * means over pixels come from a global average pool, which is NHWC-native on every backend
 * (measured on wasm: 3-5x faster than a transpose + mean). The variance is E[x^2] - E[x]^2
 * (clamped at 0), accumulated in float32 over H*W values, well inside the parity tolerance.
 * The affine is applied as one broadcast multiply-add, except on tfjs-backend-cpu, whose
 * broadcasting binary ops do index arithmetic per element (~20x slower): there `batchNorm`
 * applies it in one flat pass per image.
 */
export function groupNorm(x: tf.Tensor4D, w: NormWeights): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const [g, cg] = w.gamma.shape;
  const groupMean = (t: tf.Tensor4D): tf.Tensor3D => tf.mean(tf.reshape(tf.avgPool(t, [h, wd], 1, 'valid'), [n, g, cg]), 2, true);
  const mean = groupMean(x); // [N, G, 1]
  const variance = tf.relu(tf.sub(groupMean(tf.square(x)), tf.square(mean))) as tf.Tensor3D;
  if (onCpuBackend()) {
    const perChannel = (t: tf.Tensor3D): tf.Tensor2D => tf.reshape(tf.tile(t, [1, 1, cg]), [n, c]);
    const m = perChannel(mean);
    const v = perChannel(variance);
    const gamma = tf.reshape(w.gamma, [c]) as tf.Tensor1D;
    const beta = tf.reshape(w.beta, [c]) as tf.Tensor1D;
    const row = (t: tf.Tensor2D, i: number): tf.Tensor1D => tf.reshape(tf.slice(t, [i, 0], [1, c]), [c]);
    const one = (xi: tf.Tensor4D, i: number): tf.Tensor4D => tf.batchNorm(xi, row(m, i), row(v, i), beta, gamma, GROUP_NORM_EPS);
    return n === 1 ? one(x, 0) : tf.concat((tf.split(x, n, 0) as tf.Tensor4D[]).map(one), 0);
  }
  const scale = tf.mul(tf.reshape(tf.rsqrt(tf.add(variance, GROUP_NORM_EPS)), [n, 1, g, 1]), w.gamma); // [N, 1, G, Cg]
  const shift = tf.sub(w.beta, tf.mul(tf.reshape(mean, [n, 1, g, 1]), scale));
  return tf.reshape(tf.add(tf.mul(tf.reshape(x, [n, h * wd, g, cg]), scale), shift), [n, h, wd, c]);
}

/**
 * ResBlock.forward: conv2(silu(norm2(conv1(silu(norm1(x))) + emb))) + skip(x). `emb` is this
 * block's slice of the stacked embedding projection, [N, cout], conv1's bias already in it.
 * At level k >= 1 of a v2 model, the block's level adapter follows: out + B_k(A_k out), two 1x1
 * maps through rank r, as matmuls on the [pixels, C] rows.
 */
export function resBlock(x: tf.Tensor4D, emb: tf.Tensor2D, w: ResBlockWeights, level = 0): tf.Tensor4D {
  let h = addPerImageChannel(tf.conv2d(silu(groupNorm(x, w.norm1)), w.conv1, 1, 'same'), emb);
  h = conv(silu(groupNorm(h, w.norm2)), w.conv2);
  const out: tf.Tensor4D = tf.add(h, w.skip ? conv(x, w.skip) : x);
  const adapter = level > 0 ? w.adapters?.[level - 1] : undefined;
  if (!adapter) return out;
  const [n, hh, ww, c] = h.shape;
  const rows = tf.reshape(out, [n * hh * ww, c]) as tf.Tensor2D;
  return tf.add(out, tf.reshape(tf.matMul(tf.matMul(rows, adapter.a), adapter.b), [n, hh, ww, c]));
}

/**
 * Attention.forward: x + proj(softmax(q k^T / sqrt(d)) v), heads over channel groups. The
 * qkv channel order is PyTorch's (3, heads, d); 1/sqrt(d) is pre-multiplied into q.
 */
export function attention(x: tf.Tensor4D, w: AttentionWeights, heads: number): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const hw = h * wd;
  const d = c / heads;
  const qkv = conv(groupNorm(x, w.norm), w.qkv); // [N, H, W, 3C]
  // PyTorch's channel order is (3, heads, d): [N, HW, 3, heads, d] -> q, v [N*heads, HW, d], kT [N*heads, d, HW].
  const [q, k, v] = tf.split(tf.reshape(qkv, [n, hw, 3 * heads, d]), 3, 2) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const rows = (t: tf.Tensor4D): tf.Tensor3D => tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [n * heads, hw, d]);
  const kT = tf.reshape(tf.transpose(k, [0, 2, 3, 1]), [n * heads, d, hw]) as tf.Tensor3D;
  const o = tf.transpose(tf.reshape(softmaxAttention(rows(q), kT, rows(v)), [n, heads, hw, d]), [0, 2, 1, 3]); // [N, HW, heads, d]
  return tf.add(x, conv(tf.reshape(o, [n, h, wd, c]), w.proj));
}
