#!/usr/bin/env python3
"""Exports a trained EMA model for packages/models:
  config.json        architecture, EDM preconditioning (per-level sigma_data), classes, down
                     operator, the dataset spectrum, training facts, FLOPs per level
  model.safetensors  fp16 weights, PyTorch layout (OIHW convs, (out, in) linears)
  parity.safetensors inputs and fp32 outputs at every level, a few sigmas and classes,
                     computed on the CPU from the fp16-rounded weights (what tfjs loads)

Usage: python3 tools/train/export.py --run .cache/train/run --out packages/models/assets/emoji-unet
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import save_safetensors  # noqa: E402
from model import EDMDenoiser, count_flops  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default=".cache/train/run")
    ap.add_argument("--out", default="packages/models/assets/emoji-unet")
    ap.add_argument("--spectrum-dir", default=".cache/dataset")
    ap.add_argument("--name", default="emoji-unet")
    a = ap.parse_args()
    ck = torch.load(os.path.join(a.run, "ema.pt"), map_location="cpu", weights_only=False)  # our own checkpoint (torch >= 2.6 defaults to weights_only)
    meta = ck["meta"]
    cfg = meta["cfg"]
    model = EDMDenoiser(cfg, meta["sigmaData"])
    model.load_state_dict(ck["ema"])
    # Round to fp16 (what ships), then run fp32 on the CPU for the parity file.
    weights = {}
    for name, p in model.net.named_parameters():
        half = p.detach().to(torch.float16)
        weights[name] = half.numpy()
        p.data.copy_(half.float())
    os.makedirs(a.out, exist_ok=True)
    save_safetensors(os.path.join(a.out, "model.safetensors"), weights, {"format": "pt", "producer": "upshift"})
    spectrum = json.load(open(os.path.join(a.spectrum_dir, f"spectrum-{meta['downOperator']}.json")))
    config = {
        "format": "upshift-model",
        "version": 1,
        "name": a.name,
        "architecture": cfg,
        "preconditioning": {"type": "edm", "sigmaData": meta["sigmaData"], "cNoise": "log(sigma) / 4"},
        "resolution": 64,
        "dataRange": [-1, 1],
        "classes": meta["categories"],
        "nullClass": cfg["numClasses"],
        "downOperator": meta["downOperator"],
        "weights": {"file": "model.safetensors", "dtype": "F16", "layout": "pytorch"},
        "flops": {str(k): count_flops(cfg, 64 >> k, 64 >> k, k) for k in range(cfg["numLevels"])},
        "training": {k: v for k, v in meta.items() if k not in ("cfg", "categories", "sigmaData", "sampling")},
        "spectrum": spectrum,
        "license": "Weights trained on Noto Emoji (Apache-2.0) from emoji-datasource-google 16.0.0; see NOTICE.",
    }
    if meta.get("sampling"):  # recommended sampling settings carried over from the model it continued
        config["sampling"] = meta["sampling"]
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    torch.manual_seed(1234)
    model.eval()
    parity = {}
    null = cfg["numClasses"]
    with torch.no_grad():
        for k in range(cfg["numLevels"]):
            s = 64 >> k
            sig = torch.tensor([0.02, 0.3, 2.0, 20.0]) / 2 ** k
            lab = torch.tensor([0, 3, null, cfg["numClasses"] - 1])
            x = torch.randn(4, 3, s, s) * torch.sqrt(sig[:, None, None, None] ** 2 + 0.25) + 0.3
            y = model(x, sig, lab, torch.full((4,), k))
            parity[f"level{k}.x"] = x.permute(0, 2, 3, 1).numpy().astype(np.float32)
            parity[f"level{k}.sigma"] = sig.numpy().astype(np.float32)
            parity[f"level{k}.label"] = lab.numpy().astype(np.int32)
            parity[f"level{k}.out"] = y.permute(0, 2, 3, 1).numpy().astype(np.float32)
    save_safetensors(os.path.join(a.out, "parity.safetensors"), parity)
    size = os.path.getsize(os.path.join(a.out, "model.safetensors"))
    print(json.dumps({"out": a.out, "weightsBytes": size, "params": int(sum(w.size for w in weights.values()))}))


if __name__ == "__main__":
    main()
