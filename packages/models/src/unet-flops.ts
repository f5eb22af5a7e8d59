/**
 * Analytic FLOP count of one UNet forward pass, the same count as `count_flops` in
 * tools/train/model.py: 2 x multiply-adds of every convolution (incl. 1x1 skips, qkv and
 * proj) and of the two attention matmuls (q k^T and a v: 2 * 2 * n^2 * c for n pixels).
 * Norms, activations, pooling, the embedding MLP and the EDM scaling are not counted (they are
 * a few percent at most and scale the same way with resolution).
 */
import type { UNetArchitecture } from './model-config.js';

function conv(cin: number, cout: number, k: number, h: number, w: number): number {
  return 2 * cin * cout * k * k * h * w;
}

function res(cin: number, cout: number, h: number, w: number, rank: number): number {
  // The level adapter (levels >= 1 of v2): two 1x1 maps C -> r -> C.
  return conv(cin, cout, 3, h, w) + conv(cout, cout, 3, h, w) + (cin !== cout ? conv(cin, cout, 1, h, w) : 0) + 2 * conv(cout, rank, 1, h, w);
}

function attn(c: number, h: number, w: number): number {
  const n = h * w;
  return conv(c, 3 * c, 1, h, w) + conv(c, c, 1, h, w) + 2 * 2 * n * n * c;
}

/**
 * FLOPs of one forward pass of one image of `height` x `width` pixels at `level` (level
 * adapters, v2, run at levels >= 1 only). Sides must be divisible by 2^(stages - 1) (the network
 * pools that many times).
 */
export function countUNetFlops(arch: UNetArchitecture, height: number, width: number, level = 0): number {
  const { channels: ch, numResBlocks: nres, attentionStages, inChannels } = arch;
  const rank = level > 0 ? (arch.levelAdapterRank ?? 0) : 0;
  let h = height;
  let w = width;
  let total = conv(inChannels, ch[0]!, 3, h, w);
  const skip: number[] = [ch[0]!];
  let cur = ch[0]!;
  ch.forEach((c, i) => {
    for (let b = 0; b < nres[i]!; b++) {
      total += res(cur, c, h, w, rank);
      cur = c;
      if (attentionStages.includes(i)) total += attn(c, h, w);
      skip.push(cur);
    }
    if (i < ch.length - 1) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      skip.push(cur);
    }
  });
  total += 2 * res(cur, cur, h, w, rank) + attn(cur, h, w);
  for (let i = ch.length - 1; i >= 0; i--) {
    for (let b = 0; b <= nres[i]!; b++) {
      total += res(cur + skip.pop()!, ch[i]!, h, w, rank);
      cur = ch[i]!;
      if (attentionStages.includes(i)) total += attn(cur, h, w);
    }
    if (i > 0) {
      h *= 2;
      w *= 2;
      total += conv(cur, cur, 3, h, w);
    }
  }
  total += conv(cur, inChannels, 3, h, w);
  return total;
}
