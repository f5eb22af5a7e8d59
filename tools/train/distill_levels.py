#!/usr/bin/env python3
"""Level-consistency fine-tune: distil the low-resolution levels toward the pooled full-resolution
prediction of a frozen copy of the model, with level 0 anchored to that copy.

Why: `levers.py` measured that an exact round trip through a lower level costs little when the
levels agree (the "oracle" variants), so the paired PSNR of upshifted runs is limited by how
far the level-k prediction on down^k(x_t) is from down^k of the level-0 prediction on x_t. This
script trains exactly that gap and nothing else:

    loss_k = w_k(s) || S(down^k x_t, s / 2^k, c, k) - ((1 - b) down^k T(x_t, s, c, 0) + b down^k x0) ||^2
    loss_0 = w_0(s') || S(x'_t, s', c, 0) - T(x'_t, s', c, 0) ||^2            (the anchor)

S is the student (initialised from the model), T the frozen model, w the EDM loss weight,
s ~ log-uniform over the full-resolution sigmas where policies run low resolution
(--sigma-min .. --sigma-max), s' ~ EDM's training log-normal (level 0 keeps its whole range),
c a class label with --class-dropout of null labels (guidance keeps working). Level 0's best
answer is T itself, so the anchor only resists drift; `b` keeps a little ground truth in the
target. Cheap enough for a CPU (one full-resolution teacher pass per image, student passes at
low resolution); every --eval-every steps it prints consistency PSNR per level on held-out
images and the level-0 drift (RMS of S - T) — both against the frozen model.

Writes `ema.pt` (train.py's format, so export.py takes it) and `distill_log.jsonl` to --out.

Usage: /usr/bin/python3 tools/train/distill_levels.py --init .cache/train/run/ema.pt \
           --out .cache/train/distill --minutes 60 --batch 12 --threads 2
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import down, load_dataset  # noqa: E402
from model import EDMDenoiser  # noqa: E402
from train import load_init, SIGMA_LOGNORMAL  # noqa: E402


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--init", default=".cache/train/run/ema.pt", help="ema.pt or an exported model directory")
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--out", default=".cache/train/distill")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0 = time only)")
    ap.add_argument("--batch", type=int, default=12, help="images per step for the low levels")
    ap.add_argument("--anchor", type=int, default=4, help="images per step for the level-0 anchor")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--train", choices=["all", "level-emb"], default="all",
                    help="all parameters, or only the level embedding rows >= 1 (level 0 stays bit-identical)")
    ap.add_argument("--truth", type=float, default=0.1, help="share b of down^k x0 in the level-k target")
    ap.add_argument("--sigma-min", type=float, default=1.0)
    ap.add_argument("--sigma-max", type=float, default=80.0)
    ap.add_argument("--class-dropout", type=float, default=0.1)
    ap.add_argument("--ema", type=float, default=0.995)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    for name in ("minutes", "lr", "batch", "sigma_min", "sigma_max"):
        if getattr(a, name) <= 0:
            ap.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(a, name)}")
    for name in ("anchor", "eval_every"):
        if getattr(a, name) < (0 if name == "anchor" else 1):
            ap.error(f"--{name.replace('_', '-')} must be >= {0 if name == 'anchor' else 1}, got {getattr(a, name)}")
    if a.sigma_min >= a.sigma_max:
        ap.error(f"--sigma-min ({a.sigma_min}) must be below --sigma-max ({a.sigma_max})")
    if not 0 <= a.truth <= 1:
        ap.error(f"--truth must be in [0, 1], got {a.truth}")
    return a


def main():
    a = parse()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device)
    os.makedirs(a.out, exist_ok=True)
    state, prior = load_init(a.init, dev)
    cfg, sigma_data, op = prior["cfg"], prior["sigmaData"], prior["downOperator"]
    student = EDMDenoiser(cfg, sigma_data).to(dev)
    student.load_state_dict(state)
    teacher = copy.deepcopy(student).eval().requires_grad_(False)
    ema = copy.deepcopy(student).eval().requires_grad_(False)
    if a.train == "level-emb":
        # Only the level embedding: rows >= 1 get gradients from the level-k losses, row 0 none
        # (no anchor needed), every other weight is shared with level 0 and stays frozen.
        student.requires_grad_(False)
        student.net.level_emb.weight.requires_grad_(True)
        a.anchor = 0
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=a.lr, betas=(0.9, 0.99), eps=1e-8)
    x_all, labels_all, split, categories = load_dataset(a.data, dev)
    x_train, y_train = x_all[split == 0], labels_all[split == 0]
    levels = cfg["numLevels"]
    null_class = cfg["numClasses"]
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    sd_t = torch.tensor(sigma_data, device=dev)

    # Fixed held-out probe: teacher predictions computed once.
    ge = torch.Generator(device=dev).manual_seed(1234)
    xh, yh = x_all[split == 1][:48], labels_all[split == 1][:48]
    probe = []
    with torch.no_grad():
        for s in (2.0, 4.0, 8.0, 16.0):
            xt = xh + s * torch.randn(xh.shape, device=dev, generator=ge)
            probe.append((s, xt, teacher(xt, torch.full((len(xh),), s, device=dev), yh, torch.zeros(len(xh), dtype=torch.long, device=dev))))

    def evaluate(net):
        out = {}
        with torch.no_grad():
            for s, xt, d0 in probe:
                row = {}
                for k in range(1, levels):
                    dk = net(down(xt, op, k), torch.full((len(xh),), s / 2 ** k, device=dev), yh,
                             torch.full((len(xh),), k, device=dev, dtype=torch.long))
                    rms = float(((dk - down(d0, op, k)) ** 2).mean().sqrt())
                    row[f"level{k}"] = round(20 * math.log10(2 / max(rms, 1e-9)), 2)
                if s in (2.0, 8.0):
                    s0 = net(xt, torch.full((len(xh),), s, device=dev), yh, torch.zeros(len(xh), dtype=torch.long, device=dev))
                    row["level0DriftRms"] = round(float(((s0 - d0) ** 2).mean().sqrt()), 5)
                out[str(s)] = row
        return out

    def weight(sig, k):
        sdk = sd_t[k]
        return (sig ** 2 + sdk ** 2) / (sig * sdk) ** 2

    def labels_for(idx):
        lab = y_train[idx].clone()
        lab[torch.rand(len(idx), device=dev, generator=gen) < a.class_dropout] = null_class
        return lab

    log = open(os.path.join(a.out, "distill_log.jsonl"), "a")
    first = {"step": 0, "probe": evaluate(student)}
    print(json.dumps(first), flush=True)
    log.write(json.dumps(first) + "\n")
    t0 = time.time()
    step = 0
    acc = {k: [] for k in range(levels)}
    ln_lo, ln_hi = math.log(a.sigma_min), math.log(a.sigma_max)
    while time.time() - t0 < a.minutes * 60 and (not a.steps or step < a.steps):
        for g in opt.param_groups:
            g["lr"] = a.lr * min(1.0, (step + 1) / 50)
        opt.zero_grad(set_to_none=True)
        idx = torch.randint(0, len(x_train), (a.batch,), device=dev, generator=gen)
        x0, lab = x_train[idx], labels_for(idx)
        s = torch.exp(ln_lo + (ln_hi - ln_lo) * torch.rand(a.batch, device=dev, generator=gen))
        xt = x0 + s[:, None, None, None] * torch.randn(x0.shape, device=dev, generator=gen)
        with torch.no_grad():
            d0 = teacher(xt, s, lab, torch.zeros(a.batch, dtype=torch.long, device=dev))
        total = a.batch * (levels - 1) + a.anchor
        for k in range(1, levels):
            target = (1 - a.truth) * down(d0, op, k) + a.truth * down(x0, op, k)
            sk = s / 2 ** k
            pred = student(down(xt, op, k), sk, lab, torch.full((a.batch,), k, device=dev, dtype=torch.long))
            per = (weight(sk, k)[:, None, None, None] * (pred - target) ** 2).mean(dim=(1, 2, 3))
            (per.sum() / total).backward()
            acc[k].append(float(per.mean()))
        if a.anchor:
            ia = torch.randint(0, len(x_train), (a.anchor,), device=dev, generator=gen)
            xa, la = x_train[ia], labels_for(ia)
            mu, sd = SIGMA_LOGNORMAL[0]
            sa = torch.exp(mu + sd * torch.randn(a.anchor, device=dev, generator=gen)).clamp(0.002, 160.0)
            xta = xa + sa[:, None, None, None] * torch.randn(xa.shape, device=dev, generator=gen)
            zero = torch.zeros(a.anchor, dtype=torch.long, device=dev)
            with torch.no_grad():
                ta = teacher(xta, sa, la, zero)
            per = (weight(sa, 0)[:, None, None, None] * (student(xta, sa, la, zero) - ta) ** 2).mean(dim=(1, 2, 3))
            (per.sum() / total).backward()
            acc[0].append(float(per.mean()))
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        d = min(a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), student.parameters()):
                pe.lerp_(pm, 1 - d)
        if step % a.eval_every == 0:
            rec = {"step": step, "t": round(time.time() - t0, 1),
                   "lossByLevel": {k: round(sum(v) / len(v), 5) for k, v in acc.items() if v},
                   "probeEma": evaluate(ema)}
            acc = {k: [] for k in range(levels)}
            print(json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
            save(a, ema, prior, step, time.time() - t0)
    save(a, ema, prior, step, time.time() - t0)
    print(json.dumps({"done": step, "seconds": round(time.time() - t0, 1)}), flush=True)


def save(a, ema, prior, step, seconds):
    stage = {"kind": "level-distillation", "train": a.train, "steps": step, "lr": a.lr, "batch": a.batch, "anchor": a.anchor,
             "truth": a.truth, "sigmaRange": [a.sigma_min, a.sigma_max], "seconds": round(seconds, 1),
             "device": torch.cuda.get_device_name(0) if a.device.startswith("cuda") else "cpu"}
    meta = dict(prior)
    meta["stages"] = list(prior.get("stages", [])) + [stage]
    meta["distillSteps"] = prior.get("distillSteps", 0) + step
    tmp = os.path.join(a.out, "ema.pt.tmp")
    torch.save({"ema": ema.state_dict(), "meta": meta}, tmp)
    os.replace(tmp, os.path.join(a.out, "ema.pt"))
    with open(os.path.join(a.out, "train_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
