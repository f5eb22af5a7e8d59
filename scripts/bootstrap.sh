#!/usr/bin/env bash
# Installs the workspace with the pinned pnpm. Idempotent and fast when nothing changed.
# pnpm is always run through npx: a pnpm installed inside the repo is not found by nx, and
# pnpm releases after 12.4.2 break this install.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE_ROOT_WARNING=true
PNPM=(npx --prefer-offline -y pnpm@12.4.2)
if [ -f pnpm-lock.yaml ]; then
  "${PNPM[@]}" install --frozen-lockfile --reporter=append-only
else
  "${PNPM[@]}" install --reporter=append-only
fi
