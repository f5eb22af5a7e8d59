#!/usr/bin/env python3
"""Multi-resolution EDM training for the Upshift UNet.

Every step draws a fixed share of the batch at each resolution level k (side 64 / 2^k). The
level-k image is made with the SAME down operator the pipeline's resizer uses (box average
pooling by default, the DCT low-pass pair as an option) and noised at a per-pixel sigma drawn
for that level: the pipeline calls level k with sigma_full / 2^k, so sigma_full is drawn from
the range where policies run that level and divided by 2^k.

Level consistency: for k >= 1 the regression target mixes down^k(x0) with down^k of the
teacher's level-0 prediction on the *full-resolution* noisy image whose down^k is the level-k
input (exact: down^k of i.i.d. noise is i.i.d. at sigma / 2^k):
    loss_k = w || D_k - ((1 - a) down^k x0 + a down^k T_0(x_t)) ||^2
           = (1 - a) w || D_k - down^k x0 ||^2 + a w || D_k - down^k T_0(x_t) ||^2 + const.
For an optimal teacher both targets have the same conditional mean, so the optimum is
unchanged, the target variance falls, and the levels are tied to each other. T is the EMA
model (`--teacher ema`) or the model itself without gradient (`online`). With level adapters
(`--level-adapters R`, architecture v2: capacity that only levels >= 1 run through) and
`--consistency-grad level`, the consistency part's gradient reaches only the adapters and the
level embedding, so the weights level 0 shares are trained on data alone.

Throughput (see --benchmark): bf16 autocast, channels-last, the data set resident on the device
with augmentation there, a fused Adam, torch.compile where the installed PyTorch has it (its
warm-up counts against --minutes and is logged), one teacher pass for all low levels, foreach
EMA / clipping, and no host sync except every --log-every steps. `--legacy` restores the
previous step exactly (for the side-by-side numbers).

Also: class dropout for classifier-free guidance, EMA weights, resumable checkpoints, a fixed
seed, and a JSONL log of the loss per level. Stops after --minutes of wall time or --steps.

Usage:
  python3 tools/train/train.py --data .cache/dataset/emoji64.npz --out .cache/train/run \\
      --minutes 7 --batch 256
  python3 tools/train/train.py --benchmark 20 --batch 512      # images/s, old vs new settings
"""
import argparse
import copy
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import down, load_dataset, load_init  # noqa: E402
from model import EDMDenoiser, adapter_rank, default_config, with_level_adapters  # noqa: E402

LEVEL_SHARE = [0.4, 0.25, 0.25, 0.10]
# ln(sigma_full) ~ N(mean, std) per level; level 0 is EDM's (-1.2, 1.2).
SIGMA_LOGNORMAL = [(-1.2, 1.2), (0.6, 1.2), (1.3, 1.1), (2.0, 1.0)]


@dataclass(frozen=True)
class Speed:
    """How a step runs. None of these changes what is computed beyond float rounding
    (`tools/train/test_speed_options.py` checks that on a CPU)."""
    bf16: bool = False            # bf16 autocast for forward passes
    channels_last: bool = False   # NHWC memory format for model and inputs
    compile: bool = False         # torch.compile of the student and the teacher
    compile_mode: str = "default"
    fused_adam: bool = False      # Adam(fused=True) where supported, else foreach
    foreach: bool = False         # multi-tensor EMA update and gradient clipping
    batched_teacher: bool = False  # one teacher pass for all levels >= 1 (instead of one per level)
    lazy_sync: bool = False       # keep losses on the device; read them only when logging
    cudnn_benchmark: bool = False

    def label(self):
        on = [k for k, v in asdict(self).items() if v is True]
        return ",".join(on) or "eager fp32"


OLD_SPEED = Speed()  # the settings of the shipped run


def new_speed(dev, compile_opt="auto", compile_mode="default", channels_last="auto"):
    cuda = dev.type == "cuda"
    has_compile = hasattr(torch, "compile")
    comp = {"on": True, "off": False, "auto": cuda and has_compile}[compile_opt]
    if comp and not has_compile:
        raise SystemExit(f"--compile on: torch {torch.__version__} has no torch.compile")
    return Speed(bf16=True, channels_last={"on": True, "off": False, "auto": cuda}[channels_last], compile=comp,
                 compile_mode=compile_mode, fused_adam=True, foreach=True, batched_teacher=True, lazy_sync=True,
                 cudnn_benchmark=cuda)


