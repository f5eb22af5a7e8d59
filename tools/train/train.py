#!/usr/bin/env python3
"""Multi-resolution EDM training for the Upshift UNet.

Every step draws a fixed share of the batch at each resolution level k (side 64 / 2^k). The
level-k image is made with the SAME down operator the pipeline's resizer uses (box average
pooling by default, the DCT low-pass pair as an option) and noised at a per-pixel sigma drawn
for that level: the pipeline calls level k with sigma_full / 2^k, so sigma_full is drawn from
the range where policies run that level and divided by 2^k.

Level consistency: for k >= 1 the regression target mixes down^k(x0) with down^k of the EMA
model's level-0 prediction on the *full-resolution* noisy image whose down^k is the level-k
input (exact: down^k of i.i.d. noise is i.i.d. at sigma / 2^k). For an optimal teacher both
targets have the same conditional mean, so the optimum is unchanged, the target variance
falls, and the levels are tied to each other.

Also: class dropout for classifier-free guidance, EMA weights, resumable checkpoints, a fixed
seed, and a JSONL log of the loss per level. Stops after --minutes of wall time or --steps.

Usage:
  python3 tools/train/train.py --data .cache/dataset/emoji64.npz --out .cache/train/run \
      --minutes 7 --batch 256
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import down, load_dataset, load_safetensors  # noqa: E402
from model import EDMDenoiser, default_config  # noqa: E402

LEVEL_SHARE = [0.4, 0.25, 0.25, 0.10]
# ln(sigma_full) ~ N(mean, std) per level; level 0 is EDM's (-1.2, 1.2).
SIGMA_LOGNORMAL = [(-1.2, 1.2), (0.6, 1.2), (1.3, 1.1), (2.0, 1.0)]


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--out", default=".cache/train/run")
    ap.add_argument("--minutes", type=float, default=7.0, help="wall-clock training budget")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0 = time only)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--down", choices=["box", "dct"], default="box")
    ap.add_argument("--consistency", type=float, default=0.5, help="teacher share of the level-k target")
    ap.add_argument("--consistency-start", type=float, default=0.3, help="fraction of the budget before it starts")
    ap.add_argument("--class-dropout", type=float, default=0.1)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--ckpt-every", type=int, default=1000)
    ap.add_argument("--config", default="", help="JSON of architecture overrides")
    ap.add_argument("--init", default="", help="start from these EMA weights (ema.pt) with a fresh optimizer")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast (GPU)")
    a = ap.parse_args()
    for name in ("minutes", "lr", "batch"):
        if getattr(a, name) <= 0:
            ap.error(f"--{name} must be > 0, got {getattr(a, name)}")
    if not 0 <= a.consistency <= 1:
        ap.error(f"--consistency must be in [0, 1], got {a.consistency}")
    return a


def level_counts(batch):
    counts = [int(round(batch * s)) for s in LEVEL_SHARE]
    counts[0] += batch - sum(counts)
    return counts


def measure_sigma_data(x, op, levels):
    out, cur = [], x
    for _ in range(levels):
        out.append(float(cur.std()))
        cur = down(cur, op)
    return out


def main():
    a = parse()
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = False
    os.makedirs(a.out, exist_ok=True)
    x_all, labels_all, split, categories = load_dataset(a.data, dev)
    train = split == 0
    x_train, y_train = x_all[train], labels_all[train]
    cfg = default_config(len(categories))
    if a.config:
        cfg.update(json.loads(a.config))
    levels = cfg["numLevels"]
    sigma_data = measure_sigma_data(x_train, a.down, levels)
    model = EDMDenoiser(cfg, sigma_data).to(dev)
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.99), eps=1e-8)
    if a.init:
        state, prior_meta = load_init(a.init, dev)
        model.load_state_dict(state)
        ema.load_state_dict(state)
        print(f"initialised from {a.init} ({prior_meta['steps']} steps)", flush=True)
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    step, elapsed = 0, 0.0
    ckpt_path = os.path.join(a.out, "checkpoint.pt")
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        gen.set_state(ck["gen"].cpu() if dev.type == "cpu" else ck["gen"])
        print(f"resumed at step {step} ({elapsed:.0f}s)", flush=True)
    nparams = sum(p.numel() for p in model.parameters())
    counts = level_counts(a.batch)
    print(json.dumps({"params": nparams, "sigmaData": sigma_data, "levelCounts": counts, "train": int(train.sum()),
                      "device": str(dev), "cfg": cfg}), flush=True)
    budget = a.minutes * 60
    log = open(os.path.join(a.out, "train_log.jsonl"), "a")
    null_class = cfg["numClasses"]
    sd_t = torch.tensor(sigma_data, device=dev)
    t_start = time.time() - elapsed
    acc = {k: [] for k in range(levels)}
    images_seen = 0
    t_log = time.time()

    def frac():
        f = (time.time() - t_start) / budget
        if a.steps:
            f = max(f, step / a.steps)
        return min(f, 1.0)

    def first_step_ok():
        # bf16 autocast is checked on one tiny forward/backward; fall back to fp32 if it fails.
        if not a.bf16:
            return
        try:
            xb = x_train[:2]
            with torch.autocast(dev.type, dtype=torch.bfloat16):
                out = model(xb, torch.ones(2, device=dev), y_train[:2], torch.zeros(2, dtype=torch.long, device=dev))
            out.float().mean().backward()
            opt.zero_grad(set_to_none=True)
        except RuntimeError as e:
            print(f"bf16 autocast failed ({str(e)[:120]}); training in fp32", flush=True)
            a.bf16 = False
            opt.zero_grad(set_to_none=True)

    first_step_ok()
    while True:
        p = frac()
        if p >= 1.0:
            break
        lr = a.lr * min(1.0, (step + 1) / 200) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))
        for g in opt.param_groups:
            g["lr"] = lr
        alpha = a.consistency if p >= a.consistency_start else 0.0
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for k, n in enumerate(counts):
            if n == 0:
                continue
            idx = torch.randint(0, x_train.shape[0], (n,), device=dev, generator=gen)
            x0 = x_train[idx]
            lab = y_train[idx].clone()
            drop = torch.rand(n, device=dev, generator=gen) < a.class_dropout
            lab[drop] = null_class
            mu, sd = SIGMA_LOGNORMAL[k]
            sigma_full = torch.exp(mu + sd * torch.randn(n, device=dev, generator=gen)).clamp(0.002, 160.0)
            eps = torch.randn(x0.shape, device=dev, generator=gen)
            xt_full = x0 + sigma_full[:, None, None, None] * eps
            x0k = down(x0, a.down, k) if k else x0
            xtk = down(xt_full, a.down, k) if k else xt_full
            sig = sigma_full / 2 ** k
            target = x0k
            lvl = torch.full((n,), k, device=dev, dtype=torch.long)
            if k and alpha > 0:
                with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
                    teacher = ema(xt_full, sigma_full, lab, torch.zeros_like(lvl)).float()
                target = (1 - alpha) * x0k + alpha * down(teacher, a.down, k)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
                pred = model(xtk, sig, lab, lvl).float()
            sdk = sd_t[k]
            w = (sig ** 2 + sdk ** 2) / (sig * sdk) ** 2
            loss_per = (w[:, None, None, None] * (pred - target) ** 2).mean(dim=(1, 2, 3))
            loss = loss_per.sum() / a.batch
            loss.backward()
            total += float(loss.detach())
            acc[k].append(float(loss_per.mean().detach()))
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        images_seen += a.batch
        d = min(a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.lerp_(pm, 1 - d)
        if step % 100 == 0:
            now = time.time()
            rec = {"step": step, "t": round(now - t_start, 1), "lr": lr, "alpha": alpha,
                   "imgPerS": round(images_seen / (now - t_log), 1),
                   "lossByLevel": {k: round(float(np.mean(v)), 5) for k, v in acc.items() if v}}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
            acc = {k: [] for k in range(levels)}
            images_seen, t_log = 0, now
        if step % a.ckpt_every == 0:
            save_ckpt(ckpt_path, model, ema, opt, step, time.time() - t_start, gen)
    save_ckpt(ckpt_path, model, ema, opt, step, time.time() - t_start, gen)
    prior = load_init(a.init, "cpu")[1] if a.init else None
    meta = {"steps": step + (prior["steps"] if prior else 0), "initSteps": prior["steps"] if prior else 0,
            "stages": (prior.get("stages", [prior]) if prior else []) + [{"steps": step, "lr": a.lr, "batch": a.batch,
                                                                       "seconds": round(time.time() - t_start, 1)}], "seconds": round(time.time() - t_start, 1), "batch": a.batch, "lr": a.lr,
            "seed": a.seed, "downOperator": a.down, "consistency": a.consistency,
            "consistencyStart": a.consistency_start, "classDropout": a.class_dropout, "ema": a.ema,
            "levelShare": LEVEL_SHARE, "sigmaLogNormal": SIGMA_LOGNORMAL, "params": nparams,
            "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
            "sigmaData": sigma_data, "categories": categories, "cfg": cfg}
    torch.save({"ema": ema.state_dict(), "meta": meta}, os.path.join(a.out, "ema.pt"))
    with open(os.path.join(a.out, "train_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps({"done": meta["steps"], "seconds": meta["seconds"]}), flush=True)


def load_init(path, dev):
    """EMA weights to start from: an `ema.pt` of this script, or an exported model directory /
    `model.safetensors` (fp16, with its `config.json` beside it) such as the shipped model."""
    if path.endswith(".pt"):
        ck = torch.load(path, map_location=dev)
        return ck["ema"], ck["meta"]
    d = path if os.path.isdir(path) else os.path.dirname(path)
    cfg = json.load(open(os.path.join(d, "config.json")))
    weights = load_safetensors(os.path.join(d, cfg["weights"]["file"]))
    state = {f"net.{k}": torch.from_numpy(v.astype(np.float32)).to(dev) for k, v in weights.items()}
    sd = cfg["preconditioning"]["sigmaData"]
    state["sigma_data"] = torch.tensor(sd, dtype=torch.float32, device=dev)
    fd = cfg["architecture"]["fourierDim"]
    state["net.fourier_freqs"] = torch.exp(-math.log(10000.0) * torch.arange(fd // 2) / (fd // 2)).to(dev)
    meta = dict(cfg["training"])
    return state, meta


def save_ckpt(path, model, ema, opt, step, elapsed, gen):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                "elapsed": elapsed, "gen": gen.get_state()}, tmp)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
