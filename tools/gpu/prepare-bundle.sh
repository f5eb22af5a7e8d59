#!/usr/bin/env bash
# Builds .device/: everything the UNet benchmark needs on a GPU machine that has no Node.js and
# no network. Run from anywhere in the repo, after `npm run bootstrap`.
#
#   .device/node.xz                 this machine's node binary, xz-compressed
#   .device/unet-bench.mjs          packages/backend-webgpu/bench/unet-bench.ts bundled with tfjs
#   .device/node_modules/webgpu     Dawn for Node (linux-x64 only; dawn.node xz-compressed)
#   .device/node_modules/{debug,ms} its runtime deps (+ @webgpu/types)
#   .device/wasm/                   the tfjs wasm binaries (read from disk, no fetch)
#   .device/model/tiny-unet/        the model to benchmark (default: the tiny fixture)
#
# Also needs .gl/ (the Vulkan loader + GLVND debs, see tools/gpu/README.md). Then carry
# [".device", ".gl"] and run tools/gpu/run-bench.sh on the device.
# Env: MODEL_DIR (default packages/models/fixtures/tiny-unet).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=.device
model_dir=${MODEL_DIR:-packages/models/fixtures/tiny-unet}

rm -rf "$out"
mkdir -p "$out/node_modules" "$out/wasm" "$out/model"

echo "== node ($(node --version))"
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" >"$out/node.xz"

echo "== bundle"
esbuild=$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild 2>/dev/null | head -1 || true)
[ -n "$esbuild" ] || esbuild="npx --prefer-offline -y esbuild@0.28.2"
# ESM output: CommonJS parts of tfjs call require() for Node built-ins, and the wasm backend's
# Emscripten glue reads __dirname, so give them both.
banner="import { createRequire as __upshiftRequire } from 'node:module';"
banner+=" import { fileURLToPath as __upshiftPath } from 'node:url';"
banner+=" import { dirname as __upshiftDir } from 'node:path';"
banner+=" const require = __upshiftRequire(import.meta.url);"
banner+=" const __filename = __upshiftPath(import.meta.url); const __dirname = __upshiftDir(__filename);"
$esbuild packages/backend-webgpu/bench/unet-bench.ts --bundle --platform=node --format=esm \
  --main-fields=module,main --external:webgpu --target=node20 --log-level=warning \
  --banner:js="$banner" \
  --outfile="$out/unet-bench.mjs"

echo "== webgpu (Dawn) package"
webgpu=$(readlink -f packages/backend-webgpu/node_modules/webgpu)
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
cp "$webgpu/package.json" "$webgpu/index.js" "$webgpu/LICENSE.md" "$out/node_modules/webgpu/"
xz -T2 -6 -c "$webgpu/dist/linux-x64/dawn.node" >"$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
# Its declared deps, resolved from the pnpm store next to it.
deps_dir=$(dirname "$webgpu")
for dep in debug ms @webgpu/types; do
  src=$(readlink -f "$deps_dir/$dep" 2>/dev/null || true)
  if [ -z "$src" ] || [ ! -d "$src" ]; then
    src=$(readlink -f "$(ls -d node_modules/.pnpm/"${dep/\//+}"@*/node_modules/"$dep" | head -1)")
  fi
  mkdir -p "$out/node_modules/$dep"
  cp -r "$src/." "$out/node_modules/$dep/"
done

echo "== wasm binaries"
wasm=$(readlink -f packages/backend-wasm/node_modules/@tensorflow/tfjs-backend-wasm/dist)
cp "$wasm"/tfjs-backend-wasm.wasm "$wasm"/tfjs-backend-wasm-simd.wasm "$out/wasm/"

echo "== model"
mkdir -p "$out/model/tiny-unet"
cp "$model_dir/config.json" "$out/model/tiny-unet/"
weights=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$model_dir/config.json','utf8')).weights.file)")
cp "$model_dir/$weights" "$out/model/tiny-unet/"

[ -d .gl ] || echo "warning: .gl/ is missing; see tools/gpu/README.md for the apt-get download line"
echo "== sizes"
du -sh "$out" .gl 2>/dev/null
du -scm "$out" .gl 2>/dev/null | tail -1 | awk '{ if ($1 > 55) { print "ERROR: carried size " $1 " MB > 55 MB"; exit 1 } else print "carried total: " $1 " MB" }'