def apply_ablations(speed, names):
    """`new-no-compile,new-no-bf16,...`: the new settings with one option off."""
    fields = {f.replace("_", "-"): f for f in asdict(speed)}
    for n in names:
        if n not in fields:
            raise SystemExit(f"--benchmark-variants: unknown option {n!r} (known: {sorted(fields)})")
        speed = replace(speed, **{fields[n]: False})
    return speed


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=".cache/dataset/emoji64.npz")
    ap.add_argument("--out", default=".cache/train/run")
    ap.add_argument("--minutes", type=float, default=7.0, help="wall-clock budget (compile warm-up included)")
    ap.add_argument("--steps", type=int, default=0, help="stop after this many steps (0 = time only)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--warmup", type=int, default=200, help="linear lr warm-up steps")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--down", choices=["box", "dct"], default="box")
    ap.add_argument("--consistency", type=float, default=0.5, help="teacher share a of the level-k target")
    ap.add_argument("--consistency-start", type=float, default=0.3, help="fraction of the budget before it starts")
    ap.add_argument("--teacher", choices=["ema", "online"], default="ema",
                    help="level-0 prediction the low levels are pulled toward: EMA model or the model itself (no grad)")
    ap.add_argument("--consistency-grad", choices=["all", "level"], default="all",
                    help="parameters the consistency part trains: all, or only level adapters + level embedding")
    ap.add_argument("--level-adapters", type=int, default=-1,
                    help="rank of per-level adapters (architecture v2); 0 = none; -1 = as the init model / config")
    ap.add_argument("--adapter-lr-mult", type=float, default=1.0,
                    help="learning-rate multiplier of the level adapters (they start at zero)")
    ap.add_argument("--class-dropout", type=float, default=0.1)
    ap.add_argument("--hflip", type=float, default=0.0, help="probability of a horizontal flip (on the device)")
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--ckpt-every", type=int, default=1000)
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--config", default="", help="JSON of architecture overrides (new model only)")
    ap.add_argument("--init", default="", help="start from: ema.pt, a run directory, or an exported model directory")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    ap.add_argument("--legacy", action="store_true", help="the previous step: fp32, eager, per-level teacher, syncs")
    ap.add_argument("--bf16", action="store_true", help="with --legacy: bf16 autocast (what the shipped run used)")
    ap.add_argument("--compile", choices=["auto", "on", "off"], default="auto",
                    help="torch.compile (auto: on a GPU when the installed torch has it)")
    ap.add_argument("--compile-mode", default="default", help="torch.compile mode (default, max-autotune-no-cudagraphs, ...)")
    ap.add_argument("--channels-last", choices=["auto", "on", "off"], default="auto")
    ap.add_argument("--no", default="", help="comma list of new-setting options to switch off, e.g. bf16,compile")
    ap.add_argument("--benchmark", type=float, default=0.0,
                    help="print images/s of the old and new settings, SECONDS of timed steps each (no training)")
    ap.add_argument("--benchmark-variants", default="old,new",
                    help="comma list: old, new, new-no-OPTION (e.g. new-no-compile)")
    a = ap.parse_args(argv)
    for name in ("minutes", "lr", "batch"):
        if getattr(a, name) <= 0:
            ap.error(f"--{name} must be > 0, got {getattr(a, name)}")
    for name in ("consistency", "consistency_start", "class_dropout", "hflip"):
        if not 0 <= getattr(a, name) <= 1:
            ap.error(f"--{name.replace('_', '-')} must be in [0, 1], got {getattr(a, name)}")
    if a.batch < len(LEVEL_SHARE) * 2:
        ap.error(f"--batch must be >= {len(LEVEL_SHARE) * 2} (a few images per level), got {a.batch}")
    if a.adapter_lr_mult <= 0:
        ap.error(f"--adapter-lr-mult must be > 0, got {a.adapter_lr_mult}")
    if a.level_adapters < -1:
        ap.error(f"--level-adapters must be >= 0 (or -1 = keep), got {a.level_adapters}")
    if a.consistency_grad == "level" and a.level_adapters == 0:
        ap.error("--consistency-grad level needs level adapters (--level-adapters R > 0)")
    if a.benchmark < 0:
        ap.error(f"--benchmark must be >= 0 seconds, got {a.benchmark}")
    if a.init and not os.path.exists(a.init):
        ap.error(f"--init {a.init}: no such file or directory")
    if not os.path.exists(a.data):
        ap.error(f"--data {a.data}: no such file (build it with tools/dataset/build_dataset.py)")
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


