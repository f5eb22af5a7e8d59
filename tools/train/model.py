"""Multi-resolution EDM UNet for Upshift (PyTorch side; packages/models mirrors it in tfjs).

Architecture (ADM-style, Dhariwal & Nichol 2021, simplified): residual blocks (GroupNorm,
SiLU, 3x3 convs, additive embedding), self-attention at the coarsest stage(s), average-pool
downsampling, nearest + conv upsampling, skip concatenation. Conditioning: EDM noise
embedding c_noise = ln(sigma) / 4 (Fourier features), a class embedding with one extra
"null" class for classifier-free guidance, and a resolution-level embedding.

EDM preconditioning (Karras et al. 2022) with a per-level sigma_data:
    D(x, sigma) = c_skip x + c_out F(c_in x, c_noise)
so the tfjs side exposes it as a Denoiser in sigma space.

Tensor names here are the names in the exported safetensors file; keep them in sync with
packages/models/src/unet.ts.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


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


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class Attention(nn.Module):
    def __init__(self, ch, heads, groups):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, ch, eps=1e-5)
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
                blk = nn.ModuleDict({"res": ResBlock(cur, c, emb_dim, groups)})
                if i in cfg["attentionStages"]:
                    blk["attn"] = Attention(c, cfg["attentionHeads"], groups)
                stage.append(blk)
                cur = c
                skip_ch.append(cur)
            self.down.append(stage)
            if i < len(ch) - 1:
                skip_ch.append(cur)  # after the pool
        self.mid1 = ResBlock(cur, cur, emb_dim, groups)
        self.mid_attn = Attention(cur, cfg["attentionHeads"], groups)
        self.mid2 = ResBlock(cur, cur, emb_dim, groups)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(ch))):
            stage = nn.ModuleList()
            for _ in range(nres_list[i] + 1):
                blk = nn.ModuleDict({"res": ResBlock(cur + skip_ch.pop(), ch[i], emb_dim, groups)})
                cur = ch[i]
                if i in cfg["attentionStages"]:
                    blk["attn"] = Attention(cur, cfg["attentionHeads"], groups)
                stage.append(blk)
            self.up.append(stage)
            if i > 0:
                self.upsample.append(nn.Conv2d(cur, cur, 3, padding=1))
        self.norm_out = nn.GroupNorm(groups, cur, eps=1e-5)
        self.conv_out = nn.Conv2d(cur, cfg["inChannels"], 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def embed(self, c_noise, labels, level):
        f = c_noise[:, None] * self.fourier_freqs[None, :]
        e = torch.cat([torch.cos(f), torch.sin(f)], dim=1)
        e = self.noise_mlp2(F.silu(self.noise_mlp1(e)))
        e = e + self.class_emb(labels) + self.level_emb(level)
        return F.silu(e)

    def forward(self, x, c_noise, labels, level):
        emb = self.embed(c_noise, labels, level)
        h = self.conv_in(x)
        skips = [h]
        for i, stage in enumerate(self.down):
            for blk in stage:
                h = blk["res"](h, emb)
                if "attn" in blk:
                    h = blk["attn"](h)
                skips.append(h)
            if i < len(self.down) - 1:
                h = F.avg_pool2d(h, 2)
                skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for j, stage in enumerate(self.up):
            for blk in stage:
                h = blk["res"](torch.cat([h, skips.pop()], dim=1), emb)
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

    def forward(self, x, sigma, labels, level):
        sd = self.sigma_data[level][:, None, None, None]
        s = sigma[:, None, None, None]
        c_skip = sd ** 2 / (s ** 2 + sd ** 2)
        c_out = s * sd / torch.sqrt(s ** 2 + sd ** 2)
        c_in = 1 / torch.sqrt(s ** 2 + sd ** 2)
        c_noise = torch.log(sigma) / 4
        f = self.net(c_in * x, c_noise, labels, level)
        return c_skip * x + c_out * f


def count_flops(cfg, h, w):
    """Multiply-adds x 2 of convs, linears and attention matmuls for one image (mirrors the tfjs counter)."""
    ch, nres_list = cfg["channels"], cfg["numResBlocks"]
    total = 0

    def conv(cin, cout, k, hh, ww):
        return 2 * cin * cout * k * k * hh * ww

    def res(cin, cout, hh, ww):
        f = conv(cin, cout, 3, hh, ww) + conv(cout, cout, 3, hh, ww)
        if cin != cout:
            f += conv(cin, cout, 1, hh, ww)
        return f

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
