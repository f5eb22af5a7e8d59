#!/usr/bin/env python3
"""Before / after report of a training run, and the ship decision (issue 14: ship only if held-out
SWD and paired PSNR both improve).

Both models (exported directories, fp16 weights as they ship, or run directories) are measured
the same way, same seeds:

* **held-out SWD** (`swd.py`, the numbers of `@upshift/metrics` / `upshift compare`): --sets
  disjoint sets of --per-class images per class (labels i % classes), each sampled at full
  resolution (Euler, Karras grid, --steps, guidance --guidance) and against --draws class-matched
  draws of held-out images (draw seed 0); per set the mean over draws, per model the mean over
  sets, and the **noise band** = max - min of the set means (metrics' noiseBand). Reported x 1e3
  at 64 / 32 / 16 px and their mean. The pyramid's SWD (same z) is reported too.
* **paired PSNR pyramid vs full**: for every image above, the pyramid plan (1/4 side while sigma >
  6.3, 1/2 while > 2, exact coupled upshift; levers.py's `pyramid 2>6.3,1>2`) against the same-z
  full-resolution image; mean and median at 64 px and at 16 px after pooling both. The spread is
  given as the standard error of the mean over images.
* level consistency (PSNR of level k on down^k x_t vs pooled level 0, held-out, sigma 2-16) and
  level-0 held-out denoising error (does level 0 stay put?).
* same-seed grids: rows full | pyramid, before then after.

Writes summary.json and summary.md (+ grid PNGs) to --out; `--train-meta` / `--benchmark` add the
run's facts (device, minutes, steps, images seen, images/s).

Usage: python3 tools/train/ship_check.py --before packages/models/assets/emoji-unet \\
          --after /tmp/run/model --out /tmp/run/report [--train-meta run/train_meta.json]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import down, karras, load_dataset, load_model, psnr  # noqa: E402
from levers import Sampler  # noqa: E402
from swd import SWD_REPORT_SCALE, draw_class_matched_reference, noise_band, swd_over_draws  # noqa: E402


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the model now shipped (exported dir, run dir or ema.pt)")
    ap.add_argument("--after", required=True, help="the candidate")
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--out", required=True)
    ap.add_argument("--sets", type=int, default=3, help="disjoint generated sets per model (noise band)")
    ap.add_argument("--per-class", type=int, default=9, help="images per class and set (held-out has 9 of the rarest)")
    ap.add_argument("--draws", type=int, default=5, help="class-matched held-out reference draws")
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--guidance", type=float, default=2.0)
    ap.add_argument("--chunk", type=int, default=256, help="images per sampling batch")
    ap.add_argument("--probe-n", type=int, default=256, help="held-out images for consistency / denoising probes")
    ap.add_argument("--train-meta", default="", help="train_meta.json of the run (facts for the summary)")
    ap.add_argument("--benchmark", default="", help="benchmark.json of train.py --benchmark")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    for name in ("sets", "per_class", "draws", "steps", "chunk", "probe_n"):
        if getattr(a, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(a, name)}")
    if a.sets < 2:
        ap.error(f"--sets must be >= 2 (the noise band needs two disjoint sets), got {a.sets}")
    for name in ("before", "after", "data"):
        if not os.path.exists(getattr(a, name)):
            ap.error(f"--{name} {getattr(a, name)}: no such file or directory")
    return a


def sample_sets(model, meta, a, dev, seed_base=1000):
    """Per set: full-resolution and pyramid images (NCHW, clamped) from the same z."""
    op = meta["downOperator"]
    classes = model.net.cfg["numClasses"]
    sig = karras(a.steps)
    full_plan = [0] * a.steps
    pyr_plan = [2 if s > 6.3 else 1 if s > 2 else 0 for s in sig[:-1]]
    n = a.per_class * classes
    labels = torch.arange(n, device=dev) % classes
    out = []
    for s in range(a.sets):
        g = torch.Generator(device=dev).manual_seed(seed_base + s)
        z = torch.randn((n, 3, 64, 64), device=dev, generator=g)
        full, pyr = [], []
        for i in range(0, n, a.chunk):
            sl = slice(i, i + a.chunk)
            smp = Sampler(model, op, a.guidance, dev)
            full.append(smp.run(z[sl], labels[sl], sig, full_plan).clamp(-1, 1))
            pyr.append(smp.run(z[sl], labels[sl], sig, pyr_plan).clamp(-1, 1))
        out.append((torch.cat(full), torch.cat(pyr)))
    return out, labels


def nhwc(x):
    return x.permute(0, 2, 3, 1).double().cpu().numpy()


def probes(model, meta, xh, yh, dev):
    op, levels = meta["downOperator"], model.net.cfg["numLevels"]
    g = torch.Generator(device=dev).manual_seed(1234)
    n = len(xh)
    zero = torch.zeros(n, dtype=torch.long, device=dev)
    cons, l0 = {}, {}
    var = float(xh.var())
    for s in (0.5, 2.0, 4.0, 8.0, 16.0):
        xt = xh + s * torch.randn(xh.shape, device=dev, generator=g)
        d0 = model(xt, torch.full((n,), s, device=dev), yh, zero)
        l0[str(s)] = round(float(((d0 - xh) ** 2).mean()) / var, 5)
        if s < 2:
            continue
        row = {}
        for k in range(1, levels):
            dk = model(down(xt, op, k), torch.full((n,), s / 2 ** k, device=dev), yh,
                       torch.full((n,), k, dtype=torch.long, device=dev))
            rms = float(((dk - down(d0, op, k)) ** 2).mean().sqrt())
            row[f"level{k}"] = round(20 * math.log10(2 / max(rms, 1e-9)), 2)
        cons[str(s)] = row
    return {"consistencyPsnr": cons, "level0RelMse": l0}


def measure(path, a, dev, pool, pool_labels, xh, yh):
    t0 = time.time()
    model, meta = load_model(path, dev)
    sets, labels = sample_sets(model, meta, a, dev)
    target = [int(v) for v in labels.cpu()]
    draws = draw_class_matched_reference(pool_labels, target, seed=0, draws=a.draws)
    refs = [pool[d] for d in draws]
    swd_full = [swd_over_draws(nhwc(f), refs) for f, _ in sets]
    swd_pyr = [swd_over_draws(nhwc(p), refs) for _, p in sets]
    p64 = torch.cat([psnr(p, f) for f, p in sets])
    p16 = torch.cat([psnr(down(p, "box", 2), down(f, "box", 2)) for f, p in sets])

    def stats(v):
        return {"mean": round(float(v.mean()), 3), "median": round(float(v.median()), 3),
                "sem": round(float(v.std() / math.sqrt(len(v))), 3), "n": len(v)}

    with torch.no_grad():
        pr = probes(model, meta, xh, yh, dev)
    res = {"source": path, "architecture": model.net.cfg.get("architecture"),
           "levelAdapterRank": model.net.cfg.get("levelAdapterRank", 0), "steps": meta.get("steps"),
           "swdFull": summarise_swd(swd_full), "swdPyramid": summarise_swd(swd_pyr),
           "pairedPsnr64": stats(p64), "pairedPsnr16": stats(p16), **pr, "seconds": round(time.time() - t0, 1)}
    return res, sets


def summarise_swd(summaries):
    band = noise_band(summaries)
    lv = [{"side": b["side"], "mean": b["mean"] * SWD_REPORT_SCALE, "band": b["width"] * SWD_REPORT_SCALE,
           "sets": [v * SWD_REPORT_SCALE for v in b["values"]]} for b in band["levels"]]
    set_means = [sum(s["levels"][k]["mean"] for k in range(len(lv))) / len(lv) * SWD_REPORT_SCALE for s in summaries]
    mean = sum(set_means) / len(set_means)
    return {"levels": lv, "mean": mean, "meanBand": max(set_means) - min(set_means), "setMeans": set_means,
            "draws": summaries[0]["draws"]}


def save_rows(rows, path):
    from PIL import Image
    cols = rows[0].shape[0]
    h = rows[0].shape[2]
    grid = np.full((len(rows) * (h + 2), cols * (h + 2), 3), 255, np.uint8)
    for r, imgs in enumerate(rows):
        x = ((imgs + 1) * 127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).cpu().numpy()
        for c in range(cols):
            grid[r * (h + 2):r * (h + 2) + h, c * (h + 2):c * (h + 2) + h] = x[c]
    Image.fromarray(grid).save(path)


def decide(before, after):
    swd_diff = after["swdFull"]["mean"] - before["swdFull"]["mean"]
    swd_band = max(before["swdFull"]["meanBand"], after["swdFull"]["meanBand"])
    psnr_diff = after["pairedPsnr64"]["mean"] - before["pairedPsnr64"]["mean"]
    psnr_se = math.hypot(before["pairedPsnr64"]["sem"], after["pairedPsnr64"]["sem"])
    swd_better, psnr_better = swd_diff < 0, psnr_diff > 0
    return {
        "ship": bool(swd_better and psnr_better),
        "rule": "ship only if held-out SWD (full resolution, mean of 64/32/16 px) falls AND paired PSNR "
                "(pyramid vs full, 64 px) rises",
        "swdDifference": round(swd_diff, 3), "swdNoiseBand": round(swd_band, 3),
        "swdResolved": abs(swd_diff) > swd_band, "swdImproved": swd_better,
        "psnrDifference": round(psnr_diff, 3), "psnrStdErr": round(psnr_se, 3),
        "psnrResolved": abs(psnr_diff) > 2 * psnr_se, "psnrImproved": psnr_better,
    }


def markdown(s):
    b, a, d = s["before"], s["after"], s["decision"]
    L = [f"# Ship check: {'SHIP' if d['ship'] else 'DO NOT SHIP'}", "",
         f"Rule: {d['rule']}.", ""]
    t = s.get("training")
    if t:
        L += ["## Training", "", "| fact | value |", "|---|---|"]
        for k in ("device", "torch", "minutes", "stepsThisRun", "imagesSeen", "imgPerS", "firstStepSeconds",
                  "batch", "lr", "recipe"):
            if k in t:
                L.append(f"| {k} | {t[k]} |")
        L.append("")
    if s.get("benchmark"):
        L += ["## Throughput (train.py --benchmark)", "", "| variant | img/s | warm-up s | settings |", "|---|---|---|---|"]
        for r in s["benchmark"]["rows"]:
            if "error" in r:
                L.append(f"| {r['variant']} | failed: {r['error'][:120]} | | {r['settings']} |")
            else:
                L.append(f"| {r['variant']} | {r['imgPerS']} | {r['warmupSeconds']} | {r['settings']} |")
        L.append("")
    P = s["protocol"]
    L += ["## Before / after", "",
          f"{P['sets']} sets x {P['imagesPerSet']} images per model (Euler {P['steps']} steps, Karras grid, guidance "
          f"{P['guidance']}), SWD x1e3 against {P['draws']} class-matched held-out draws; band = max - min over sets.", "",
          "| measure | before | after | difference |", "|---|---|---|---|"]
    for key, name in (("swdFull", "held-out SWD, full resolution"), ("swdPyramid", "held-out SWD, pyramid")):
        for i, lv in enumerate(b[key]["levels"]):
            al = a[key]["levels"][i]
            L.append(f"| {name}, {lv['side']} px | {lv['mean']:.2f} (band {lv['band']:.2f}) | {al['mean']:.2f} "
                     f"(band {al['band']:.2f}) | {al['mean'] - lv['mean']:+.2f} |")
        L.append(f"| {name}, mean of levels | {b[key]['mean']:.2f} (band {b[key]['meanBand']:.2f}) | {a[key]['mean']:.2f} "
                 f"(band {a[key]['meanBand']:.2f}) | {a[key]['mean'] - b[key]['mean']:+.2f} |")
    for key, name in (("pairedPsnr64", "paired PSNR pyramid vs full, 64 px"), ("pairedPsnr16", "the same at 16 px")):
        L.append(f"| {name} (mean, median; +- s.e.) | {b[key]['mean']:.2f}, {b[key]['median']:.2f} +- {b[key]['sem']:.2f} | "
                 f"{a[key]['mean']:.2f}, {a[key]['median']:.2f} +- {a[key]['sem']:.2f} | {a[key]['mean'] - b[key]['mean']:+.2f} |")
    for sg, row in b["consistencyPsnr"].items():
        ar = a["consistencyPsnr"][sg]
        L.append(f"| consistency PSNR level 1/2/3 at sigma {sg} | " + " / ".join(f"{row[k]:.1f}" for k in row) + " | "
                 + " / ".join(f"{ar[k]:.1f}" for k in ar) + " | |")
    for sg, v in b["level0RelMse"].items():
        L.append(f"| level-0 held-out MSE / var at sigma {sg} | {v:.4f} | {a['level0RelMse'][sg]:.4f} | "
                 f"{a['level0RelMse'][sg] - v:+.4f} |")
    L += ["", "## Decision", "",
          f"* SWD: {d['swdDifference']:+.3f} (band {d['swdNoiseBand']:.3f}; "
          f"{'outside' if d['swdResolved'] else 'inside'} the band) -> {'improved' if d['swdImproved'] else 'not improved'}",
          f"* paired PSNR: {d['psnrDifference']:+.3f} dB (s.e. {d['psnrStdErr']:.3f}; "
          f"{'resolved' if d['psnrResolved'] else 'within 2 s.e.'}) -> {'improved' if d['psnrImproved'] else 'not improved'}",
          f"* **{'ship' if d['ship'] else 'do not ship'}**", "",
          "Grids (same seeds; rows: before full, before pyramid, after full, after pyramid): `grid-before-after.png`.", ""]
    return "\n".join(L)


def training_facts(path):
    m = json.load(open(path))
    st = m["stages"][-1]
    return {"device": st.get("device"), "torch": st.get("torch"), "minutes": round(st.get("seconds", 0) / 60, 2),
            "stepsThisRun": st.get("steps"), "imagesSeen": st.get("imagesSeen"),
            "imgPerS": round(st.get("imagesSeen", 0) / max(st.get("seconds", 1), 1e-9), 1),
            "firstStepSeconds": st.get("firstStepSeconds"), "batch": st.get("batch"), "lr": st.get("lr"),
            "recipe": {k: st.get(k) for k in ("consistency", "consistencyStart", "teacher", "consistencyGrad",
                                              "levelAdapterRank", "hflip")},
            "speed": st.get("speed"), "totalSteps": m.get("steps")}


def main():
    a = parse()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    os.makedirs(a.out, exist_ok=True)
    x, labels, split, _ = load_dataset(a.data, dev)
    held = split == 1
    pool = x[held].permute(0, 2, 3, 1).double().cpu().numpy()
    pool_labels = labels[held].cpu().numpy().astype(int)
    xh, yh = x[held][: a.probe_n], labels[held][: a.probe_n]
    with torch.no_grad():
        before, sb = measure(a.before, a, dev, pool, pool_labels, xh, yh)
        print(json.dumps({"before": before}), flush=True)
        after, sa = measure(a.after, a, dev, pool, pool_labels, xh, yh)
        print(json.dumps({"after": after}), flush=True)
    k = min(12, len(sb[0][0]))
    save_rows([sb[0][0][:k], sb[0][1][:k], sa[0][0][:k], sa[0][1][:k]], os.path.join(a.out, "grid-before-after.png"))
    summary = {"protocol": {"sets": a.sets, "imagesPerSet": len(sb[0][0]), "steps": a.steps, "guidance": a.guidance,
                            "draws": a.draws, "sampler": "euler", "schedule": "karras(0.002, 80, 7)",
                            "pyramid": "1/4 side while sigma > 6.3, 1/2 while > 2, exact coupled upshift",
                            "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"},
               "before": before, "after": after, "decision": decide(before, after)}
    if a.train_meta:
        summary["training"] = training_facts(a.train_meta)
    if a.benchmark and os.path.exists(a.benchmark):
        summary["benchmark"] = json.load(open(a.benchmark))
    json.dump(summary, open(os.path.join(a.out, "summary.json"), "w"), indent=1)
    md = markdown(summary)
    open(os.path.join(a.out, "summary.md"), "w").write(md)
    print(md)


if __name__ == "__main__":
    main()
