#!/usr/bin/env bash
# The one command of a GPU window (tools/train/README.md, "The GPU session"; ../shared/DEVICE.md):
#   1. preflight (GPU, torch, data, init model) - fails in seconds, before any long work;
#   2. train.py --benchmark: images/s of the old (shipped run's) and new step settings, side by side;
#   3. train.py: resume from INIT (default: the shipped model) for MINUTES of wall time (torch.compile
#      warm-up included) with the consistency RECIPE;
#   4. export.py: the candidate as it would ship (fp16 safetensors, config.json, parity.safetensors);
#   5. ship_check.py: shipped vs candidate, same seeds - held-out SWD with its noise band, paired
#      PSNR pyramid vs full, level consistency, level-0 error, same-seed grids - and the decision
#      (ship only if SWD and paired PSNR both improve);
#   6. evaluate.py (cheap sections) and levers.py (pyramid vs oracle) on the candidate.
# Results in $OUT (at most 8 files of <= 16 MiB come back):
#   summary.md, summary.json   decision and numbers (device, minutes, steps, images seen, img/s)
#   report.tar                 train log/meta/stdout, benchmark.json, quality.json, levers.jsonl, grids
#   model.tar.part-*           the exported candidate: `cat model.tar.part-* | tar -x` gives model/
#   log.txt                    everything printed
# Env: COMPILE (off; on|auto = torch.compile, minutes of warm-up) MINUTES (default: what is left of TOTAL=540 s after the benchmark, minus RESERVE=150 s) BATCH (512) LR (2e-4) RECIPE (train.py consistency flags) BENCH (seconds per
#      benchmark variant, 0 = skip; 10) INIT (packages/models/assets/emoji-unet) DATA
#      (.cache/dataset/emoji64.npz) EXTRA (more train.py flags) SETS PER_CLASS DRAWS STEPS PROBE_N (ship_check)
#      EVAL_N EVAL_SECTIONS LEVERS_N SPEEDTEST (1 = run test_speed_options.py on the GPU first, ~1 min)
#      DEVICE (cuda) PYTHON (python3) RUN (/tmp/upshift-run).
# CPU dry run (tiny): DEVICE=cpu MINUTES=0.5 BATCH=16 BENCH=2 SETS=2 PER_CLASS=1 DRAWS=2 STEPS=4 PROBE_N=16
#      EVAL_N=16 LEVERS_N=2 (README).
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}
RUN=${RUN:-/tmp/upshift-run}
PY=${PYTHON:-python3}
INIT=${INIT:-packages/models/assets/emoji-unet}
DATA=${DATA:-.cache/dataset/emoji64.npz}
DEVICE=${DEVICE:-cuda}
TOTAL=${TOTAL:-540}      # seconds this command may take (run's timeout_s minus transfer margin)
RESERVE=${RESERVE:-150}  # seconds kept for export, ship check, evaluate, levers, packing
BATCH=${BATCH:-512}
LR=${LR:-2e-4}
BENCH=${BENCH:-10}
# torch.compile off by default: on the H200 window of 2026-11-28 (torch 2.11) its first compile
# took 407 s of a 540 s budget, for 2491 vs ~2150 img/s eager: it cannot pay back in one window.
COMPILE=${COMPILE:-off}
RECIPE=${RECIPE:---consistency-start 0 --consistency 0.5}  # the recipe the CPU trial supports (README)
mkdir -p "$OUT" "$RUN"
exec > >(tee -a "$OUT/log.txt") 2>&1
t0=$(date +%s)
stamp() { echo "== $(( $(date +%s) - t0 )) s: $*"; }

stamp "preflight"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "(no nvidia-smi)"
"$PY" - "$DEVICE" "$DATA" "$INIT" <<'EOF' || { echo "preflight failed"; exit 2; }
import os, sys, torch
dev, data, init = sys.argv[1:4]
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "compile", hasattr(torch, "compile"))
if dev.startswith("cuda") and not torch.cuda.is_available():
    sys.exit("DEVICE=cuda but torch sees no GPU")
for what, p in (("DATA", data), ("INIT", init)):
    if not os.path.exists(p):
        sys.exit(f"{what} {p}: no such file or directory")
EOF