def build_model(a, data, dev, num_classes):
    """The model (and its meta of the init, if any): config from the init or default + --config,
    level adapters added (zero, so the function is unchanged) when asked."""
    prior = None
    if a.init:
        state, prior = load_init(a.init, dev)
        cfg, sigma_data = dict(prior["cfg"]), prior["sigmaData"]
        if prior.get("downOperator", a.down) != a.down:
            raise SystemExit(f"--down {a.down} but the init model was trained with {prior['downOperator']}")
    else:
        cfg = default_config(num_classes)
        if a.config:
            cfg.update(json.loads(a.config))
        sigma_data = measure_sigma_data(data[0], a.down, cfg["numLevels"])
    have = adapter_rank(cfg)
    if a.level_adapters >= 0 and a.level_adapters != have:
        if have and a.init:
            raise SystemExit(f"--level-adapters {a.level_adapters}: the init model has rank {have}")
        cfg = with_level_adapters(cfg, a.level_adapters)
    if a.consistency_grad == "level" and not adapter_rank(cfg):
        raise SystemExit("--consistency-grad level needs level adapters (--level-adapters R)")
    model = EDMDenoiser(cfg, sigma_data).to(dev)
    if prior is not None:
        res = model.load_state_dict(state, strict=False)
        bad = [k for k in res.missing_keys if ".adapter." not in k]
        if bad or res.unexpected_keys:
            raise SystemExit(f"--init {a.init}: weights do not fit the architecture (missing {bad[:3]}, "
                             f"unexpected {res.unexpected_keys[:3]})")
        if res.missing_keys:
            print(f"level adapters (rank {adapter_rank(cfg)}) added at zero: {len(res.missing_keys)} tensors", flush=True)
    return model, cfg, sigma_data, prior


def level_parameters(model):
    return [p for n, p in model.named_parameters() if ".adapter." in n or n.endswith("level_emb.weight")]


