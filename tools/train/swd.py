#!/usr/bin/env python3
"""Held-out SWD in Python (numpy), the same numbers as `@upshift/metrics` (imageSwd,
drawClassMatchedReference, swdOverDraws, noiseBand) so that a GPU machine without Node.js can
score a trained model the way `upshift compare` does. `test_swd_parity.py` checks it against the
TypeScript on the same images.

Multi-scale sliced Wasserstein distance after Karras et al., "Progressive Growing of GANs"
(ICLR 2018): Laplacian pyramid (5-tap binomial, mirror borders) down to 16 px, 128 random 7x7
neighbourhoods per image and level (SplitMix32 positions from the seed; image i of both sets gets
the same positions), descriptors normalised per channel by the reference set's statistics
(the metrics package's default, 'reference'), and the 1-D Wasserstein-1 distance of the two sets
projected on 512 random unit directions (core's xoshiro128** / Box-Muller stream, forked with
'swd-directions'), averaged. Report x 1e3.

Images are NHWC float arrays in [-1, 1].
"""
import math

import numpy as np

SWD_REPORT_SCALE = 1e3
DRAW_SEED_STRIDE = 10_007
M32 = 0xFFFFFFFF


def _imul(a, b):
    return (a * b) & M32


def seeded_integers(seed):
    """metrics' seededIntegers: SplitMix32, integers uniform in [0, n)."""
    state = [seed & M32]

    def nxt(n):
        state[0] = (state[0] + 0x9E3779B9) & M32
        a = state[0]
        t = a ^ (a >> 16)
        t = _imul(t, 0x21F0AAAD)
        t = t ^ (t >> 15)
        t = _imul(t, 0x735A2D97)
        u = (t ^ (t >> 15)) & M32
        return math.floor((u / 4294967296) * n)
    return nxt


def _splitmix32(a):
    state = [a & M32]

    def nxt():
        state[0] = (state[0] + 0x9E3779B9) & M32
        x = state[0]
        t = x ^ (x >> 16)
        t = _imul(t, 0x21F0AAAD)
        t = t ^ (t >> 15)
        t = _imul(t, 0x735A2D97)
        return (t ^ (t >> 15)) & M32
    return nxt


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class NoiseSource:
    """core's createNoiseSource: SplitMix32-seeded xoshiro128**, Box-Muller normals (float32)."""

    def __init__(self, seed):
        self.seed = seed & M32
        sm = _splitmix32(self.seed)
        self.s = [sm(), sm(), sm(), sm()]
        self.spare = None

    def next_uint(self):
        s0, s1, s2, s3 = self.s
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def normal_array(self, n):
        out = np.empty(n, np.float32)
        for i in range(n):
            if self.spare is not None:
                out[i], self.spare = self.spare, None
                continue
            u = (self.next_uint() + 0.5) / 4294967296
            v = (self.next_uint() + 0.5) / 4294967296
            r = math.sqrt(-2 * math.log(u))
            self.spare = r * math.sin(2 * math.pi * v)
            out[i] = r * math.cos(2 * math.pi * v)
        return out

    def fork(self, label):
        h = (self.next_uint() ^ self.seed) & M32
        h ^= 0x811C9DC5
        for ch in label:
            h = _imul(h ^ ord(ch), 0x01000193)
        return NoiseSource(h)


_DIRECTIONS = {}


def directions(seed, count, dim):
    """Unit directions (rows) of slicedWasserstein for a seed (cached: pure Python is slow)."""
    key = (seed, count, dim)
    if key not in _DIRECTIONS:
        noise = NoiseSource(seed).fork("swd-directions")
        d = np.stack([noise.normal_array(dim).astype(np.float64) for _ in range(count)])
        _DIRECTIONS[key] = d / np.sqrt((d ** 2).sum(1, keepdims=True))
    return _DIRECTIONS[key]


def _mirror_index(n):
    idx = np.arange(-2, n + 2)
    if n == 1:
        return np.zeros_like(idx)
    period = 2 * (n - 1)
    j = np.mod(idx, period)
    return np.where(j >= n, period - j, j)


BINOMIAL = np.array([1, 4, 6, 4, 1], np.float64) / 16


def _filter(x, gain):
    """Separable 5-tap binomial, mirror borders, on planes [..., H, W]."""
    h, w = x.shape[-2:]
    xi = x[..., _mirror_index(w)]
    tmp = sum(BINOMIAL[t] * xi[..., t:t + w] for t in range(5))
    yi = tmp[..., _mirror_index(h), :]
    return sum(BINOMIAL[t] * yi[..., t:t + h, :] for t in range(5)) * gain


def laplacian_pyramid(planes, levels):
    """planes: [N, C, H, W] float64. Finest first; the last level is the Gaussian itself."""
    g = [planes]
    for _ in range(1, levels):
        g.append(_filter(g[-1], 1)[..., ::2, ::2])
    out = []
    for k in range(levels):
        if k == levels - 1:
            out.append(g[k])
            continue
        lo = g[k + 1]
        up = np.zeros(lo.shape[:-2] + (lo.shape[-2] * 2, lo.shape[-1] * 2))
        up[..., ::2, ::2] = lo
        out.append(g[k] - _filter(up, 4))
    return out


def extract_descriptors(img, patch, per_image, seed):
    n, c, h, w = img.shape
    nxt = seeded_integers(seed)
    pos = np.array([(nxt(h - patch + 1), nxt(w - patch + 1)) for _ in range(n * per_image)]).reshape(n, per_image, 2)
    dy = np.arange(patch)
    ys = pos[:, :, 0, None] + dy  # n, p, patch
    xs = pos[:, :, 1, None] + dy
    ii = np.arange(n)[:, None, None, None, None]
    cc = np.arange(c)[None, None, :, None, None]
    d = img[ii, cc, ys[:, :, None, :, None], xs[:, :, None, None, :]]  # n, p, c, patch, patch
    return d.reshape(n * per_image, c * patch * patch)


