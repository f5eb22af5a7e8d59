#!/usr/bin/env python3
"""Builds the Upshift training set from the npm package `emoji-datasource-google` (16.0.0).

The images are Noto Emoji (Apache-2.0, see NOTICE in this folder). This script:
  1. fetches the package on demand with `npm pack` into a git-ignored cache (.cache/emoji),
  2. composites each 64x64 RGBA PNG over white,
  3. labels it with the `category` of emoji.json ("Component" is dropped: 5 images),
  4. splits train / held-out by *base emoji*, so skin-tone variants stay on one side,
  5. writes .cache/dataset/emoji64.npz (uint8 NHWC images, labels, group ids, split) and
  6. writes the radially averaged power spectrum per level (box and dct down operators) as JSON.

Usage: python3 tools/dataset/build_dataset.py [--cache .cache] [--holdout 0.1] [--seed 0]
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile

import numpy as np
from PIL import Image

PACKAGE = "emoji-datasource-google@16.0.0"
SIDE = 64


def fetch_package(cache: str) -> str:
    root = os.path.join(cache, "emoji", "package")
    if os.path.exists(os.path.join(root, "emoji.json")):
        return root
    os.makedirs(os.path.join(cache, "emoji"), exist_ok=True)
    print(f"fetching {PACKAGE} (74 MB) with npm pack ...", file=sys.stderr)
    out = subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=os.path.join(cache, "emoji"),
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(os.path.join(cache, "emoji", out)) as tar:
        tar.extractall(os.path.join(cache, "emoji"))
    os.remove(os.path.join(cache, "emoji", out))
    return root


def load_images(root: str):
    meta = json.load(open(os.path.join(root, "emoji.json")))
    categories = sorted({e["category"] for e in meta if e["category"] != "Component"})
    images, labels, groups, names = [], [], [], []
    img_dir = os.path.join(root, "img", "google", "64")
    for gid, e in enumerate(meta):
        if e["category"] == "Component":
            continue
        files = [e["image"]] + [v["image"] for v in (e.get("skin_variations") or {}).values()]
        for f in files:
            p = os.path.join(img_dir, f)
            if not os.path.exists(p):
                continue
            rgba = np.asarray(Image.open(p).convert("RGBA"), dtype=np.float32) / 255.0
            if rgba.shape[:2] != (SIDE, SIDE):
                raise ValueError(f"{p}: expected {SIDE}x{SIDE}, got {rgba.shape[:2]}")
            a = rgba[..., 3:4]
            rgb = rgba[..., :3] * a + (1.0 - a)  # over white
            images.append(np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8))
            labels.append(categories.index(e["category"]))
            groups.append(gid)
            names.append(f)
    return np.stack(images), np.array(labels, np.int64), np.array(groups, np.int64), names, categories


def box_down(x: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II matrix C (C @ C.T = I)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    c = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    c[0] /= np.sqrt(2.0)
    return c


def dct_down(x: np.ndarray) -> np.ndarray:
    """DCT low-pass pair: keep the n/2 lowest DCT frequencies per axis, scale so D D^T = I/4."""
    n = x.shape[1]
    cn, cm = dct_matrix(n), dct_matrix(n // 2)
    # 1-D operator d = 1/sqrt(2) * Cm^T [I 0] Cn  (d d^T = I/2 per axis, I/4 in 2-D)
    d = cm.T @ cn[: n // 2] / np.sqrt(2.0)
    return np.einsum("ab,nbwc->nawc", d, np.einsum("ab,nhbc->nhac", d, x))


def radial_spectrum(x: np.ndarray):
    """Radially averaged E|X(f)|^2 of the orthonormal 2-D DFT per channel (global mean removed)."""
    n, h, w, c = x.shape
    xc = x - x.mean(axis=(0, 1, 2), keepdims=True)
    p = np.zeros((h, w))
    for start in range(0, n, 256):
        f = np.fft.fft2(xc[start:start + 256], axes=(1, 2), norm="ortho")
        p += (np.abs(f) ** 2).sum(axis=(0, 3))
    p /= n * c
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    r = np.sqrt(fy ** 2 + fx ** 2)
    bins = np.round(r * h).astype(int)
    freqs, power = [], []
    for b in range(bins.max() + 1):
        m = bins == b
        if m.any():
            freqs.append(b / h)
            power.append(float(p[m].mean()))
    return freqs, power, float(xc.var())


def spectrum_json(x: np.ndarray, op: str, levels: int):
    down = box_down if op == "box" else dct_down
    out, cur = [], x
    var0 = None
    for k in range(levels):
        f, pw, var = radial_spectrum(cur)
        var0 = var if var0 is None else var0
        out.append({"level": k, "side": cur.shape[1], "frequencies": f, "power": pw})
        cur = down(cur)
    return {"source": f"{PACKAGE} img/google/64 (train split), over white, scaled to [-1, 1]",
            "downOperator": op, "pixelVariance": var0, "levels": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=".cache")
    ap.add_argument("--holdout", type=float, default=0.1, help="fraction of base emoji held out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--levels", type=int, default=4)
    a = ap.parse_args()
    if not 0 < a.holdout < 1:
        ap.error(f"--holdout must be in (0, 1), got {a.holdout}")
    root = fetch_package(a.cache)
    images, labels, groups, names, categories = load_images(root)
    rng = np.random.default_rng(a.seed)
    uniq = np.unique(groups)
    held = set(rng.choice(uniq, size=int(round(len(uniq) * a.holdout)), replace=False).tolist())
    split = np.array([1 if g in held else 0 for g in groups], np.uint8)  # 1 = held out
    os.makedirs(os.path.join(a.cache, "dataset"), exist_ok=True)
    path = os.path.join(a.cache, "dataset", "emoji64.npz")
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, images=images, labels=labels, groups=groups, split=split,
                        categories=np.array(categories), names=np.array(names))
    os.replace(tmp, path)
    x = images[split == 0].astype(np.float64) / 127.5 - 1.0
    for op in ("box", "dct"):
        spec = spectrum_json(x, op, a.levels)
        with open(os.path.join(a.cache, "dataset", f"spectrum-{op}.json"), "w") as f:
            json.dump(spec, f)
    print(json.dumps({"images": int(len(images)), "train": int((split == 0).sum()), "heldOut": int(split.sum()),
                      "classes": categories, "pixelStd": float(x.std()), "path": path}))


if __name__ == "__main__":
    main()
