#!/usr/bin/env bash
# Runs the UNet benchmark on the GPU machine from what tools/gpu/prepare-bundle.sh built.
# Run from the repo root with .device/ and .gl/ carried; writes bench.log and bench.json to $OUT.
# Extra arguments go to the benchmark and replace the defaults below where they repeat a flag
# (e.g. --backends webgpu --batches 1).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/upshift-bench}
mkdir -p "$out"
work=$(mktemp -d)

xz -dc .device/node.xz >"$work/node" && chmod +x "$work/node"
xz -dk -f .device/node_modules/webgpu/dist/linux-x64/dawn.node.xz

# The Vulkan loader and GLVND (the NVIDIA ICD needs them); the driver itself is on the host.
# BENCH_SKIP_DEBS=1 skips this (a local trial run on a machine that has them).
if [ "${BENCH_SKIP_DEBS:-0}" != 1 ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi

# BENCH_VK_ICD overrides the driver (e.g. SwiftShader's ICD for a local trial run).
icd=${BENCH_VK_ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
[ -f "$icd" ] || icd=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -1)
export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
{
  echo "node $("$work/node" --version); ICD $icd"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || true
} | tee "$out/bench.log"

"$work/node" .device/unet-bench.mjs --model .device/model/tiny-unet --wasm-dir .device/wasm/ \
  --json "$out/bench.json" \
  --backends "webgpu,webgpu:WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=256,wasm,cpu" --max-config-s 30 \
  "$@" 2>&1 | grep -v -e '^=*$' -e 'tfjs-node' -e 'Hi, looks like' | tee -a "$out/bench.log"
rc=${PIPESTATUS[0]}
rm -rf "$work"
exit "$rc"
