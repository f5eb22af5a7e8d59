#!/usr/bin/env bash
# Runs `upshift eval` in chunks: one set (UPSHIFT_EVAL_CHUNK sets) per invocation, each under the shared CPU lock, so other
# heavy jobs interleave between sets; then writes the report (docs/RESULTS.md, figures, JSON)
# from everything in the cache. Re-run to continue an interrupted evaluation. Any `upshift eval`
# option passes through (the same options for every chunk and for the report):
#
#   bash apps/cli/bench/eval-chunks.sh --backend wasm
#   bash apps/cli/bench/eval-chunks.sh --backend wasm --parts policies --images 18
#
# UPSHIFT_CPU_LOCK: the lock file (default /work/cpu.lock; "none" = no lock).
# UPSHIFT_EVAL_CHUNK: sets per lock (default 1).
set -euo pipefail
cd "$(dirname "$0")/../../.."
lock="${UPSHIFT_CPU_LOCK:-/work/cpu.lock}"
upshift=(node --import @oxc-node/core/register apps/cli/src/main.ts eval)
locked() {
  if [ "$lock" = none ] || ! command -v flock >/dev/null; then "$@"; else flock "$lock" "$@"; fi
}
while true; do
  out="$(locked "${upshift[@]}" "$@" --sample-only --max-sets "${UPSHIFT_EVAL_CHUNK:-1}" --no-progress)"
  echo "$out" >&2
  # "eval: N of M sets measured, K not sampled yet, ..." — stop when nothing is left to sample.
  if grep -q ' 0 not sampled yet' <<<"$out"; then break; fi
done
locked "${upshift[@]}" "$@" --max-sets 0
