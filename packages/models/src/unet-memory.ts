/**
 * How much memory one UNet forward pass holds at its peak, counted from the architecture the
 * way {@link countUNetFlops} counts FLOPs: the forward runs in one `tf.tidy`, so every
 * intermediate tensor stays alive until it returns, and the peak is their sum. Each layer is
 * charged the full-size tensors its ops make (GroupNorm ~3, SiLU 2, a conv 1, attention its
 * copies plus the heads x pixels^2 score matrices); reshapes share data and are free. The count
 * is checked against tfjs's own `tf.profile` peak in unet-memory.spec.ts (an upper bound within
 * 1.5x), so a run can refuse a batch that cannot fit before it starts.
 */
import type { UNetArchitecture } from './model-config.js';

/** Margin over the count: backends differ in the temporaries of a few ops (cpu's softmax). */
const SAFETY = 1.15;

/** Float32 values (not bytes) of the intermediates of one forward of one image. */
function forwardValues(arch: UNetArchitecture, height: number, width: number, level: number): number {
  const { channels: ch, numResBlocks: nres, attentionStages, inChannels, attentionHeads } = arch;
  const rank = level > 0 ? (arch.levelAdapterRank ?? 0) : 0;
  let h = height;
  let w = width;
  const px = (): number => h * w;
  const norm = (c: number): number => 4 * c * px();
  const silu = (c: number): number => 2 * c * px();
  const res = (cin: number, cout: number): number =>
    norm(cin) + silu(cin) + 2 * cout * px() + norm(cout) + silu(cout) + cout * px() + (cin !== cout ? cout * px() : 0) + cout * px() + (rank > 0 ? (2 * rank + 2 * cout) * px() : 0);
  const attn = (c: number): number => {
    const n = px();
    return norm(c) + 3 * c * n + 3 * c * n + 3 * c * n + 3 * c * n + 4 * attentionHeads * n * n + 3 * c * n;
  };
  let total = inChannels * px() * 4 + ch[0]! * px();
  const skip: number[] = [ch[0]!];
  let cur = ch[0]!;
  ch.forEach((c, i) => {
    for (let b = 0; b < nres[i]!; b++) {
      total += res(cur, c);
      cur = c;
      if (attentionStages.includes(i)) total += attn(c);
      skip.push(cur);
    }
    if (i < ch.length - 1) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      total += cur * px();
      skip.push(cur);
    }
  });
  total += 2 * res(cur, cur) + attn(cur);
  for (let i = ch.length - 1; i >= 0; i--) {
    for (let b = 0; b <= nres[i]!; b++) {
      const s = skip.pop()!;
      total += (cur + s) * px() + res(cur + s, ch[i]!);
      cur = ch[i]!;
      if (attentionStages.includes(i)) total += attn(cur);
    }
    if (i > 0) {
      h *= 2;
      w *= 2;
      total += 2 * cur * px();
    }
  }
  return total + norm(cur) + silu(cur) + inChannels * px() * 4;
}

/**
 * Peak bytes of one forward pass over `batch` images of `height` x `width` at `level`
 * (float32 intermediates; the weights are not included). With classifier-free guidance the
 * denoiser runs a batch of 2N: pass that.
 */
export function estimateUNetForwardBytes(arch: UNetArchitecture, height: number, width: number, batch: number, level = 0): number {
  return Math.ceil(4 * batch * forwardValues(arch, height, width, level) * SAFETY);
}

/** The largest single intermediate tensor of that forward, in bytes (GPU buffers have a size limit). */
export function largestUNetTensorBytes(arch: UNetArchitecture, height: number, width: number, batch: number): number {
  const { channels: ch, attentionStages, attentionHeads } = arch;
  let largest = 0;
  ch.forEach((c, i) => {
    const n = (height / 2 ** i) * (width / 2 ** i);
    // The decoder's concatenation at stage i has up to 2c channels (c plus a skip of c or less); qkv has 3c.
    largest = Math.max(largest, 3 * c * n, 2 * c * n + (i > 0 ? ch[i - 1]! * n : 0));
    if (attentionStages.includes(i) || i === ch.length - 1) largest = Math.max(largest, attentionHeads * n * n);
  });
  return 4 * batch * largest;
}
