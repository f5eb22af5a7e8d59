/**
 * The UNet's structure derived from its architecture, mirroring `UNet.__init__` in
 * tools/train/model.py: the blocks in forward order with their channel counts, the skip
 * bookkeeping, and the name and PyTorch shape of every parameter in model.safetensors.
 * The forward pass (unet.ts), the weight loader and the FLOP counter all walk this one list,
 * so they cannot disagree about the network.
 */
import type { UNetArchitecture } from './model-config.js';

/** A residual block: `prefix.norm1/conv1/emb/norm2/conv2[/skip][/adapter.proj_in/proj_out]`. */
export interface ResBlockLayout {
  readonly prefix: string;
  readonly cin: number;
  readonly cout: number;
  /** Rank of its level adapters (0 = none, v1). */
  readonly adapterRank: number;
}

/** A residual block optionally followed by self-attention (`prefix.attn`). */
export interface UNetBlockLayout {
  readonly res: ResBlockLayout;
  /** Attention parameter prefix, if this block has attention. */
  readonly attn?: string;
  /** Channels of the block's output. */
  readonly channels: number;
}

/** One stage of the encoder (`down.i`) or decoder (`up.j`). */
export interface UNetStageLayout {
  /** Stage index i in `channels` (0 = finest). */
  readonly stage: number;
  readonly blocks: readonly UNetBlockLayout[];
}

/** The whole network. */
export interface UNetLayout {
  readonly arch: UNetArchitecture;
  readonly down: readonly UNetStageLayout[];
  readonly mid: { readonly res1: ResBlockLayout; readonly attn: string; readonly res2: ResBlockLayout; readonly channels: number };
  /** Decoder stages, coarsest first (`up.0` is stage `channels.length - 1`). */
  readonly up: readonly UNetStageLayout[];
  /** Channels of `upsample.j` (nearest x2 then 3x3 conv), for j < up.length - 1. */
  readonly upsample: readonly number[];
  /** Every residual block in forward order (for the batched embedding projection). */
  readonly resBlocks: readonly ResBlockLayout[];
  /** Every parameter: name -> PyTorch shape, in model.py's registration order. */
  readonly parameters: ReadonlyMap<string, readonly number[]>;
}

/** Builds the layout of a UNet (the same walk as model.py's constructor). */
export function unetLayout(arch: UNetArchitecture): UNetLayout {
  const { channels: ch, numResBlocks: nres, attentionStages, embDim, fourierDim, inChannels } = arch;
  const params = new Map<string, readonly number[]>();
  const resBlocks: ResBlockLayout[] = [];
  const rank = arch.levelAdapterRank ?? 0;
  const conv = (name: string, cin: number, cout: number, k: number): void => {
    params.set(`${name}.weight`, [cout, cin, k, k]);
    params.set(`${name}.bias`, [cout]);
  };
  const norm = (name: string, c: number): void => {
    params.set(`${name}.weight`, [c]);
    params.set(`${name}.bias`, [c]);
  };
  const linear = (name: string, cin: number, cout: number): void => {
    params.set(`${name}.weight`, [cout, cin]);
    params.set(`${name}.bias`, [cout]);
  };
  const res = (prefix: string, cin: number, cout: number): ResBlockLayout => {
    norm(`${prefix}.norm1`, cin);
    conv(`${prefix}.conv1`, cin, cout, 3);
    linear(`${prefix}.emb`, embDim, cout);
    norm(`${prefix}.norm2`, cout);
    conv(`${prefix}.conv2`, cout, cout, 3);
    if (cin !== cout) conv(`${prefix}.skip`, cin, cout, 1);
    if (rank > 0) {
      // One adapter per level >= 1: proj_in [levels - 1, r, C], proj_out [levels - 1, C, r].
      params.set(`${prefix}.adapter.proj_in`, [arch.numLevels - 1, rank, cout]);
      params.set(`${prefix}.adapter.proj_out`, [arch.numLevels - 1, cout, rank]);
    }
    const r = { prefix, cin, cout, adapterRank: rank };
    resBlocks.push(r);
    return r;
  };
  const attn = (prefix: string, c: number): string => {
    norm(`${prefix}.norm`, c);
    conv(`${prefix}.qkv`, c, 3 * c, 1);
    conv(`${prefix}.proj`, c, c, 1);
    return prefix;
  };

  linear('noise_mlp1', fourierDim, embDim);
  linear('noise_mlp2', embDim, embDim);
  params.set('class_emb.weight', [arch.numClasses + 1, embDim]);
  params.set('level_emb.weight', [arch.numLevels, embDim]);
  conv('conv_in', inChannels, ch[0]!, 3);

  const skip: number[] = [ch[0]!];
  let cur = ch[0]!;
  const down: UNetStageLayout[] = ch.map((c, i) => {
    const blocks: UNetBlockLayout[] = [];
    for (let b = 0; b < nres[i]!; b++) {
      const r = res(`down.${i}.${b}.res`, cur, c);
      const a = attentionStages.includes(i) ? attn(`down.${i}.${b}.attn`, c) : undefined;
      blocks.push(a === undefined ? { res: r, channels: c } : { res: r, attn: a, channels: c });
      cur = c;
      skip.push(cur);
    }
    if (i < ch.length - 1) skip.push(cur);
    return { stage: i, blocks };
  });
  const mid = { res1: res('mid1', cur, cur), attn: attn('mid_attn', cur), res2: res('mid2', cur, cur), channels: cur };
  const up: UNetStageLayout[] = [];
  const upsample: number[] = [];
  for (let i = ch.length - 1, j = 0; i >= 0; i--, j++) {
    const blocks: UNetBlockLayout[] = [];
    for (let b = 0; b <= nres[i]!; b++) {
      const r = res(`up.${j}.${b}.res`, cur + skip.pop()!, ch[i]!);
      cur = ch[i]!;
      const a = attentionStages.includes(i) ? attn(`up.${j}.${b}.attn`, cur) : undefined;
      blocks.push(a === undefined ? { res: r, channels: cur } : { res: r, attn: a, channels: cur });
    }
    up.push({ stage: i, blocks });
    if (i > 0) {
      conv(`upsample.${j}`, cur, cur, 3);
      upsample.push(cur);
    }
  }
  norm('norm_out', cur);
  conv('conv_out', cur, inChannels, 3);
  return { arch, down, mid, up, upsample, resBlocks, parameters: params };
}

/** Number of parameters of a layout. */
export function parameterCount(layout: UNetLayout): number {
  let n = 0;
  for (const shape of layout.parameters.values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}
