#!/usr/bin/env bash
# Trains, evaluates and packs the shipped model on a GPU machine (see ../shared/DEVICE.md).
# Carry .cache/dataset (built by tools/dataset/build_dataset.py). Results land in $OUT:
#   report.tar (train_log.jsonl, train_meta.json, quality.json, levers.jsonl, sample grids)
#   ema.pt.part-* (the EMA weights, split under the 16 MiB per-file limit; `cat` them back)
# Env: MINUTES (training budget, default 7), BATCH (256), EXTRA (more train.py flags).
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}
RUN=/tmp/upshift-run
mkdir -p "$OUT" "$RUN"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
"${PYTHON:-python3}" -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())"
"${PYTHON:-python3}" tools/train/train.py --data .cache/dataset/emoji64.npz --out "$RUN" --minutes "${MINUTES:-7}" \
  --batch "${BATCH:-256}" --bf16 ${INIT:+--init "$INIT"} ${EXTRA:-} 2>&1 | tee "$RUN/train_stdout.txt"
(cd "$RUN" && split -b 15m ema.pt "$OUT/ema.pt.part-")
cp "$RUN"/train_log.jsonl "$RUN"/train_meta.json "$OUT/" 2>/dev/null
"${PYTHON:-python3}" tools/train/evaluate.py --run "$RUN" --data .cache/dataset/emoji64.npz --out "$RUN/report" \
  --n "${EVAL_N:-256}" 2>&1 | tail -c 4000
# The yardstick for level consistency: the pyramid against its oracle (levers.py; seconds on a GPU).
"${PYTHON:-python3}" tools/train/levers.py --run "$RUN" --n "${LEVERS_N:-64}" --out "$RUN/report/levers.jsonl" \
  --only "oracle 2@2;oracle 2@6.3;pyramid 2>6.3,1>2;half >2;half >8" 2>&1 | tail -c 2000
cp "$RUN"/train_log.jsonl "$RUN"/train_meta.json "$RUN"/train_stdout.txt "$RUN/report/" 2>/dev/null
tar -cf "$OUT/report.tar" -C "$RUN" report
ls -la "$OUT"
