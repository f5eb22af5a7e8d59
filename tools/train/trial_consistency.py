#!/usr/bin/env python3
"""Tiny-scale trial of the level-consistency recipes (CPU-sized), before GPU minutes go into one.

1. trains a small base model from scratch with train.py's default recipe (--base-steps);
2. continues it with each recipe for the same number of steps, same seed (--steps), as the GPU
   run will continue the shipped model:
     none            no consistency term (a = 0)
     mix             the shipped recipe: a = 0.5 on all parameters
     adapters-all    + level adapters (rank --rank), a = 0.5, term on all parameters
     adapters-level  + level adapters, a = 0.5, term on adapters + level embedding only
     adapters-level-a0.9   the same with a = 0.9
3. measures each on held-out images: the loss per level at the end, level consistency (PSNR of
   the level-k prediction on down^k x_t against down^k of the level-0 prediction on x_t),
   level-0 denoising error (does level 0 stay put?), level-0 drift from the base model (RMS of
   the change of its level-0 predictions) and the paired PSNR of the pyramid against the
   same-seed full-resolution run (levers.py).

Writes trial.json and trial.md to --out. Heavy for a shared CPU: run it under `flock /work/cpu.lock`.

Usage: /usr/bin/python3 tools/train/trial_consistency.py --out .cache/trial [--base-steps 500 --steps 300]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import down, load_dataset, load_model  # noqa: E402

TINY = {"channels": [16, 32, 64, 64], "numResBlocks": [1, 1, 1, 1], "attentionStages": [3], "groups": 8,
        "embDim": 64, "fourierDim": 16, "attentionHeads": 2}


def recipes(rank):
    return {
        "none": ["--consistency", "0"],
        "mix": ["--consistency", "0.5"],
        "adapters-all": ["--consistency", "0.5", "--level-adapters", str(rank), "--consistency-grad", "all"],
        "adapters-level": ["--consistency", "0.5", "--level-adapters", str(rank), "--consistency-grad", "level"],
        "adapters-level-a0.9": ["--consistency", "0.9", "--level-adapters", str(rank), "--consistency-grad", "level"],
        "adapters-level-r32-lr10": ["--consistency", "0.5", "--level-adapters", "32", "--consistency-grad", "level",
                                    "--adapter-lr-mult", "10"],
        "mix-a0.9": ["--consistency", "0.9"],
        "mix-online": ["--consistency", "0.5", "--teacher", "online"],
        "adapters-all-r32-lr10": ["--consistency", "0.5", "--level-adapters", "32", "--consistency-grad", "all",
                                  "--adapter-lr-mult", "10"],
    }


def sh(cmd, log):
    t0 = time.time()
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT)
    return time.time() - t0


def probe(model, base, xh, yh, op, levels, seed=1234):
    """Consistency PSNR per level and full-res sigma, level-0 MSE, level-0 drift vs the base model."""
    g = torch.Generator().manual_seed(seed)
    out = {"consistencyPsnr": {}, "level0RelMse": {}, "level0DriftRms": {}}
    var = float(xh.var())
    n = len(xh)
    with torch.no_grad():
        for s in (0.5, 2.0, 4.0, 8.0, 16.0):
            xt = xh + s * torch.randn(xh.shape, generator=g)
            zero = torch.zeros(n, dtype=torch.long)
            d0 = model(xt, torch.full((n,), s), yh, zero)
            out["level0RelMse"][str(s)] = round(float(((d0 - xh) ** 2).mean()) / var, 5)
            out["level0DriftRms"][str(s)] = round(float(((d0 - base(xt, torch.full((n,), s), yh, zero)) ** 2).mean().sqrt()), 5)
            if s < 2:
                continue
            row = {}
            for k in range(1, levels):
                dk = model(down(xt, op, k), torch.full((n,), s / 2 ** k), yh, torch.full((n,), k, dtype=torch.long))
                rms = float(((dk - down(d0, op, k)) ** 2).mean().sqrt())
                row[f"level{k}"] = round(20 * math.log10(2 / max(rms, 1e-9)), 2)
            out["consistencyPsnr"][str(s)] = row
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=".cache/trial")
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--base-steps", type=int, default=500)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-4, help="lr of the continuation (the base uses 4e-4)")
    ap.add_argument("--n", type=int, default=128, help="held-out images for the probes")
    ap.add_argument("--levers-n", type=int, default=24)
    ap.add_argument("--only", default="", help="comma list of recipes")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    log = os.path.join(a.out, "trial.log")
    py = sys.executable
    common = ["--data", a.data, "--batch", str(a.batch), "--minutes", "600", "--log-every", "50", "--ckpt-every", "100000"]
    base_dir = os.path.join(a.out, "base")
    if not os.path.exists(os.path.join(base_dir, "ema.pt")):
        t = sh([py, f"{HERE}/train.py", "--out", base_dir, "--steps", str(a.base_steps), "--lr", "4e-4",
                "--config", json.dumps(TINY), "--seed", "0"] + common, log)
        print(f"base: {a.base_steps} steps in {t:.0f} s", flush=True)
    x, labels, split, _ = load_dataset(a.data, "cpu")
    xh, yh = x[split == 1][: a.n], labels[split == 1][: a.n]
    base, meta = load_model(base_dir, "cpu")
    op, levels = meta["downOperator"], meta["cfg"]["numLevels"]
    results = {"base": {"steps": a.base_steps, **probe(base, base, xh, yh, op, levels)}}
    base_lev = os.path.join(base_dir, "levers.jsonl")
    if not os.path.exists(base_lev):
        sh([py, f"{HERE}/levers.py", "--run", base_dir, "--n", str(a.levers_n), "--out", base_lev, "--only", "pyramid 2>6.3,1>2"], log)
    pyr = json.loads(open(base_lev).read().splitlines()[-1])
    results["base"].update(pyramidPsnr64=pyr["psnr64"], pyramidPsnr16=pyr["psnr16"])
    only = [r for r in a.only.split(",") if r]
    for name, flags in recipes(a.rank).items():
        if only and name not in only:
            continue
        d = os.path.join(a.out, name if a.seed == 3 else f"{name}-seed{a.seed}")
        if not os.path.exists(os.path.join(d, "ema.pt")):
            t = sh([py, f"{HERE}/train.py", "--out", d, "--init", os.path.join(base_dir, "ema.pt"), "--steps", str(a.steps),
                    "--lr", str(a.lr), "--consistency-start", "0", "--seed", str(a.seed), "--warmup", "20"] + flags + common, log)
        else:
            t = None
        model, _ = load_model(d, "cpu")
        losses = [json.loads(line)["lossByLevel"] for line in open(os.path.join(d, "train_log.jsonl"))]
        lev = os.path.join(d, "levers.jsonl")
        if not os.path.exists(lev):
            sh([py, f"{HERE}/levers.py", "--run", d, "--n", str(a.levers_n), "--out", lev, "--only", "pyramid 2>6.3,1>2"], log)
        pyr = json.loads(open(lev).read().splitlines()[-1])
        results[name] = {"flags": flags, "trainSeconds": t, "lossFirst": losses[0] if losses else None,
                         "lossLast": losses[-1] if losses else None,
                         "pyramidPsnr64": pyr["psnr64"], "pyramidPsnr16": pyr["psnr16"],
                         **probe(model, base, xh, yh, op, levels)}
        if a.seed != 3:
            results[f"{name}-seed{a.seed}"] = results.pop(name)
            name = f"{name}-seed{a.seed}"
        print(json.dumps({name: results[name]}), flush=True)
    results["setup"] = {"tiny": TINY, "baseSteps": a.base_steps, "steps": a.steps, "batch": a.batch, "rank": a.rank,
                        "lr": a.lr, "heldOut": a.n, "leversN": a.levers_n, "torch": torch.__version__}
    path = os.path.join(a.out, "trial.json")
    if os.path.exists(path):  # later invocations (other recipes, seeds) add to the table
        results = {**json.load(open(path)), **results}
    json.dump(results, open(path, "w"), indent=1)
    with open(os.path.join(a.out, "trial.md"), "w") as f:
        f.write(table(results))
    print(table(results))


def table(r):
    names = [n for n in r if n not in ("setup",)]
    lines = ["| recipe | consistency PSNR level 1 / 2 / 3 at sigma 4 | at sigma 8 | at 16 | level-0 rel. MSE at 0.5 / 2 / 8 | level-0 drift RMS at 2 / 8 | pyramid paired PSNR 64 px (16 px) |",
             "|---|---|---|---|---|---|---|"]
    for n in names:
        x = r[n]
        c = x["consistencyPsnr"]
        cell = lambda s: " / ".join(f"{c[s][f'level{k}']:.1f}" for k in (1, 2, 3))  # noqa: E731
        mse = " / ".join(f"{x['level0RelMse'][s]:.4f}" for s in ("0.5", "2.0", "8.0"))
        drift = " / ".join(f"{x['level0DriftRms'][s]:.4f}" for s in ("2.0", "8.0"))
        pyr = f"{x['pyramidPsnr64']['mean']:.2f} ({x['pyramidPsnr16']['mean']:.2f})" if "pyramidPsnr64" in x else "-"
        lines.append(f"| {n} | {cell('4.0')} | {cell('8.0')} | {cell('16.0')} | {mse} | {drift} | {pyr} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
