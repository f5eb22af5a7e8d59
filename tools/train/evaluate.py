#!/usr/bin/env python3
"""Quality report of a trained model (PyTorch; runs on GPU or CPU).

1. Held-out denoising error per level at a few per-pixel sigmas (level k input is down^k of
   the held-out image, noised at the per-pixel sigma): MSE and MSE / data variance.
2. Level consistency at full-resolution sigmas s: the level-k prediction on down^k(x_t)
   against down^k of the level-0 prediction on x_t (RMS difference and PSNR).
3. Sampling: Euler on a Karras grid; full resolution vs a three-stage pyramid (1/4 side while
   sigma > 6.3, 1/2 side while sigma > 2) with the exact box upshift, both with fresh and
   with coupled (the run's initial noise) upshift noise; paired PSNR against the same-seed
   full-resolution image.
4. A sample grid per class at full resolution (PNG).
5. Level k against level 0 on the same task: both predict down^k(x0) from the same noisy image
   x_t (level k sees only down^k(x_t)); the ratio of their errors says whether the low
   resolution model is as good as the full one where a policy would use it (1 = as good; the
   level-0 model sees strictly more, so a perfect pair can only be >= 1, and only slightly so
   at high noise).
6. Memorisation: every sample's nearest training image (pixel L2), against the same distance for
   held-out images (which are novel by construction), overall and per class; a grid of the
   closest sample/training pairs.
7. Per class: held-out denoising error at level 0 and the memorisation numbers.

Sections can be chosen (--sections denoise,consistency,paired,grid,memorisation) so that the
cheap ones run on a CPU.

Usage: python3 tools/train/evaluate.py --run .cache/train/run --out report/ [--n 256]
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import down, guided_denoise, karras, load_dataset, load_model, psnr, up_signal  # noqa: E402


class Runner:
    def __init__(self, model, op, w, dev):
        self.m, self.op, self.w, self.dev = model, op, w, dev

    def D(self, x, sigma_full, level, labels):
        return guided_denoise(self.m, x, sigma_full, level, labels, self.w)

    def sample(self, z, labels, sigmas, plan, coupled):
        """Euler in sigma space; plan[i] = level of step i; z = full-res N(0, I) noise."""
        level = plan[0]
        zl = down(z, self.op, level) * 2 ** level if level else z
        x = sigmas[0] / 2 ** level * zl
        for i in range(len(sigmas) - 1):
            if plan[i] != level:
                new = plan[i]
                for _ in range(level - new):  # exact up, one level at a time
                    lo_sigma = float(sigmas[i]) / 2 ** level
                    hi_sigma = 2 * lo_sigma
                    level -= 1
                    if coupled:
                        zz = down(z, self.op, level) * 2 ** level if level else z
                    else:
                        zz = torch.randn(x.shape[0], x.shape[1], x.shape[2] * 2, x.shape[3] * 2, device=self.dev)
                    x = up_signal(x, self.op) + hi_sigma * (zz - up_signal(down(zz, self.op), self.op))
            s, sn = float(sigmas[i]), float(sigmas[i + 1])
            d = self.D(x, s, level, labels)
            x = x + (sn - s) / 2 ** level * (x - d) / (s / 2 ** level)
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default=".cache/train/run", help="run directory (ema.pt), ema.pt, or exported model directory")
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--out", default=".cache/train/report")
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--guidance", type=float, default=2.0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--sections", default="denoise,consistency,paired,grid,memorisation")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    a = ap.parse_args()
    sections = set(a.sections.split(","))
    unknown = sections - {"denoise", "consistency", "paired", "grid", "memorisation"}
    if unknown:
        ap.error(f"--sections: unknown section(s) {sorted(unknown)}")
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    model, meta = load_model(a.run, dev)
    cfg, op = meta["cfg"], meta["downOperator"]
    x, labels, split, categories = load_dataset(a.data, dev)
    held = split == 1
    xh, yh = x[held][: a.n], labels[held][: a.n]
    g = torch.Generator(device=dev).manual_seed(7)
    report = {"model": {"steps": meta.get("steps"), "params": sum(p.numel() for p in model.parameters()),
                        "device": meta.get("device"), "source": a.run}}
    with torch.no_grad():
        rows = []
        for sig in ([0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0] if "denoise" in sections else []):
            row = {"sigmaPerPixel": sig}
            for k in range(cfg["numLevels"]):
                x0 = down(xh, op, k) if k else xh
                xt = x0 + sig * torch.randn(x0.shape, device=dev, generator=g)
                d = model(xt, torch.full((len(x0),), sig, device=dev), yh, torch.full((len(x0),), k, device=dev))
                mse = float(((d - x0) ** 2).mean())
                row[f"level{k}"] = {"mse": round(mse, 5), "relMse": round(mse / float(x0.var()), 4)}
            rows.append(row)
        if rows:
            report["heldOutDenoising"] = rows
        cons, fair = [], []
        for s in ([1.0, 2.0, 4.0, 8.0, 16.0, 40.0] if "consistency" in sections else []):
            xt = xh + s * torch.randn(xh.shape, device=dev, generator=g)
            d0 = model(xt, torch.full((len(xh),), s, device=dev), yh, torch.zeros(len(xh), dtype=torch.long, device=dev))
            row = {"sigmaFull": s}
            frow = {"sigmaFull": s}
            for k in range(1, cfg["numLevels"]):
                dk = model(down(xt, op, k), torch.full((len(xh),), s / 2 ** k, device=dev), yh,
                           torch.full((len(xh),), k, device=dev))
                ref = down(d0, op, k)
                rms = float(((dk - ref) ** 2).mean().sqrt())
                row[f"level{k}"] = {"rms": round(rms, 4), "psnr": round(20 * math.log10(2 / max(rms, 1e-9)), 2)}
                truth = down(xh, op, k)
                e0 = float(((ref - truth) ** 2).mean())
                ek = float(((dk - truth) ** 2).mean())
                frow[f"level{k}"] = {"mseLevel0Pooled": round(e0, 5), "mseLevelK": round(ek, 5),
                                     "ratio": round(ek / max(e0, 1e-12), 3)}
            cons.append(row)
            fair.append(frow)
        if cons:
            report["levelConsistency"] = cons
            report["levelVsLevel0SameTask"] = fair
        runner = Runner(model, op, a.guidance, dev)
        sig = karras(a.steps)
        n = min(a.n, 128)
        os.makedirs(a.out, exist_ok=True)
        if "paired" in sections:
            report["pairedPsnr"] = paired_psnr(runner, sig, n, a.steps, cfg, g, dev, a.out)
        samples = grid_lab = None
        if "grid" in sections or "memorisation" in sections:
            grid_lab = torch.arange(cfg["numClasses"], device=dev).repeat_interleave(8)
            zg = torch.randn((len(grid_lab), 3, 64, 64), device=dev, generator=g)
            samples = runner.sample(zg, grid_lab, sig, [0] * a.steps, True).clamp(-1, 1)
            save_grid(samples, 8, os.path.join(a.out, "samples-per-class.png"))
        if "denoise" in sections:
            report["perClassDenoising"] = per_class_denoising(model, x[held], labels[held], categories, g, dev)
        if "memorisation" in sections:
            report["memorisation"] = memorisation(samples, grid_lab, x, split, categories, a.out)
    report["classes"] = categories
    with open(os.path.join(a.out, "quality.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report))


def paired_psnr(runner, sig, n, steps, cfg, g, dev, out_dir):
    """Full resolution vs three plans, coupled and fresh upshift noise (same seeds)."""
    z = torch.randn((n, 3, 64, 64), device=dev, generator=g)
    lab = torch.arange(n, device=dev) % cfg["numClasses"]
    full = runner.sample(z, lab, sig, [0] * steps, True)
    plans = {
        "pyramid 1/4>6.3, 1/2>2": [2 if float(s) > 6.3 else 1 if float(s) > 2 else 0 for s in sig[:-1]],
        "1/2 side while sigma>2": [1 if float(s) > 2 else 0 for s in sig[:-1]],
        "1/4 side while sigma>2 (seed rule)": [2 if float(s) > 2 else 0 for s in sig[:-1]],
    }
    flops = {0: 1.0, 1: 0.25, 2: 0.0625}
    res = {}
    for name, plan in plans.items():
        frac = sum(flops[l] for l in plan) / len(plan)
        res[name] = {"pixelFraction": round(frac, 3)}
        for coupled in (True, False):
            torch.manual_seed(11)
            out = runner.sample(z, lab, sig, plan, coupled)
            p = psnr(out.clamp(-1, 1), full.clamp(-1, 1))
            res[name]["coupled" if coupled else "fresh"] = {"psnrMean": round(float(p.mean()), 2),
                                                          "psnrMedian": round(float(p.median()), 2)}
    save_grid(full[:64].clamp(-1, 1), 8, os.path.join(out_dir, "full.png"))
    return res


def per_class_denoising(model, xh, yh, categories, g, dev, sigmas=(0.5, 2.5)):
    """Held-out level-0 denoising MSE / data variance per class at a few sigmas."""
    rows = {}
    for ci, name in enumerate(categories):
        sel = yh == ci
        if int(sel.sum()) == 0:
            continue
        x0 = xh[sel]
        row = {"heldOut": int(sel.sum())}
        for sg in sigmas:
            xt = x0 + sg * torch.randn(x0.shape, device=dev, generator=g)
            d = model(xt, torch.full((len(x0),), sg, device=dev), yh[sel], torch.zeros(len(x0), dtype=torch.long, device=dev))
            row[f"relMse@{sg}"] = round(float(((d - x0) ** 2).mean()) / float(xh.var()), 4)
        rows[name] = row
    return rows


def nearest(queries, bank, chunk=64):
    """Per query: the RMS pixel distance to its nearest bank image and that image's index."""
    b = bank.flatten(1)
    bn = (b ** 2).sum(1)
    dist, idx = [], []
    for i in range(0, len(queries), chunk):
        q = queries[i:i + chunk].flatten(1)
        d2 = (q ** 2).sum(1, keepdim=True) + bn[None] - 2 * q @ b.T
        m, j = d2.clamp_min(0).min(1)
        dist.append((m / b.shape[1]).sqrt())
        idx.append(j)
    return torch.cat(dist), torch.cat(idx)


