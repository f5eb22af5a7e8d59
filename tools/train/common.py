"""Shared helpers: down operators (must match packages/resizers), safetensors I/O, data loading,
loading a model from a run or an exported directory."""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F


def dct_matrix(n: int, device=None) -> torch.Tensor:
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    c = torch.cos(torch.pi * (2 * i + 1) * k / (2 * n)) * (2.0 / n) ** 0.5
    c[0] /= 2 ** 0.5
    return c.to(device)


_DCT_CACHE = {}


def dct_down_matrix(n: int, device) -> torch.Tensor:
    """1-D DCT low-pass down operator d (n/2 x n): d d^T = I/2, so the 2-D D D^T = I/4."""
    key = (n, str(device))
    if key not in _DCT_CACHE:
        cn, cm = dct_matrix(n), dct_matrix(n // 2)
        _DCT_CACHE[key] = (cm.T @ cn[: n // 2] / 2 ** 0.5).float().to(device)
    return _DCT_CACHE[key]


def down(x: torch.Tensor, op: str, times: int = 1) -> torch.Tensor:
    """Level k -> k + times for NCHW tensors. 'box' = 2x2 average pooling, 'dct' = DCT low-pass."""
    for _ in range(times):
        if op == "box":
            x = F.avg_pool2d(x, 2)
        elif op == "dct":
            d = dct_down_matrix(x.shape[-1], x.device)
            x = torch.einsum("ab,ncbw->ncaw", d, x)
            x = torch.einsum("ab,nchb->ncha", d, x)
        else:
            raise ValueError(f"down operator {op!r} unknown (box, dct)")
    return x


def up_signal(x: torch.Tensor, op: str, times: int = 1) -> torch.Tensor:
    """U = 4 D^T (nearest for box)."""
    for _ in range(times):
        if op == "box":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        else:
            d = dct_down_matrix(x.shape[-1] * 2, x.device)
            x = 2 * torch.einsum("ab,ncaw->ncbw", d, x)
            x = 2 * torch.einsum("ab,ncha->nchb", d, x)
    return x


DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16), "I32": (np.int32, torch.int32)}


def save_safetensors(path: str, tensors: dict, metadata: dict | None = None):
    """Minimal safetensors writer (8-byte little-endian header size, JSON header, raw data)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        dt = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16", np.dtype(np.int32): "I32"}[a.dtype]
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    import os
    os.replace(tmp, path)


def load_safetensors(path: str) -> dict:
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        out[name] = np.frombuffer(data[s:e], dtype=DTYPES[info["dtype"]][0]).reshape(info["shape"]).copy()
    return out


def load_dataset(path: str, device):
    z = np.load(path)
    images = torch.from_numpy(z["images"]).to(device)  # N H W C uint8
    x = images.permute(0, 3, 1, 2).float() / 127.5 - 1.0
    labels = torch.from_numpy(z["labels"]).to(device)
    split = torch.from_numpy(z["split"].astype(np.int64)).to(device)
    return x, labels, split, [str(c) for c in z["categories"]]


def karras(n, smin=0.002, smax=80.0, rho=7.0):
    """Karras et al. (2022) sigma grid of n steps plus the final 0, as Python floats."""
    ramp = torch.linspace(0, 1, n)
    s = (smax ** (1 / rho) + ramp * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
    return [float(v) for v in s] + [0.0]


def psnr(a, b):
    """PSNR per image (NCHW, values in [-1, 1], so the peak-to-peak range is 2)."""
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3))
    return 10 * torch.log10(4.0 / mse.clamp_min(1e-12))


def guided_denoise(model, x, sigma_full, level, labels, guidance):
    """The model's prediction at `level` (per-pixel sigma sigma_full / 2^level) with classifier-free
    guidance: conditional and null-class halves in one batch, u + w (c - u); w = 1 runs once."""
    n, dev = x.shape[0], x.device
    s = torch.full((n,), sigma_full / 2 ** level, device=dev)
    lvl = torch.full((n,), level, device=dev, dtype=torch.long)
    if guidance == 1.0:
        return model(x, s, labels, lvl)
    null = torch.full_like(labels, model.net.cfg["numClasses"])
    out = model(torch.cat([x, x]), torch.cat([s, s]), torch.cat([labels, null]), torch.cat([lvl, lvl]))
    c, u = out[:n], out[n:]
    return u + guidance * (c - u)


def load_init(path, dev):
    """Weights and facts of a model to start from or to evaluate: an `ema.pt` of train.py (or a
    run directory holding one), or an exported model directory / its `model.safetensors` (fp16,
    with `config.json` beside it) such as the shipped model. Returns (state_dict, meta) where meta
    has at least `cfg`, `sigmaData`, `downOperator`, `categories` and `steps`."""
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "ema.pt")):
        path = os.path.join(path, "ema.pt")
    if path.endswith(".pt"):
        ck = torch.load(path, map_location=dev, weights_only=False)  # our own checkpoint (torch >= 2.6 defaults to weights_only)
        return ck["ema"], ck["meta"]
    d = path if os.path.isdir(path) else os.path.dirname(path)
    cfg_path = os.path.join(d, "config.json")
    if not os.path.exists(cfg_path):
        raise FileNotFoundError(f"{path}: neither an ema.pt, a run directory with one, nor a model directory with config.json")
    cfg = json.load(open(cfg_path))
    weights = load_safetensors(os.path.join(d, cfg["weights"]["file"]))
    state = {f"net.{k}": torch.from_numpy(v.astype(np.float32)).to(dev) for k, v in weights.items()}
    sd = cfg["preconditioning"]["sigmaData"]
    state["sigma_data"] = torch.tensor(sd, dtype=torch.float32, device=dev)
    fd = cfg["architecture"]["fourierDim"]
    state["net.fourier_freqs"] = torch.exp(-math.log(10000.0) * torch.arange(fd // 2) / (fd // 2)).to(dev)
    meta = dict(cfg.get("training", {}))
    meta.setdefault("steps", 0)
    meta.update(cfg=cfg["architecture"], sigmaData=sd, downOperator=cfg.get("downOperator", "box"),
                categories=cfg.get("classes", []), source=d, config=cfg)
    return state, meta


def load_model(path, dev):
    """An EDMDenoiser in eval mode from anything `load_init` takes, and its meta."""
    from model import EDMDenoiser
    state, meta = load_init(path, dev)
    model = EDMDenoiser(meta["cfg"], meta["sigmaData"]).to(dev)
    model.load_state_dict(state)
    return model.eval().requires_grad_(False), meta
