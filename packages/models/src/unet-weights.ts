/**
 * Turns PyTorch-layout parameters into the tensors the tfjs forward pass uses, once, at load:
 * OIHW conv kernels become HWIO, (out, in) linears become (in, out), the attention scale
 * 1/sqrt(d) is folded into the q rows of qkv, GroupNorm affines are shaped [G, C/G], and every
 * residual block's embedding projection is stacked into one matrix (with conv1's bias folded
 * into its bias) so one matmul per forward projects the embedding for all blocks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelLoadError } from '@upshift/core';
import type { SafetensorsFile } from './safetensors.js';
import { firstNonFinite, readFloat32, sizeOf } from './safetensors.js';
import type { ResBlockLayout, UNetLayout } from './unet-layout.js';

/** A convolution in tfjs layout. */
export interface ConvWeights {
  /** HWIO kernel. */
  readonly filter: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/** GroupNorm affine parameters shaped [groups, channels / groups]. */
export interface NormWeights {
  readonly gamma: tf.Tensor2D;
  readonly beta: tf.Tensor2D;
}

/** One level's adapter as right-multiplied matrices: `h + (h A) B` on [pixels, C] rows. */
export interface LevelAdapterWeights {
  /** proj_in[k - 1] transposed, [C, r]. */
  readonly a: tf.Tensor2D;
  /** proj_out[k - 1] transposed, [r, C]. */
  readonly b: tf.Tensor2D;
}

/** A residual block. conv1 has no bias here: it is folded into the embedding projection. */
export interface ResBlockWeights {
  readonly norm1: NormWeights;
  readonly conv1: tf.Tensor4D;
  /** Column range of this block in the stacked embedding projection. */
  readonly embOffset: number;
  readonly cout: number;
  readonly norm2: NormWeights;
  readonly conv2: ConvWeights;
  readonly skip?: ConvWeights;
  /** Level adapters (v2): entry k - 1 for level k >= 1; absent in v1. */
  readonly adapters?: readonly LevelAdapterWeights[];
}

/** A self-attention block (q rows of qkv pre-scaled by 1/sqrt(head dim)). */
export interface AttentionWeights {
  readonly norm: NormWeights;
  readonly qkv: ConvWeights;
  readonly proj: ConvWeights;
}

/** Every tensor of the network, in tfjs layout. */
export interface UNetWeights {
  /** Fourier frequencies, [1, fourierDim / 2]. */
  readonly freqs: Float32Array;
  readonly mlp1: { readonly w: tf.Tensor2D; readonly b: tf.Tensor1D };
  /** noise_mlp2 without bias (the bias is folded into `levelBias`). */
  readonly mlp2: tf.Tensor2D;
  /** class_emb, [numClasses + 1, embDim]. */
  readonly classEmb: tf.Tensor2D;
  /** level_emb + noise_mlp2.bias, [numLevels, embDim]. */
  readonly levelBias: tf.Tensor2D;
  /** All blocks' embedding projections stacked, [embDim, sum cout]. */
  readonly embW: tf.Tensor2D;
  /** Their biases plus each block's conv1 bias, [sum cout]. */
  readonly embB: tf.Tensor1D;
  readonly convIn: ConvWeights;
  readonly res: ReadonlyMap<string, ResBlockWeights>;
  readonly attn: ReadonlyMap<string, AttentionWeights>;
  readonly upsample: readonly ConvWeights[];
  readonly normOut: NormWeights;
  readonly convOut: ConvWeights;
  /** Every tensor above, for dispose. */
  readonly all: readonly tf.Tensor[];
}

/**
 * Checks a weights file against the layout: every parameter present with its exact PyTorch
 * shape and the config's dtype, and nothing else. Throws ModelLoadError naming the tensor.
 */
export function validateWeights(st: SafetensorsFile, layout: UNetLayout, dtype: string): void {
  for (const [name, shape] of layout.parameters) {
    const e = st.tensors.get(name);
    if (!e) throw new ModelLoadError(st.file, `missing (expected ${dtype}${JSON.stringify(shape)})`, name);
    if (e.dtype !== dtype) throw new ModelLoadError(st.file, `dtype ${e.dtype}, config.json says weights.dtype ${dtype}`, name);
    if (e.shape.length !== shape.length || e.shape.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(st.file, `shape ${JSON.stringify(e.shape)}, the architecture needs ${JSON.stringify(shape)}`, name);
    }
  }
  for (const name of st.tensors.keys()) {
    if (!layout.parameters.has(name)) throw new ModelLoadError(st.file, 'unexpected tensor: not part of this architecture (config.json and weights disagree)', name);
  }
  // Well-formed weights full of NaN would load and quietly give black images.
  for (const name of layout.parameters.keys()) {
    const entry = st.tensors.get(name)!;
    const at = firstNonFinite(entry);
    if (at >= 0) {
      const value = readFloat32(entry, st.file)[at];
      throw new ModelLoadError(st.file, `non-finite value ${value} at index ${at} (of ${sizeOf(entry.shape)}): the weights are corrupt`, name);
    }
  }
}

/** OIHW -> HWIO. */
function oihwToHwio(src: Float32Array, [o, i, kh, kw]: readonly number[]): Float32Array {
  const dst = new Float32Array(src.length);
  for (let oo = 0; oo < o!; oo++) {
    for (let ii = 0; ii < i!; ii++) {
      for (let y = 0; y < kh!; y++) {
        for (let x = 0; x < kw!; x++) dst[((y * kw! + x) * i! + ii) * o! + oo] = src[((oo * i! + ii) * kh! + y) * kw! + x]!;
      }
    }
  }
  return dst;
}

/** (out, in) -> (in, out). */
function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
  return dst;
}

