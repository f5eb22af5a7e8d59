#!/usr/bin/env bash
# Runs the quality sweep (quality-sets.ts) set by set, each under the shared CPU lock, so other
# heavy jobs can interleave between sets. Sets and seeds already on disk are skipped: re-run to
# continue an interrupted sweep. The set list is read again before each set, so sets added to
# (or reordered in) quality-sets.ts while it runs are picked up. Then
# `quality-sweep.ts report` measures what is there.
#
#   bash apps/cli/bench/quality-sweep.sh            # every set, in list order
#   bash apps/cli/bench/quality-sweep.sh full g3    # only these sets
#
# UPSHIFT_CPU_LOCK: the lock file (default /work/cpu.lock; "none" = no lock).
set -euo pipefail
cd "$(dirname "$0")/../../.."
lock="${UPSHIFT_CPU_LOCK:-/work/cpu.lock}"
sweep=(node --import @oxc-node/core/register apps/cli/bench/quality-sweep.ts)
only=" $* "
while :; do
  # the first incomplete set (of the ones named, if any); a complete set needs no lock
  set=$("${sweep[@]}" list | awk -F'\t' -v only="$only" '{ split($2, n, "/"); if (!found && n[1] != n[2] && (only == "  " || index(only, " " $1 " "))) { print $1; found = 1 } }')
  [ -z "$set" ] && break
  if [ "$lock" = none ] || ! command -v flock >/dev/null; then
    "${sweep[@]}" generate "$set"
  else
    flock "$lock" "${sweep[@]}" generate "$set"
  fi
done
