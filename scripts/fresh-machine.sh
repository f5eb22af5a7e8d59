#!/usr/bin/env bash
# Runs a command as if on a fresh machine with only Node and npm: the Vulkan loader, Chromium
# (and its SwiftShader driver), redis-server and Python's torch / numpy / Pillow are hidden in a
# private mount namespace (bind mounts of /dev/null or of an empty folder over them), so the
# rest of the system is untouched. Needs root (or CAP_SYS_ADMIN) and util-linux's `unshare`.
#
#   bash scripts/fresh-machine.sh npm test
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi
exec unshare --mount --propagation private bash -c '
set -euo pipefail
empty="$(mktemp -d)"
# A Python package replaced by one whose import fails, as if it were not installed.
nopkg="$(mktemp -d)"
echo "raise ModuleNotFoundError(\"hidden by scripts/fresh-machine.sh\")" > "$nopkg/__init__.py"
hidden=()
hide() {
  local path real
  for path in "$@"; do
    real="$(readlink -f "$path" 2>/dev/null)" || continue
    [ -e "$real" ] || continue
    if [ -d "$real" ]; then mount --bind "$empty" "$real"; else mount --bind /dev/null "$real"; fi
    hidden+=("$path")
  done
}
hide_python() {
  local py dir
  for py in $(command -v -a python3 2>/dev/null | sort -u) /usr/bin/python3; do
    [ -x "$py" ] || continue
    for dir in $("$py" -c "import site, sys; print(\"\\n\".join(site.getsitepackages() + [site.getusersitepackages()]))" 2>/dev/null); do
      for pkg in torch numpy PIL; do
        if [ -d "$dir/$pkg" ] && [ ! "$dir/$pkg" -ef "$nopkg" ]; then mount --bind "$nopkg" "$dir/$pkg"; hidden+=("$dir/$pkg"); fi
      done
    done
  done
}
for lib in $( (ldconfig -p 2>/dev/null || true) | awk "/libvulkan\\.so/ { print \$NF }"); do hide "$lib"; done
hide /usr/bin/chromium /usr/lib/chromium /usr/bin/chromium-browser /usr/bin/redis-server /usr/bin/redis-cli
hide_python
echo "fresh-machine: hidden ${hidden[*]:-nothing}" >&2
exec "$@"
' fresh-machine "$@"