class Trainer:
    """One training state (model, EMA, optimizer, data, generator) and its step, run with the
    given Speed settings."""

    def __init__(self, a, speed, model, data, dev):
        self.a, self.s, self.dev = a, speed, dev
        self.x_train, self.y_train = data
        if speed.channels_last:
            model = model.to(memory_format=torch.channels_last)
        self.model = model
        self.ema = copy.deepcopy(model).eval().requires_grad_(False)
        self.cfg = model.net.cfg
        self.levels = self.cfg["numLevels"]
        self.counts = level_counts(a.batch)[: self.levels]
        self.counts[0] += a.batch - sum(self.counts)
        self.null_class = self.cfg["numClasses"]
        self.sd = model.sigma_data.detach().clone()
        self.params = list(model.parameters())
        self.level_params = level_parameters(model) if a.consistency_grad == "level" else []
        self.opt, self.opt_kind = self.make_optimizer()
        self.gen = torch.Generator(device=dev).manual_seed(a.seed)
        self.student, self.teacher_net = model, self.ema
        self.compiled = False
        if speed.compile:
            try:  # one graph per level and mode; the default limit (8) is close
                cfg_d = torch._dynamo.config
                for name in ("cache_size_limit", "recompile_limit"):
                    if hasattr(cfg_d, name):
                        setattr(cfg_d, name, max(getattr(cfg_d, name), 32))
            except AttributeError:
                pass
            self.student = torch.compile(model, mode=speed.compile_mode, dynamic=False)
            self.teacher_net = torch.compile(self.ema, mode=speed.compile_mode, dynamic=False)
            self.compiled = True
        self.loss_acc = torch.zeros(self.levels, device=dev)
        self.loss_n = 0

    def make_optimizer(self):
        kw = dict(lr=self.a.lr, betas=(0.9, 0.99), eps=1e-8)
        groups = [{"params": self.params, "lr_mult": 1.0}]
        if self.a.adapter_lr_mult != 1.0:
            ad = {id(p) for n, p in self.model.named_parameters() if ".adapter." in n}
            groups = [{"params": [p for p in self.params if id(p) not in ad], "lr_mult": 1.0},
                      {"params": [p for p in self.params if id(p) in ad], "lr_mult": self.a.adapter_lr_mult}]
            groups = [g for g in groups if g["params"]]
        if self.s.fused_adam and self.dev.type == "cuda":  # (a CPU has a fused Adam only from torch 2.4)
            try:
                return torch.optim.Adam(groups, fused=True, **kw), "fused"
            except (RuntimeError, TypeError, ValueError):
                pass
        if self.s.fused_adam or self.s.foreach:
            return torch.optim.Adam(groups, foreach=True, **kw), "foreach"
        return torch.optim.Adam(groups, **kw), "for-loop"

    def fmt(self, x):
        return x.contiguous(memory_format=torch.channels_last) if self.s.channels_last else x

    def autocast(self):
        return torch.autocast(self.dev.type, dtype=torch.bfloat16, enabled=self.s.bf16)

    def draw(self, k, n):
        """Images, labels (with class dropout), full-res sigma and noisy full-res image for level k."""
        a, dev, gen = self.a, self.dev, self.gen
        idx = torch.randint(0, self.x_train.shape[0], (n,), device=dev, generator=gen)
        x0 = self.x_train[idx]
        if a.hflip > 0:
            flip = torch.rand(n, device=dev, generator=gen) < a.hflip
            x0 = torch.where(flip[:, None, None, None], x0.flip(3), x0)
        lab = self.y_train[idx].clone()
        drop = torch.rand(n, device=dev, generator=gen) < a.class_dropout
        lab[drop] = self.null_class
        mu, sd = SIGMA_LOGNORMAL[k]
        sigma_full = torch.exp(mu + sd * torch.randn(n, device=dev, generator=gen)).clamp(0.002, 160.0)
        eps = torch.randn(x0.shape, device=dev, generator=gen)
        return x0, lab, sigma_full, x0 + sigma_full[:, None, None, None] * eps

    def teacher(self, xt_full, sigma_full, lab):
        net = self.student if self.a.teacher == "online" else self.teacher_net
        zero = torch.zeros(len(lab), dtype=torch.long, device=self.dev)
        with torch.no_grad(), self.autocast():
            return net(self.fmt(xt_full), sigma_full, lab, zero, level_hint=0).float()

    def step(self, lr, alpha):
        a, op = self.a, self.a.down
        for g in self.opt.param_groups:
            g["lr"] = lr * g.get("lr_mult", 1.0)
        self.opt.zero_grad(set_to_none=True)
        drawn = [self.draw(k, n) if n else None for k, n in enumerate(self.counts)]
        teach = {}
        if alpha > 0 and self.s.batched_teacher:
            ks = [k for k in range(1, self.levels) if drawn[k] is not None]
            if ks:
                out = self.teacher(torch.cat([drawn[k][3] for k in ks]), torch.cat([drawn[k][2] for k in ks]),
                                   torch.cat([drawn[k][1] for k in ks]))
                for k, t in zip(ks, out.split([self.counts[k] for k in ks])):
                    teach[k] = t
        total = None
        for k, d in enumerate(drawn):
            if d is None:
                continue
            x0, lab, sigma_full, xt_full = d
            n = len(lab)
            x0k = down(x0, op, k) if k else x0
            xtk = down(xt_full, op, k) if k else xt_full
            sig = sigma_full / 2 ** k
            target = x0k
            if k and alpha > 0:
                t = teach[k] if k in teach else self.teacher(xt_full, sigma_full, lab)
                target = (1 - alpha) * x0k + alpha * down(t, op, k)
            lvl = torch.full((n,), k, device=self.dev, dtype=torch.long)
            with self.autocast():
                pred = self.student(self.fmt(xtk), sig, lab, lvl, level_hint=k).float()
            sdk = self.sd[k]
            w = ((sig ** 2 + sdk ** 2) / (sig * sdk) ** 2)[:, None, None, None]
            if self.level_params and k and alpha > 0:
                # Shared weights learn level k from data only; the consistency part,
                # w (||D - target||^2 - ||D - x0||^2), reaches the level-specific weights only.
                den = (w * (pred - x0k) ** 2).mean(dim=(1, 2, 3))
                loss_per = (w * (pred - target) ** 2).mean(dim=(1, 2, 3))
                grads = torch.autograd.grad((loss_per - den).sum() / a.batch, self.level_params,
                                            retain_graph=True, allow_unused=True)
                (den.sum() / a.batch).backward()
                for p, g in zip(self.level_params, grads):
                    if g is not None:
                        p.grad = g if p.grad is None else p.grad + g
            else:
                loss_per = (w * (pred - target) ** 2).mean(dim=(1, 2, 3))
                (loss_per.sum() / a.batch).backward()
            if self.s.lazy_sync:
                self.loss_acc[k] += loss_per.detach().mean()
            else:
                self.loss_acc[k] += float(loss_per.mean().detach())
        if self.s.foreach:
            try:
                torch.nn.utils.clip_grad_norm_(self.params, 1.0, foreach=True)
            except TypeError:  # torch < 2.0: no foreach argument
                torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        else:
            torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.loss_n += 1

    def update_ema(self, step):
        d = min(self.a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            e = list(self.ema.parameters())
            if self.s.foreach:
                m = list(self.model.parameters())
                if hasattr(torch, "_foreach_lerp_"):
                    torch._foreach_lerp_(e, m, 1 - d)
                else:
                    torch._foreach_mul_(e, d)
                    torch._foreach_add_(e, m, alpha=1 - d)
            else:
                for pe, pm in zip(e, self.model.parameters()):
                    pe.lerp_(pm, 1 - d)

    def take_losses(self):
        """Mean loss per level since the last call (one host sync)."""
        v = (self.loss_acc / max(self.loss_n, 1)).tolist()
        self.loss_acc.zero_()
        self.loss_n = 0
        return {k: x for k, x in enumerate(v) if self.counts[k]}

    def sync(self):
        if self.dev.type == "cuda":
            torch.cuda.synchronize()


def lr_at(a, step, p):
    return a.lr * min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def setup(a):
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    x_all, labels_all, split, categories = load_dataset(a.data, dev)
    train = split == 0
    return dev, (x_all[train].contiguous(), labels_all[train].contiguous()), categories, int(train.sum())


def speed_for(a, dev):
    if a.legacy:
        return replace(OLD_SPEED, bf16=a.bf16)
    s = new_speed(dev, a.compile, a.compile_mode, a.channels_last)
    return apply_ablations(s, [n for n in a.no.split(",") if n])


def benchmark(a):
    """Images/s of each variant on the same model, SECONDS of timed steps each after a warm-up
    (which for compiled variants includes the compilation, reported separately)."""
    dev, data, categories, _ = setup(a)
    rows = []
    for name in [v for v in a.benchmark_variants.split(",") if v]:
        if name == "old":
            speed = OLD_SPEED
        elif name == "old-bf16":
            speed = replace(OLD_SPEED, bf16=True)  # the shipped run's actual settings
        elif name == "new" or name.startswith("new-no-"):
            speed = new_speed(dev, a.compile, a.compile_mode, a.channels_last)
            speed = apply_ablations(speed, [n for n in name[len("new-no-"):].split("+") if n] if name != "new" else [])
        else:
            raise SystemExit(f"--benchmark-variants: unknown variant {name!r} (old, old-bf16, new, new-no-OPTION[+OPTION])")
        torch.manual_seed(a.seed)
        model, _, _, _ = build_model(a, data, dev, len(categories))
        tr = Trainer(a, speed, model.train(), data, dev)
        if speed.cudnn_benchmark and dev.type == "cuda":
            torch.backends.cudnn.benchmark = True
        else:
            torch.backends.cudnn.benchmark = False
        t0 = time.time()
        try:
            for i in range(3):  # warm-up: compilation, cuDNN autotuning, allocator
                tr.step(a.lr, a.consistency)
                tr.update_ema(i)
            tr.sync()
        except Exception as e:  # noqa: BLE001 - report the variant as failed, measure the others
            row = {"variant": name, "error": f"{type(e).__name__}: {str(e)[:300]}", "settings": speed.label()}
            rows.append(row)
            print(json.dumps(row), flush=True)
            del tr, model
            continue
        warm = time.time() - t0
        steps, t0 = 0, time.time()
        while time.time() - t0 < a.benchmark or steps < 2:
            tr.step(a.lr, a.consistency)
            tr.update_ema(steps)
            steps += 1
            if steps % 10 == 0:
                tr.sync()
        tr.sync()
        dt = time.time() - t0
        row = {"variant": name, "imgPerS": round(steps * a.batch / dt, 1), "msPerStep": round(1000 * dt / steps, 2),
               "steps": steps, "warmupSeconds": round(warm, 1), "batch": a.batch, "optimizer": tr.opt_kind,
               "settings": speed.label(), "loss": {k: round(v, 5) for k, v in tr.take_losses().items()}}
        rows.append(row)
        print(json.dumps(row), flush=True)
        del tr, model
        if dev.type == "cuda":
            torch.cuda.empty_cache()
    ok = [r for r in rows if "imgPerS" in r]
    base = ok[0]["imgPerS"] if ok else float("nan")
    dname = torch.cuda.get_device_name(0) if dev.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"\nimages/s, batch {a.batch}, consistency teacher on, {dname}, torch {torch.__version__}")
    print(f"{'variant':<20}{'img/s':>10}{'ratio':>8}{'warm-up s':>11}  settings (ratio to {ok[0]['variant'] if ok else '-'})")
    for r in rows:
        if "error" in r:
            print(f"{r['variant']:<20}  failed: {r['error']}")
            continue
        print(f"{r['variant']:<20}{r['imgPerS']:>10.1f}{r['imgPerS'] / base:>8.2f}{r['warmupSeconds']:>11.1f}  {r['settings']}")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "benchmark.json"), "w") as f:
            json.dump({"device": dname, "torch": torch.__version__, "rows": rows}, f, indent=1)
    return rows