if [ "${SPEEDTEST:-0}" = 1 ]; then  # optional (~1 min): the options, torch.compile included, against eager fp32
  stamp "speed options equivalence (tiny model)"
  mkdir -p "$RUN/report"
  "$PY" tools/train/test_speed_options.py --device "$DEVICE" --data "$DATA" --json "$RUN/report/speed_options.json" \
    || echo "speed options test FAILED (see above)"
fi

if [ "$BENCH" != "0" ]; then
  stamp "benchmark (old vs new step settings, ${BENCH} s each)"
  # shellcheck disable=SC2086
  "$PY" tools/train/train.py --benchmark "$BENCH" --benchmark-variants "${BENCH_VARIANTS:-old-bf16,new-no-compile}" \
    --init "$INIT" --data "$DATA" --batch "$BATCH" --device "$DEVICE" --out "$RUN/bench" $RECIPE \
    || echo "benchmark failed (training goes on)"
fi

if [ -z "${MINUTES:-}" ]; then  # whatever the benchmark left of TOTAL, minus the RESERVE
  MINUTES=$("$PY" -c "print(round(max(1.0, ($TOTAL - $(( $(date +%s) - t0 )) - $RESERVE) / 60), 2))")
fi
stamp "train ${MINUTES} min from $INIT: $RECIPE ${EXTRA:-}"
# shellcheck disable=SC2086
"$PY" tools/train/train.py --init "$INIT" --data "$DATA" --out "$RUN" --minutes "$MINUTES" --batch "$BATCH" \
  --lr "$LR" --device "$DEVICE" --compile "$COMPILE" $RECIPE ${EXTRA:-} 2>&1 | tee "$RUN/train_stdout.txt"
train_rc=${PIPESTATUS[0]}

pack() {
  mkdir -p "$RUN/report"
  cp "$RUN"/train_log.jsonl "$RUN"/train_meta.json "$RUN"/train_stdout.txt "$RUN"/bench/benchmark.json "$RUN/report/" 2>/dev/null
  cp "$RUN/report/summary.md" "$RUN/report/summary.json" "$OUT/" 2>/dev/null
  tar -cf "$OUT/report.tar" -C "$RUN" report
  if [ -f "$RUN/model/model.safetensors" ] && [ ! -f "$RUN/model.tar" ]; then
    tar -cf "$RUN/model.tar" -C "$RUN" model && split -b 15m "$RUN/model.tar" "$OUT/model.tar.part-"
  fi
  stamp "packed"
  ls -la "$OUT"
}
if [ "$train_rc" != 0 ] || [ ! -f "$RUN/ema.pt" ]; then
  echo "training failed (rc $train_rc)"; pack; exit 1
fi

stamp "export"
"$PY" tools/train/export.py --run "$RUN" --out "$RUN/model" --spectrum-dir "$(dirname "$DATA")" || { pack; exit 1; }
pack  # the model and the logs are back even if the measurements below run out of time

stamp "ship check (before = $INIT, after = candidate)"
"$PY" tools/train/ship_check.py --before "$INIT" --after "$RUN/model" --data "$DATA" --out "$RUN/report" \
  --device "$DEVICE" --sets "${SETS:-3}" --per-class "${PER_CLASS:-9}" --draws "${DRAWS:-5}" --steps "${STEPS:-32}" \
  --probe-n "${PROBE_N:-256}" \
  --train-meta "$RUN/train_meta.json" --benchmark "$RUN/bench/benchmark.json" | tail -c 6000

stamp "evaluate (denoise, consistency) and levers (pyramid vs oracle)"
"$PY" tools/train/evaluate.py --run "$RUN/model" --data "$DATA" --out "$RUN/report" --device "$DEVICE" \
  --n "${EVAL_N:-256}" --sections "${EVAL_SECTIONS:-denoise,consistency}" | tail -c 1500
"$PY" tools/train/levers.py --run "$RUN/model" --n "${LEVERS_N:-64}" --steps "${STEPS:-32}" --device "$DEVICE" \
  --out "$RUN/report/levers.jsonl" --only "oracle 2@2;oracle 2@6.3;pyramid 2>6.3,1>2;half >8" | tail -c 1500
pack