def _stats(sets, c):
    x = np.concatenate([s.reshape(len(s), c, -1) for s in sets]).transpose(1, 0, 2).reshape(c, -1)
    mean = x.mean(1)
    var = np.maximum((x ** 2).mean(1) - mean ** 2, 0)
    std = np.where(var > 0, np.sqrt(var), 1.0)
    return mean, std


def _normalise(s, c, stats):
    mean, std = stats
    return ((s.reshape(len(s), c, -1) - mean[None, :, None]) / std[None, :, None]).reshape(len(s), -1)


def wasserstein1_sorted(a, b):
    """W1 between sorted 1-D samples along axis 0 (columns are directions), any sizes."""
    n, m = len(a), len(b)
    if n == m:
        return np.abs(a - b).mean(0)
    qa, qb = np.arange(1, n + 1) / n, np.arange(1, m + 1) / m
    u = np.union1d(qa, qb)
    du = np.diff(np.concatenate([[0.0], u]))
    ia = np.minimum(np.searchsorted(qa, u, side="left"), n - 1)
    ib = np.minimum(np.searchsorted(qb, u, side="left"), m - 1)
    return (du[:, None] * np.abs(a[ia] - b[ib])).sum(0)


def sliced_wasserstein(a, b, count, seed):
    dirs = directions(seed, count, a.shape[1])
    pa = np.sort(a @ dirs.T, axis=0)
    pb = np.sort(b @ dirs.T, axis=0)
    return float(wasserstein1_sorted(pa, pb).mean())


def image_swd(test, ref, patch=7, per_image=128, count=512, min_res=16, seed=0, normalize="reference"):
    """SWD per pyramid level (finest first) between NHWC sets; returns [{'side', 'distance'}]."""
    if normalize not in ("reference", "union", "per-set"):
        raise ValueError(f"normalize {normalize!r}: reference, union or per-set")
    h = test.shape[1]
    levels, s = 1, h
    while s > min_res:
        s //= 2
        levels += 1
    pa = laplacian_pyramid(np.asarray(test, np.float64).transpose(0, 3, 1, 2), levels)
    pb = laplacian_pyramid(np.asarray(ref, np.float64).transpose(0, 3, 1, 2), levels)
    c = test.shape[3]
    out = []
    for k in range(levels):
        a = extract_descriptors(pa[k], patch, per_image, seed + k)
        b = extract_descriptors(pb[k], patch, per_image, seed + k)
        sb = _stats([a, b], c) if normalize == "union" else _stats([b], c)
        a = _normalise(a, c, _stats([a], c) if normalize == "per-set" else sb)
        b = _normalise(b, c, sb)
        out.append({"side": pa[k].shape[-1], "distance": sliced_wasserstein(a, b, count, seed + 1000 * (k + 1))})
    return out


def draw_class_matched_reference(pool_labels, target_labels, seed=0, draws=5, multiple=1):
    """metrics' drawClassMatchedReference: per draw, `multiple` held-out images per generated image
    of the same class (None = any class), no index twice within a draw."""
    by_class = {}
    for i, l in enumerate(pool_labels):
        by_class.setdefault(int(l), []).append(i)
    counts = {}
    for l in target_labels:
        counts[l] = counts.get(l, 0) + 1
    classes = sorted(l for l in counts if l is not None)
    for c in classes:
        need, have = counts[c] * multiple, len(by_class.get(c, []))
        if have < need:
            raise ValueError(f"class {c} has {have} reference images, {need} needed")
    any_need = counts.get(None, 0) * multiple
    nxt = seeded_integers(seed)

    def pick(cands, k):
        a = list(cands)
        for i in range(k):
            j = i + nxt(len(a) - i)
            a[i], a[j] = a[j], a[i]
        return a[:k]

    out = []
    for _ in range(draws):
        drawn = []
        for c in classes:
            drawn += pick(by_class[c], counts[c] * multiple)
        if any_need:
            taken = set(drawn)
            drawn += pick([i for i in range(len(pool_labels)) if i not in taken], any_need)
        out.append(drawn)
    return out


def swd_over_draws(test, refs, seed=0, **kw):
    """SWD of `test` against each reference draw (seed + d * 10007), per level: mean, std, values."""
    res = [image_swd(test, r, seed=seed + d * DRAW_SEED_STRIDE, **kw) for d, r in enumerate(refs)]
    levels = []
    for k in range(len(res[0])):
        v = [r[k]["distance"] for r in res]
        m = sum(v) / len(v)
        sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)) if len(v) > 1 else 0.0
        levels.append({"side": res[0][k]["side"], "mean": m, "std": sd, "min": min(v), "max": max(v), "values": v})
    return {"draws": len(refs), "levels": levels}


def noise_band(summaries):
    """metrics' noiseBand: per level, the spread (max - min) of the set means of >= 2 disjoint sets."""
    out = []
    for k in range(len(summaries[0]["levels"])):
        v = [s["levels"][k]["mean"] for s in summaries]
        m = sum(v) / len(v)
        out.append({"side": summaries[0]["levels"][k]["side"], "values": v, "mean": m, "width": max(v) - min(v),
                    "relative": (max(v) - min(v)) / m if m else 0.0})
    return {"sets": len(summaries), "levels": out}