def main(argv=None):
    a = parse(argv)
    if a.benchmark:
        return benchmark(a)
    dev, data, categories, n_train = setup(a)
    speed = speed_for(a, dev)
    torch.backends.cudnn.benchmark = speed.cudnn_benchmark and dev.type == "cuda"
    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()
    model, cfg, sigma_data, prior = build_model(a, data, dev, len(categories))
    tr = Trainer(a, speed, model, data, dev)
    step, elapsed = 0, 0.0
    ckpt_path = os.path.join(a.out, "checkpoint.pt")
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=dev, weights_only=False)  # our own checkpoint (torch >= 2.6 defaults to weights_only)
        model.load_state_dict(ck["model"])
        tr.ema.load_state_dict(ck["ema"])
        tr.opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck["elapsed"]
        tr.gen.set_state(ck["gen"].cpu() if dev.type == "cpu" else ck["gen"])
        print(f"resumed at step {step} ({elapsed:.0f}s)", flush=True)
    if prior is not None:
        print(f"initialised from {a.init} ({prior.get('steps', 0)} steps)", flush=True)
    nparams = sum(p.numel() for p in model.parameters())
    print(json.dumps({"params": nparams, "sigmaData": sigma_data, "levelCounts": tr.counts, "train": n_train,
                      "device": str(dev), "torch": torch.__version__, "speed": asdict(speed), "optimizer": tr.opt_kind,
                      "cfg": cfg}), flush=True)
    budget = a.minutes * 60
    log = open(os.path.join(a.out, "train_log.jsonl"), "a")
    t_start -= elapsed
    images_seen, images_total, t_log = 0, 0, time.time()
    first_step_s = None

    def frac():
        f = (time.time() - t_start) / budget
        if a.steps:
            f = max(f, step / a.steps)
        return min(f, 1.0)

    if speed.bf16 and dev.type == "cuda" and not torch.cuda.is_bf16_supported():
        print("bf16 not supported on this GPU; training in fp32", flush=True)
        tr.s = speed = replace(speed, bf16=False)
    while True:
        p = frac()
        if p >= 1.0:
            break
        lr = lr_at(a, step, p)
        alpha = a.consistency if p >= a.consistency_start else 0.0
        t_step = time.time()
        try:
            tr.step(lr, alpha)
        except Exception as e:  # compile failures surface on the first call: fall back to eager
            if not (tr.compiled and step == 0 and first_step_s is None):
                raise
            print(f"torch.compile failed ({type(e).__name__}: {str(e)[:200]}); continuing eager", flush=True)
            tr.student, tr.teacher_net, tr.compiled = tr.model, tr.ema, False
            tr.s = speed = replace(speed, compile=False)
            tr.opt.zero_grad(set_to_none=True)
            continue
        step += 1
        images_seen += a.batch
        images_total += a.batch
        tr.update_ema(step)
        if first_step_s is None:
            tr.sync()
            first_step_s = time.time() - t_step
            print(json.dumps({"firstStepSeconds": round(first_step_s, 2), "compiled": tr.compiled,
                              "sinceStartSeconds": round(time.time() - t_start, 1)}), flush=True)
        if step % a.log_every == 0:
            losses = {k: round(v, 5) for k, v in tr.take_losses().items()}
            now = time.time()
            rec = {"step": step, "t": round(now - t_start, 1), "lr": lr, "alpha": alpha,
                   "imgPerS": round(images_seen / (now - t_log), 1), "lossByLevel": losses}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(json.dumps(rec), flush=True)
            images_seen, t_log = 0, now
        if step % a.ckpt_every == 0:
            save_ckpt(ckpt_path, model, tr.ema, tr.opt, step, time.time() - t_start, tr.gen)
    tr.sync()
    seconds = round(time.time() - t_start, 1)
    save_ckpt(ckpt_path, model, tr.ema, tr.opt, step, seconds, tr.gen)
    dname = torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu"
    stage = {"steps": step, "lr": a.lr, "batch": a.batch, "seconds": seconds, "imagesSeen": images_total,
             "device": dname, "torch": torch.__version__, "speed": asdict(speed), "firstStepSeconds": first_step_s,
             "consistency": a.consistency, "consistencyStart": a.consistency_start, "teacher": a.teacher,
             "consistencyGrad": a.consistency_grad, "levelAdapterRank": adapter_rank(cfg),
             "adapterLrMult": a.adapter_lr_mult, "hflip": a.hflip,
             "init": a.init or None}
    prior_steps = prior.get("steps", 0) if prior else 0
    meta = {"steps": step + prior_steps, "initSteps": prior_steps,
            "stages": (prior.get("stages", [prior]) if prior else []) + [stage],
            "seconds": seconds, "batch": a.batch, "lr": a.lr,
            "seed": a.seed, "downOperator": a.down, "consistency": a.consistency,
            "consistencyStart": a.consistency_start, "classDropout": a.class_dropout, "ema": a.ema,
            "levelShare": LEVEL_SHARE, "sigmaLogNormal": SIGMA_LOGNORMAL, "params": nparams,
            "device": dname, "sigmaData": sigma_data, "categories": categories if not prior else prior.get("categories", categories),
            "cfg": cfg}
    if prior and prior.get("config", {}).get("sampling"):  # the init model's recommended sampling settings
        meta["sampling"] = prior["config"]["sampling"]
    elif prior and prior.get("sampling"):
        meta["sampling"] = prior["sampling"]
    for st in meta["stages"]:  # an exported model's stage list must not nest whole configs
        for k in ("cfg", "config", "categories", "sigmaData", "stages", "source"):
            st.pop(k, None)
    torch.save({"ema": tr.ema.state_dict(), "meta": meta}, os.path.join(a.out, "ema.pt"))
    with open(os.path.join(a.out, "train_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps({"done": meta["steps"], "stepsThisRun": step, "seconds": seconds, "imagesSeen": images_total}),
          flush=True)


def save_ckpt(path, model, ema, opt, step, elapsed, gen):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                "elapsed": elapsed, "gen": gen.get_state()}, tmp)
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
