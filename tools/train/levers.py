#!/usr/bin/env python3
"""Sampling-side levers for upshifting, measured on a trained model (PyTorch, CPU or GPU).

Every variant starts from the same full-resolution noise z per image and is scored by its
paired PSNR against the same-seed full-resolution run (at 64 px, and at 16 px after two box
poolings, which isolates the coarse layout from the detail), mean and median over images.

Variants (see DESIGN.md, "where to upshift" and the levers it lists):

- `full-64steps`: the full-resolution run with twice the steps: the discretisation band, i.e.
  how far the measure moves without any resolution change;
- `oracle k@s`: full resolution throughout, except one exact round trip down^k then up^k
  (coupled noise) at full-resolution sigma s. No low-resolution model is involved, so this is
  what a perfectly level-consistent model would lose by dropping the detail at s: the ceiling
  that training can reach for that switch point;
- plans (level per step) with the exact coupled upshift, optionally
  `renoise g`: after each upshift, add fresh noise to go from sigma to (1 + g) sigma and step
  on from there (lets the finer model clean the blocky signal), or
  `reanchor`: after the last upshift, one extra full-resolution model call at sigma and the
  latent is rebuilt as D(x) + sigma * z_coupled (the run's own noise, as in the twin).
- samplers: Euler, or Heun (second order; first order on the step right after a switch).

Usage: /usr/bin/python3 tools/train/levers.py --run .cache/train/run --n 32 [--only "NAME;NAME"]
Writes one JSON line per variant to --out (default .cache/levers/results.jsonl) as it goes.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import down, guided_denoise, karras, load_model, psnr, up_signal  # noqa: E402


class Sampler:
    """Euler / Heun in sigma space across levels; sigma arguments are full-resolution sigmas."""

    def __init__(self, model, op, guidance, dev, seed=11):
        self.m, self.op, self.w, self.dev = model, op, guidance, dev
        self.calls = 0.0
        self.gen = torch.Generator(device=dev).manual_seed(seed)

    def D(self, x, s_full, level, labels):
        self.calls += 4.0 ** -level
        return guided_denoise(self.m, x, s_full, level, labels, self.w)

    def coupled(self, z, level):
        return down(z, self.op, level) * 2 ** level if level else z

    def up_exact(self, x, z, s_full, level):
        """Exact up from `level` to `level - 1` at full-res sigma s, coupled noise."""
        hi = s_full / 2 ** (level - 1)
        zz = self.coupled(z, level - 1)
        return up_signal(x, self.op) + hi * (zz - up_signal(down(zz, self.op), self.op))

    def run(self, z, labels, sigmas, plan, heun=False, renoise=0.0, reanchor=False, oracle=None):
        """plan[i] = level of step i. oracle = (step index, k): a down^k / up^k round trip there."""
        level = plan[0]
        x = sigmas[0] * self.coupled(z, level) / 2 ** level
        just_switched = False
        for i in range(len(sigmas) - 1):
            s, sn = sigmas[i], sigmas[i + 1]
            if oracle is not None and oracle[0] == i:
                k = oracle[1]
                x = down(x, self.op, k)
                for j in range(k, 0, -1):
                    x = self.up_exact(x, z, s, j)
            if plan[i] != level:
                while level > plan[i]:
                    x = self.up_exact(x, z, s, level)
                    level -= 1
                just_switched = True
                if renoise > 0:
                    s_up = s * (1 + renoise)
                    eps = torch.randn(x.shape, device=self.dev, generator=self.gen)
                    x = x + math.sqrt(s_up ** 2 - s ** 2) / 2 ** level * eps
                    s = s_up
                if reanchor and level == 0:
                    x = self.D(x, s, level, labels) + s * self.coupled(z, level)
            d = self.D(x, s, level, labels)
            slope = (x - d) / s
            x_next = x + (sn - s) * slope
            if heun and sn > 0 and not just_switched:
                d2 = self.D(x_next, sn, level, labels)
                x_next = x + (sn - s) * (slope + (x_next - d2) / sn) / 2
            just_switched = False
            x = x_next
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default=".cache/train/run", help="run directory (ema.pt), ema.pt, or exported model directory")
    ap.add_argument("--out", default=".cache/levers/results.jsonl")
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--guidance", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--only", default="", help="variant names separated by ;")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    model, meta = load_model(a.run, dev)
    op = meta["downOperator"]
    g = torch.Generator(device=dev).manual_seed(7)
    z = torch.randn((a.n, 3, 64, 64), device=dev, generator=g)
    lab = torch.arange(a.n, device=dev) % meta["cfg"]["numClasses"]
    sig = karras(a.steps)
    steps = range(a.steps)

    def plan(rule):
        return [rule(sig[i]) for i in steps]

    pyramid = plan(lambda s: 2 if s > 6.3 else 1 if s > 2 else 0)
    first_below = lambda t: next(i for i in steps if sig[i] <= t)  # noqa: E731
    variants = {
        "full-heun": dict(plan=[0] * a.steps, heun=True),
        "oracle 1@2": dict(plan=[0] * a.steps, oracle=(first_below(2), 1)),
        "oracle 2@2": dict(plan=[0] * a.steps, oracle=(first_below(2), 2)),
        "oracle 2@6.3": dict(plan=[0] * a.steps, oracle=(first_below(6.3), 2)),
        "oracle 1@6.3": dict(plan=[0] * a.steps, oracle=(first_below(6.3), 1)),
        "pyramid 2>6.3,1>2": dict(plan=pyramid),
        "pyramid heun": dict(plan=pyramid, heun=True),
        "pyramid renoise 0.1": dict(plan=pyramid, renoise=0.1),
        "pyramid renoise 0.3": dict(plan=pyramid, renoise=0.3),
        "pyramid reanchor": dict(plan=pyramid, reanchor=True),
        "half >2": dict(plan=plan(lambda s: 1 if s > 2 else 0)),
        "half >4": dict(plan=plan(lambda s: 1 if s > 4 else 0)),
        "half >8": dict(plan=plan(lambda s: 1 if s > 8 else 0)),
        "pyramid 2>12,1>4": dict(plan=plan(lambda s: 2 if s > 12 else 1 if s > 4 else 0)),
        "pyramid 2>20,1>6.3": dict(plan=plan(lambda s: 2 if s > 20 else 1 if s > 6.3 else 0)),
        "quarter >2 (seed rule)": dict(plan=plan(lambda s: 2 if s > 2 else 0)),
        "full-64steps": dict(plan=[0] * (2 * a.steps), sigmas=karras(2 * a.steps)),
    }
    only = [v for v in a.only.split(";") if v]
    unknown = [v for v in only if v not in variants]
    if unknown:
        sys.exit(f"--only: unknown variant(s) {unknown}; known: {sorted(variants)}")
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with torch.no_grad():
        ref_sampler = Sampler(model, op, a.guidance, dev)
        t0 = time.time()
        ref = ref_sampler.run(z, lab, sig, [0] * a.steps).clamp(-1, 1)
        ref_s = time.time() - t0
        ref_calls = ref_sampler.calls
        for name, v in variants.items():
            if only and name not in only:
                continue
            smp = Sampler(model, op, a.guidance, dev)
            t0 = time.time()
            out = smp.run(z, lab, v.get("sigmas", sig), v["plan"], heun=v.get("heun", False),
                          renoise=v.get("renoise", 0.0), reanchor=v.get("reanchor", False),
                          oracle=v.get("oracle")).clamp(-1, 1)
            p64 = psnr(out, ref)
            p16 = psnr(down(out, "box", 2), down(ref, "box", 2))
            row = {
                "variant": name,
                "costFraction": round(smp.calls / ref_calls, 3),
                "psnr64": {"mean": round(float(p64.mean()), 2), "median": round(float(p64.median()), 2)},
                "psnr16": {"mean": round(float(p16.mean()), 2), "median": round(float(p16.median()), 2)},
                "seconds": round(time.time() - t0, 1),
                "n": a.n, "steps": a.steps, "guidance": a.guidance, "refSeconds": round(ref_s, 1),
            }
            print(json.dumps(row), flush=True)
            with open(a.out, "a") as f:
                f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
