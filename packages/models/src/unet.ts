/**
 * The multi-resolution UNet F(x, c_noise, label, level) in tfjs, mirroring `UNet.forward` in
 * tools/train/model.py (ADM-style: Dhariwal & Nichol 2021, simplified): conditioning embedding
 * (Fourier features of c_noise -> MLP, + class and level embeddings, SiLU), conv_in, encoder
 * stages (residual blocks, attention where configured, 2x2 average pooling), a middle
 * (res, attention, res), decoder stages that concatenate the encoder's skips along channels
 * ([h, skip], as torch.cat) and upsample by nearest x2 + 3x3 conv, then GroupNorm, SiLU, conv_out.
 * v2 models add a level adapter after every residual block at levels >= 1 (unet-layers.ts).
 * Tensor names are model.py's parameter names (see unet-layout.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { UNetLayout } from './unet-layout.js';
import type { UNetWeights } from './unet-weights.js';
import { attention, conv, groupNorm, resBlock, silu } from './unet-layers.js';

/** Builds the conditioning embedding silu(mlp(fourier(c_noise)) + class_emb + level_emb), [N, embDim]. */
function embed(w: UNetWeights, cNoise: readonly number[], labels: readonly number[], level: number): tf.Tensor2D {
  const n = cNoise.length;
  const half = w.freqs.length;
  const four = new Float32Array(n * 2 * half);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < half; i++) {
      const f = Math.fround(Math.fround(cNoise[b]!) * w.freqs[i]!);
      four[b * 2 * half + i] = Math.cos(f);
      four[b * 2 * half + half + i] = Math.sin(f);
    }
  }
  const h1 = silu(tf.fused.matMul({ a: tf.tensor2d(four, [n, 2 * half]), b: w.mlp1.w, bias: w.mlp1.b }));
  const cls = tf.gather(w.classEmb, tf.tensor1d(Int32Array.from(labels), 'int32'));
  const lvl = tf.slice(w.levelBias, [level, 0], [1, -1]);
  return silu(tf.add(tf.add(tf.matMul(h1, w.mlp2), cls), lvl));
}

/**
 * Runs F on a batch. `x` is NHWC and already scaled by c_in; `cNoise` and `labels` have one
 * entry per batch item (labels are class indices, `numClasses` = null class). The caller owns
 * the result; `x` is not disposed.
 */
export function unetForward(
  layout: UNetLayout,
  w: UNetWeights,
  x: tf.Tensor4D,
  cNoise: readonly number[],
  labels: readonly number[],
  level: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const heads = layout.arch.attentionHeads;
    const n = x.shape[0];
    const embAll = tf.fused.matMul({ a: embed(w, cNoise, labels, level), b: w.embW, bias: w.embB });
    const embFor = (prefix: string): tf.Tensor2D => {
      const r = w.res.get(prefix)!;
      return tf.slice(embAll, [0, r.embOffset], [n, r.cout]) as tf.Tensor2D;
    };
    const block = (h: tf.Tensor4D, b: { res: { prefix: string }; attn?: string }): tf.Tensor4D => {
      const out = resBlock(h, embFor(b.res.prefix), w.res.get(b.res.prefix)!, level);
      return b.attn ? attention(out, w.attn.get(b.attn)!, heads) : out;
    };

    let h = conv(x, w.convIn);
    const skips: tf.Tensor4D[] = [h];
    layout.down.forEach((stage, i) => {
      for (const b of stage.blocks) {
        h = block(h, b);
        skips.push(h);
      }
      if (i < layout.down.length - 1) {
        h = tf.avgPool(h, 2, 2, 'valid');
        skips.push(h);
      }
    });
    h = resBlock(h, embFor(layout.mid.res1.prefix), w.res.get(layout.mid.res1.prefix)!, level);
    h = attention(h, w.attn.get(layout.mid.attn)!, heads);
    h = resBlock(h, embFor(layout.mid.res2.prefix), w.res.get(layout.mid.res2.prefix)!, level);
    layout.up.forEach((stage, j) => {
      for (const b of stage.blocks) h = block(tf.concat([h, skips.pop()!], 3), b);
      if (j < layout.up.length - 1) {
        const [, hh, ww] = h.shape;
        h = conv(tf.image.resizeNearestNeighbor(h, [hh * 2, ww * 2]), w.upsample[j]!);
      }
    });
    return conv(silu(groupNorm(h, w.normOut)), w.convOut);
  });
}
