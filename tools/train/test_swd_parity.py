#!/usr/bin/env python3
"""Checks tools/train/swd.py against @upshift/metrics on the same images (needs Node.js and the
repo's node_modules; run from the repo root): class-matched reference draws must be the same
indices, SWD per level the same to 1e-6 relative, for unequal set sizes and every normalisation.

Usage: /usr/bin/python3 tools/train/test_swd_parity.py [--n 40 --pool 90]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_dataset  # noqa: E402
from swd import draw_class_matched_reference, image_swd, swd_over_draws  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--n", type=int, default=27, help="test images (labels i % 9, noisy held-out images)")
    ap.add_argument("--pool", type=int, default=0, help="held-out pool size (0 = all)")
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    x, labels, split, cats = load_dataset(a.data, "cpu")
    held = (split == 1).numpy()
    pool = x.numpy()[held].transpose(0, 2, 3, 1).astype(np.float32)
    pool_labels = labels.numpy()[held].astype(int)
    if a.pool:
        pool, pool_labels = pool[: a.pool], pool_labels[: a.pool]
    rng = np.random.default_rng(0)
    target = [i % len(cats) for i in range(a.n)]
    # A test set that is not the reference: training images, blurred and noised a little.
    train = x.numpy()[~held][: a.n].transpose(0, 2, 3, 1)
    test = np.clip(train + 0.05 * rng.standard_normal(train.shape), -1, 1).astype(np.float32)
    with tempfile.TemporaryDirectory() as d:
        test.tofile(f"{d}/test.f32")
        pool.tofile(f"{d}/pool.f32")
        json.dump({"test": {"file": f"{d}/test.f32", "shape": list(test.shape)},
                   "pool": {"file": f"{d}/pool.f32", "shape": list(pool.shape), "labels": pool_labels.tolist()},
                   "targetLabels": target, "draws": a.draws, "seed": a.seed}, open(f"{d}/spec.json", "w"))
        t0 = time.time()
        ts = json.loads(subprocess.run(["node", "--import", "@oxc-node/core/register", "tools/train/swd-parity.ts",
                                        f"{d}/spec.json"], check=True, capture_output=True, text=True).stdout)
        t_ts = time.time() - t0
    t0 = time.time()
    draws = draw_class_matched_reference(pool_labels, target, seed=a.seed, draws=a.draws)
    py = swd_over_draws(test, [pool[i] for i in draws], seed=a.seed)
    direct = {n: image_swd(test, pool, normalize=n, seed=3) for n in ("reference", "union", "per-set")}
    t_py = time.time() - t0
    worst = 0.0
    ok = draws == ts["draws"]
    print(f"class-matched draws identical: {ok}")
    for k, (p, t) in enumerate(zip(py["levels"], ts["overDraws"]["levels"])):
        for pv, tv in zip(p["values"], t["values"]):
            worst = max(worst, abs(pv - tv) / abs(tv))
        print(f"over draws, {p['side']} px: python {1e3 * p['mean']:.6f} ts {1e3 * t['mean']:.6f} (x1e3)")
    for n in direct:
        for p, t in zip(direct[n], ts["direct"][n]):
            worst = max(worst, abs(p["distance"] - t["distance"]) / abs(t["distance"]))
            print(f"{n:>9}, {p['side']} px, test {len(test)} vs pool {len(pool)}: python {1e3 * p['distance']:.6f} "
                  f"ts {1e3 * t['distance']:.6f}")
    print(f"worst relative difference {worst:.2e}; python {t_py:.1f} s, node {t_ts:.1f} s")
    sys.exit(0 if ok and worst < 1e-6 else 1)


if __name__ == "__main__":
    main()