/**
 * Builds the tfjs weights from a validated file. All arithmetic on the parameters happens in
 * JS before any tensor is made; if making tensors fails, those made so far are disposed.
 */
export function buildUNetWeights(st: SafetensorsFile, layout: UNetLayout): UNetWeights {
  const arch = layout.arch;
  const all: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    all.push(t);
    return t;
  };
  const raw = (name: string): Float32Array => readFloat32(st.tensors.get(name)!, st.file);
  const shapeOf = (name: string): readonly number[] => layout.parameters.get(name)!;
  const conv = (name: string, scaleRows?: { count: number; by: number }): ConvWeights => {
    const shape = shapeOf(`${name}.weight`);
    const w = raw(`${name}.weight`);
    const b = raw(`${name}.bias`);
    if (scaleRows) {
      const per = w.length / shape[0]!;
      for (let i = 0; i < scaleRows.count * per; i++) w[i]! *= scaleRows.by;
      for (let i = 0; i < scaleRows.count; i++) b[i]! *= scaleRows.by;
    }
    const [o, i, kh, kw] = shape as [number, number, number, number];
    return { filter: keep(tf.tensor4d(oihwToHwio(w, shape), [kh, kw, i, o])), bias: keep(tf.tensor1d(b)) };
  };
  const norm = (name: string): NormWeights => {
    const c = shapeOf(`${name}.weight`)[0]!;
    const shape: [number, number] = [arch.groups, c / arch.groups];
    return { gamma: keep(tf.tensor2d(raw(`${name}.weight`), shape)), beta: keep(tf.tensor2d(raw(`${name}.bias`), shape)) };
  };

  try {
    const half = arch.fourierDim / 2;
    const freqs = new Float32Array(half);
    for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(10000) * i) / half);

    const mlp1 = { w: keep(tf.tensor2d(transpose2d(raw('noise_mlp1.weight'), arch.embDim, arch.fourierDim), [arch.fourierDim, arch.embDim])), b: keep(tf.tensor1d(raw('noise_mlp1.bias'))) };
    const mlp2 = keep(tf.tensor2d(transpose2d(raw('noise_mlp2.weight'), arch.embDim, arch.embDim), [arch.embDim, arch.embDim]));
    const classEmb = keep(tf.tensor2d(raw('class_emb.weight'), [arch.numClasses + 1, arch.embDim]));
    const levelRaw = raw('level_emb.weight');
    const mlp2Bias = raw('noise_mlp2.bias');
    for (let i = 0; i < levelRaw.length; i++) levelRaw[i]! += mlp2Bias[i % arch.embDim]!;
    const levelBias = keep(tf.tensor2d(levelRaw, [arch.numLevels, arch.embDim]));

    // Stacked embedding projection: columns [offset, offset + cout) belong to one block.
    const total = layout.resBlocks.reduce((s, r) => s + r.cout, 0);
    const embWData = new Float32Array(arch.embDim * total);
    const embBData = new Float32Array(total);
    const offsets = new Map<string, number>();
    let offset = 0;
    for (const r of layout.resBlocks) {
      const w = raw(`${r.prefix}.emb.weight`); // (cout, embDim)
      const b = raw(`${r.prefix}.emb.bias`);
      const b1 = raw(`${r.prefix}.conv1.bias`);
      for (let o = 0; o < r.cout; o++) {
        for (let e = 0; e < arch.embDim; e++) embWData[e * total + offset + o] = w[o * arch.embDim + e]!;
        embBData[offset + o] = b[o]! + b1[o]!;
      }
      offsets.set(r.prefix, offset);
      offset += r.cout;
    }
    const embW = keep(tf.tensor2d(embWData, [arch.embDim, total]));
    const embB = keep(tf.tensor1d(embBData));

    const resBlock = (r: ResBlockLayout): ResBlockWeights => {
      const shape = shapeOf(`${r.prefix}.conv1.weight`);
      const [o, i, kh, kw] = shape as [number, number, number, number];
      const base = {
        norm1: norm(`${r.prefix}.norm1`),
        conv1: keep(tf.tensor4d(oihwToHwio(raw(`${r.prefix}.conv1.weight`), shape), [kh, kw, i, o])),
        embOffset: offsets.get(r.prefix)!,
        cout: r.cout,
        norm2: norm(`${r.prefix}.norm2`),
        conv2: conv(`${r.prefix}.conv2`),
      };
      const withSkip = r.cin !== r.cout ? { ...base, skip: conv(`${r.prefix}.skip`) } : base;
      return r.adapterRank > 0 ? { ...withSkip, adapters: adapters(r) } : withSkip;
    };
    // proj_in [L - 1, r, C] and proj_out [L - 1, C, r] -> per level A = proj_in[k-1]^T [C, r], B = proj_out[k-1]^T [r, C].
    const adapters = (r: ResBlockLayout): LevelAdapterWeights[] => {
      const rank = r.adapterRank;
      const c = r.cout;
      const pin = raw(`${r.prefix}.adapter.proj_in`);
      const pout = raw(`${r.prefix}.adapter.proj_out`);
      return Array.from({ length: arch.numLevels - 1 }, (_, k) => ({
        a: keep(tf.tensor2d(transpose2d(pin.subarray(k * rank * c, (k + 1) * rank * c), rank, c), [c, rank])),
        b: keep(tf.tensor2d(transpose2d(pout.subarray(k * c * rank, (k + 1) * c * rank), c, rank), [rank, c])),
      }));
    };
    const res = new Map<string, ResBlockWeights>();
    for (const r of layout.resBlocks) res.set(r.prefix, resBlock(r));

    const attn = new Map<string, AttentionWeights>();
    const attention = (prefix: string, c: number): void => {
      const scale = 1 / Math.sqrt(c / arch.attentionHeads);
      attn.set(prefix, { norm: norm(`${prefix}.norm`), qkv: conv(`${prefix}.qkv`, { count: c, by: scale }), proj: conv(`${prefix}.proj`) });
    };
    for (const stage of [...layout.down, ...layout.up]) for (const b of stage.blocks) if (b.attn) attention(b.attn, b.channels);
    attention(layout.mid.attn, layout.mid.channels);

    return {
      freqs,
      mlp1,
      mlp2,
      classEmb,
      levelBias,
      embW,
      embB,
      convIn: conv('conv_in'),
      res,
      attn,
      upsample: layout.upsample.map((_, j) => conv(`upsample.${j}`)),
      normOut: norm('norm_out'),
      convOut: conv('conv_out'),
      all,
    };
  } catch (e) {
    for (const t of all) t.dispose();
    throw e;
  }
}
