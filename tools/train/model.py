"""Multi-resolution EDM UNet for Upshift (PyTorch side; packages/models mirrors it in tfjs).

Architecture (ADM-style, Dhariwal & Nichol 2021, simplified): residual blocks (GroupNorm,
SiLU, 3x3 convs, additive embedding), self-attention at the coarsest stage(s), average-pool
downsampling, nearest + conv upsampling, skip concatenation. Conditioning: EDM noise
embedding c_noise = ln(sigma) / 4 (Fourier features), a class embedding with one extra
"null" class for classifier-free guidance, and a resolution-level embedding.

EDM preconditioning (Karras et al. 2022) with a per-level sigma_data:
    D(x, sigma) = c_skip x + c_out F(c_in x, c_noise)
so the tfjs side exposes it as a Denoiser in sigma space.

Level adapters (architecture "upshift-unet-v2", config field `levelAdapterRank` r >= 1): every
residual block gets, for each level k >= 1, a low-rank residual 1x1 map on its output,
    h <- h + B_k (A_k h)       (A_k: r x C, B_k: C x r, B_k zero-initialised)
and none at level 0. Levels >= 1 get capacity of their own (to agree with the pooled level-0
prediction) that level 0 never runs through, so level 0 is exactly the v1 network, and a v1
model loads into v2 with the adapters at zero (the same function).

Tensor names here are the names in the exported safetensors file; keep them in sync with
packages/models/src/unet-layout.ts.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


ARCHITECTURES = ("upshift-unet-v1", "upshift-unet-v2")


def adapter_rank(cfg) -> int:
    """Rank of the level adapters (0 for v1); checks the architecture tag against the field."""
    arch = cfg.get("architecture", "upshift-unet-v1")
    if arch not in ARCHITECTURES:
        raise ValueError(f"architecture {arch!r} unknown ({', '.join(ARCHITECTURES)})")
    r = cfg.get("levelAdapterRank", 0)
    if arch == "upshift-unet-v1" and r:
        raise ValueError(f"levelAdapterRank = {r} needs architecture 'upshift-unet-v2'")
    if arch == "upshift-unet-v2" and (not isinstance(r, int) or r < 1):
        raise ValueError(f"architecture 'upshift-unet-v2' needs levelAdapterRank >= 1, got {r!r}")
    return r


def with_level_adapters(cfg, rank: int):
    """The config with level adapters of `rank` (v2), or without them (v1) for rank 0."""
    out = {k: v for k, v in cfg.items() if k != "levelAdapterRank"}
    out["architecture"] = "upshift-unet-v2" if rank else "upshift-unet-v1"
    if rank:
        out["levelAdapterRank"] = rank
    return out


def default_config(num_classes: int):
    return {
        "architecture": "upshift-unet-v1",
        "inChannels": 3,
        "channels": [32, 64, 128, 160],
        "numResBlocks": [1, 1, 2, 2],
        "attentionStages": [2, 3],
        "attentionHeads": 4,
        "groups": 16,
        "embDim": 256,
        "fourierDim": 64,
        "numClasses": num_classes,
        "numLevels": 4,
    }


class GroupNorm32(nn.GroupNorm):
    """GroupNorm computed in fp32 and returned in the input's dtype (as ADM's GroupNorm32): under
    bf16 autocast the statistics stay exact, and CPU autocast (which has no fp32 rule for it) runs."""

    def forward(self, x):
        return F.group_norm(x.float(), self.num_groups, self.weight.float(), self.bias.float(), self.eps).to(x.dtype)


class LevelAdapter(nn.Module):
    """Per-level low-rank residual 1x1 map h + B_k A_k h for levels k >= 1 (identity at level 0)."""

    def __init__(self, channels, levels, rank):
        super().__init__()
        self.proj_in = nn.Parameter(torch.randn(levels - 1, rank, channels) / math.sqrt(channels))
        self.proj_out = nn.Parameter(torch.zeros(levels - 1, channels, rank))

    def forward(self, h, level, level_hint=None):
        if level_hint == 0:
            return h
        if level_hint is not None:  # one level for the whole batch: plain 1x1 maps
            t = torch.einsum("rc,bchw->brhw", self.proj_in[level_hint - 1], h)
            return h + torch.einsum("cr,brhw->bchw", self.proj_out[level_hint - 1], t)
        idx = (level - 1).clamp(min=0)
        t = torch.einsum("brc,bchw->brhw", self.proj_in[idx], h)
        d = torch.einsum("bcr,brhw->bchw", self.proj_out[idx], t)
        return h + d * (level > 0).to(d.dtype)[:, None, None, None]


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim, groups, levels=1, rank=0):
        super().__init__()
        self.norm1 = GroupNorm32(groups, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = GroupNorm32(groups, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.adapter = LevelAdapter(cout, levels, rank) if rank else None

    def forward(self, x, emb, level=None, level_hint=None):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        h = h + (self.skip(x) if self.skip is not None else x)
        return self.adapter(h, level, level_hint) if self.adapter is not None else h


class Attention(nn.Module):
    def __init__(self, ch, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm = GroupNorm32(groups, ch, eps=1e-5)
        self.qkv = nn.Conv2d(ch, 3 * ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]  # b, heads, d, n
        q = q.transpose(-1, -2)
        k = k.transpose(-1, -2)
        v = v.transpose(-1, -2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // self.heads), dim=-1)
        o = (a @ v).transpose(-1, -2).reshape(b, c, h, w)
        return x + self.proj(o)


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        ch, groups, emb_dim = cfg["channels"], cfg["groups"], cfg["embDim"]
        nres_list = cfg["numResBlocks"]
        fd = cfg["fourierDim"]
        ad = dict(levels=cfg["numLevels"], rank=adapter_rank(cfg))
        self.register_buffer("fourier_freqs", torch.exp(-math.log(10000.0) * torch.arange(fd // 2) / (fd // 2)))
        self.noise_mlp1 = nn.Linear(fd, emb_dim)
        self.noise_mlp2 = nn.Linear(emb_dim, emb_dim)
        self.class_emb = nn.Embedding(cfg["numClasses"] + 1, emb_dim)  # last index = null class
        self.level_emb = nn.Embedding(cfg["numLevels"], emb_dim)
        self.conv_in = nn.Conv2d(cfg["inChannels"], ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        skip_ch = [ch[0]]
        cur = ch[0]
        for i, c in enumerate(ch):
            stage = nn.ModuleList()
            for _ in range(nres_list[i]):
                blk = nn.ModuleDict({"res": ResBlock(cur, c, emb_dim, groups, **ad)})
                if i in cfg["attentionStages"]:
                    blk["attn"] = Attention(c, cfg["attentionHeads"], groups)
                stage.append(blk)
                cur = c
                skip_ch.append(cur)
            self.down.append(stage)
            if i < len(ch) - 1:
                skip_ch.append(cur)  # after the pool
        self.mid1 = ResBlock(cur, cur, emb_dim, groups, **ad)
        self.mid_attn = Attention(cur, cfg["attentionHeads"], groups)
        self.mid2 = ResBlock(cur, cur, emb_dim, groups, **ad)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(ch))):
            stage = nn.ModuleList()
            for _ in range(nres_list[i] + 1):
                blk = nn.ModuleDict({"res": ResBlock(cur + skip_ch.pop(), ch[i], emb_dim, groups, **ad)})
                cur = ch[i]
                if i in cfg["attentionStages"]:
                    blk["attn"] = Attention(cur, cfg["attentionHeads"], groups)
                stage.append(blk)
            self.up.append(stage)
            if i > 0:
                self.upsample.append(nn.Conv2d(cur, cur, 3, padding=1))
        self.norm_out = GroupNorm32(groups, cur, eps=1e-5)
        self.conv_out = nn.Conv2d(cur, cfg["inChannels"], 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def embed(self, c_noise, labels, level):
        f = c_noise[:, None] * self.fourier_freqs[None, :]
        e = torch.cat([torch.cos(f), torch.sin(f)], dim=1)
        e = self.noise_mlp2(F.silu(self.noise_mlp1(e)))
        e = e + self.class_emb(labels) + self.level_emb(level)
        return F.silu(e)

    def forward(self, x, c_noise, labels, level, level_hint=None):
        """`level_hint`: the level of every batch item as a Python int, when they share one (lets
        the level adapters skip the per-item gather; level 0 skips them)."""
        emb = self.embed(c_noise, labels, level)
        h = self.conv_in(x)
        skips = [h]
        lv = dict(level=level, level_hint=level_hint)
        for i, stage in enumerate(self.down):
            for blk in stage:
                h = blk["res"](h, emb, **lv)
                if "attn" in blk:
                    h = blk["attn"](h)
                skips.append(h)
            if i < len(self.down) - 1:
                h = F.avg_pool2d(h, 2)
                skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb, **lv)), emb, **lv)
        for j, stage in enumerate(self.up):
            for blk in stage:
                h = blk["res"](torch.cat([h, skips.pop()], dim=1), emb, **lv)
                if "attn" in blk:
                    h = blk["attn"](h)
            if j < len(self.up) - 1:
                h = self.upsample[j](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


class EDMDenoiser(nn.Module):
    """D(x, sigma) with EDM preconditioning; sigma is the per-pixel sigma at `level`."""

    def __init__(self, cfg, sigma_data):
        super().__init__()
        self.net = UNet(cfg)
        self.register_buffer("sigma_data", torch.tensor(sigma_data, dtype=torch.float32))

    def forward(self, x, sigma, labels, level, level_hint=None):
        sd = self.sigma_data[level][:, None, None, None]
        s = sigma[:, None, None, None]
        c_skip = sd ** 2 / (s ** 2 + sd ** 2)
        c_out = s * sd / torch.sqrt(s ** 2 + sd ** 2)
        c_in = 1 / torch.sqrt(s ** 2 + sd ** 2)
        c_noise = torch.log(sigma) / 4
        f = self.net(c_in * x, c_noise, labels, level, level_hint)
        return c_skip * x + c_out * f


def count_flops(cfg, h, w, level=0):
    """Multiply-adds x 2 of convs, linears and attention matmuls for one image at `level` (level
    adapters run at levels >= 1 only: 2 x 2 r c per pixel of each block); mirrors the tfjs counter."""
    ch, nres_list = cfg["channels"], cfg["numResBlocks"]
    rank = adapter_rank(cfg) if level > 0 else 0
    total = 0

    def conv(cin, cout, k, hh, ww):
        return 2 * cin * cout * k * k * hh * ww

    def res(cin, cout, hh, ww):
        f = conv(cin, cout, 3, hh, ww) + conv(cout, cout, 3, hh, ww)
        if cin != cout:
            f += conv(cin, cout, 1, hh, ww)
        return f + 2 * conv(cout, rank, 1, hh, ww)

    def attn(c, hh, ww):
        n = hh * ww
        return conv(c, 3 * c, 1, hh, ww) + conv(c, c, 1, hh, ww) + 2 * 2 * n * n * c

    hh, ww = h, w
    total += conv(cfg["inChannels"], ch[0], 3, hh, ww)
    skip = [(ch[0])]
    cur = ch[0]
    for i, c in enumerate(ch):
        for _ in range(nres_list[i]):
            total += res(cur, c, hh, ww)
            cur = c
            if i in cfg["attentionStages"]:
                total += attn(c, hh, ww)
            skip.append(cur)
        if i < len(ch) - 1:
            hh, ww = hh // 2, ww // 2
            skip.append(cur)
    total += 2 * res(cur, cur, hh, ww) + attn(cur, hh, ww)
    for i in reversed(range(len(ch))):
        for _ in range(nres_list[i] + 1):
            total += res(cur + skip.pop(), ch[i], hh, ww)
            cur = ch[i]
            if i in cfg["attentionStages"]:
                total += attn(cur, hh, ww)
        if i > 0:
            hh, ww = hh * 2, ww * 2
            total += conv(cur, cur, 3, hh, ww)
    total += conv(cur, cfg["inChannels"], 3, hh, ww)
    return total
