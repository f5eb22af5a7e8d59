#!/usr/bin/env bash
# Runs the quality sweep (quality-sets.ts) set by set, each under the shared CPU lock, so other
# heavy jobs can interleave between sets. Sets and seeds already on disk are skipped: re-run to
# continue an interrupted sweep. Then `quality-sweep.ts report` measures what is there.
#
#   bash apps/cli/bench/quality-sweep.sh            # every set
#   bash apps/cli/bench/quality-sweep.sh full g3    # some sets
#
# UPSHIFT_CPU_LOCK: the lock file (default /work/cpu.lock; "none" = no lock).
set -euo pipefail
cd "$(dirname "$0")/../../.."
lock="${UPSHIFT_CPU_LOCK:-/work/cpu.lock}"
sweep=(node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts)
if [ "$#" -gt 0 ]; then sets=("$@"); else mapfile -t sets < <("${sweep[@]}" list | cut -f1); fi
for set in "${sets[@]}"; do
  # a complete set needs no lock
  status=$("${sweep[@]}" list | awk -F'\t' -v s="$set" '$1 == s { print $2 }')
  if [ -n "$status" ] && [ "${status%/*}" = "${status#*/}" ]; then continue; fi
  if [ "$lock" = none ] || ! command -v flock >/dev/null; then
    "${sweep[@]}" generate "$set"
  else
    flock "$lock" "${sweep[@]}" generate "$set"
  fi
done