def memorisation(samples, sample_labels, x, split, categories, out_dir):
    """Nearest training image of every sample vs of every held-out image (RMS in [-1, 1] units)."""
    train, held = x[split == 0], x[split == 1]
    ds, js = nearest(samples, train)
    dh, _ = nearest(held, train)
    q05 = float(torch.quantile(dh, 0.05))
    out = {
        "samples": len(samples),
        "heldOutImages": len(held),
        "sampleNearestTrainRms": {"median": round(float(ds.median()), 4), "min": round(float(ds.min()), 4)},
        "heldOutNearestTrainRms": {"median": round(float(dh.median()), 4), "p05": round(q05, 4)},
        "samplesCloserThanHeldOutP05": round(float((ds < q05).float().mean()), 3),
        "perClass": {},
    }
    for ci, name in enumerate(categories):
        sel = sample_labels == ci
        if int(sel.sum()):
            out["perClass"][name] = {"medianNearestTrainRms": round(float(ds[sel].median()), 4),
                                     "closerThanHeldOutP05": round(float((ds[sel] < q05).float().mean()), 3)}
    order = ds.argsort()[:16]
    pairs = torch.stack([torch.stack([samples[i], train[js[i]]]) for i in order]).flatten(0, 1)
    save_grid(pairs, 8, os.path.join(out_dir, "memorisation-closest-pairs.png"))
    return out


def save_grid(imgs, cols, path):
    from PIL import Image
    imgs = ((imgs + 1) * 127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()
    n, h, w, c = imgs.shape
    rows = math.ceil(n / cols)
    grid = np.full((rows * (h + 2), cols * (w + 2), 3), 255, np.uint8)
    for i in range(n):
        r, cc = divmod(i, cols)
        grid[r * (h + 2):r * (h + 2) + h, cc * (w + 2):cc * (w + 2) + w] = imgs[i]
    Image.fromarray(grid).save(path)


if __name__ == "__main__":
    main()
