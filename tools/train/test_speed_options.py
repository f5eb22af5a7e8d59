#!/usr/bin/env python3
"""Checks that every throughput option of train.py changes nothing but speed (within float
tolerance): a tiny model trains a few steps from the same seed with the old settings and with
each option switched on alone, then with all of them (the new settings); the per-step losses
and the final weights must agree with the old run. Also prints ms per step of each (on a CPU
these are not the GPU's ratios: the point here is that each option runs and is equivalent).

Options the installed torch lacks (torch.compile before 2.0, fused Adam on a CPU before 2.4) are
reported as such; the optimizer row then says which Adam ran.

Usage: /usr/bin/python3 tools/train/test_speed_options.py [--steps 6] [--device cpu] [--json out.json]
Exit status 1 if any option disagrees beyond its tolerance.
"""
import argparse
import json
import os
import sys
import time
from dataclasses import replace

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import OLD_SPEED, Trainer, build_model, new_speed, parse, setup  # noqa: E402

TINY = '{"channels":[8,16,16,16],"groups":4,"embDim":32,"fourierDim":16,"attentionHeads":2}'
# Relative tolerances: fp32 reorderings (memory format, multi-tensor kernels, batched teacher)
# move results by float rounding only; bf16 autocast rounds every conv input to 8 bits of
# mantissa; compiled kernels fuse and reorder.
TOL = {"fp32": (1e-4, 1e-3), "bf16": (3e-2, 5e-2), "compile": (1e-3, 1e-2)}


def run(a, speed, data, dev, num_classes, steps):
    torch.manual_seed(a.seed)
    model, _, _, _ = build_model(a, data, dev, num_classes)
    # Every weight non-zero (zero-initialised output layers would hide most of the network, and
    # zero adapters their path): a fixed random perturbation, the same for every variant.
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g).to(p.device))
    tr = Trainer(a, speed, model.train(), data, dev)
    losses, times = [], []
    for i in range(steps):
        t0 = time.time()
        tr.step(1e-3, a.consistency)
        tr.update_ema(i)
        tr.sync()
        times.append(time.time() - t0)
        losses.append(list(tr.take_losses().values()))
    flat = torch.cat([p.detach().float().flatten() for p in tr.model.parameters()])
    ema = torch.cat([p.detach().float().flatten() for p in tr.ema.parameters()])
    return {"losses": torch.tensor(losses), "weights": flat, "ema": ema, "times": times, "opt": tr.opt_kind,
            "compiled": tr.compiled}


def rel(x, y):
    return float((x - y).norm() / y.norm().clamp_min(1e-12))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--level-adapters", type=int, default=4)
    ap.add_argument("--json", default="")
    c = ap.parse_args()
    a = parse(["--data", c.data, "--batch", str(c.batch), "--config", TINY, "--device", c.device,
               "--level-adapters", str(c.level_adapters), "--consistency", "0.5", "--consistency-grad",
               "level" if c.level_adapters else "all", "--hflip", "0.5", "--warmup", "1"])
    dev, data, categories, _ = setup(a)
    if dev.type == "cuda":  # exact fp32 baseline: TF32 would blur the fp32 comparisons
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    new = new_speed(dev, "auto", "default", "auto")
    variants = {
        "old (fp32, eager)": (OLD_SPEED, "fp32"),
        "channels_last": (replace(OLD_SPEED, channels_last=True), "fp32"),
        "fused_adam": (replace(OLD_SPEED, fused_adam=True), "fp32"),
        "foreach (EMA, clip, Adam)": (replace(OLD_SPEED, foreach=True), "fp32"),
        "batched_teacher": (replace(OLD_SPEED, batched_teacher=True), "fp32"),
        "lazy_sync": (replace(OLD_SPEED, lazy_sync=True), "fp32"),
        "bf16 autocast": (replace(OLD_SPEED, bf16=True), "bf16"),
        "new, fp32 (all but bf16)": (replace(new, bf16=False), "fp32"),
        "new (all)": (new, "bf16"),
    }
    if hasattr(torch, "compile"):
        variants["compile"] = (replace(OLD_SPEED, compile=True), "compile")
    rows, failed = [], False
    base = None
    for name, (speed, kind) in variants.items():
        r = run(a, speed, data, dev, len(categories), c.steps)
        if base is None:
            base = r
        tl, tw = TOL[kind]
        row = {"option": name, "lossRelDiff": rel(r["losses"], base["losses"]), "weightRelDiff": rel(r["weights"], base["weights"]),
               "emaRelDiff": rel(r["ema"], base["ema"]), "tolerance": [tl, tw],
               "msPerStep": round(1000 * sum(r["times"][1:]) / max(len(r["times"]) - 1, 1), 1), "optimizer": r["opt"]}
        row["ok"] = row["lossRelDiff"] <= tl and row["weightRelDiff"] <= tw and row["emaRelDiff"] <= tw
        failed |= not row["ok"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    if not hasattr(torch, "compile"):
        rows.append({"option": "compile", "skipped": f"torch {torch.__version__} has no torch.compile"})
        print(json.dumps(rows[-1]))
    print(f"\n{c.steps} steps, batch {c.batch}, tiny UNet, level adapters {c.level_adapters}, {dev}, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.1f}")
    print(f"{'option':<28}{'loss rel':>10}{'weight rel':>12}{'EMA rel':>10}{'ms/step':>9}  optimizer  ok")
    for r in rows:
        if "skipped" in r:
            print(f"{r['option']:<28}  skipped: {r['skipped']}")
            continue
        print(f"{r['option']:<28}{r['lossRelDiff']:>10.1e}{r['weightRelDiff']:>12.1e}{r['emaRelDiff']:>10.1e}"
              f"{r['msPerStep']:>9.1f}  {r['optimizer']:<9}  {'ok' if r['ok'] else 'FAIL'}")
    if c.json:
        with open(c.json, "w") as f:
            json.dump({"device": str(dev), "torch": torch.__version__, "steps": c.steps, "rows": rows}, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
