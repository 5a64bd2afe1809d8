#!/usr/bin/env bash
# `pointvis run` at GPU scale: the synthetic medium preset with the Swin-T and Swin-L run configs
# (configs/run/gpu-medium-swin-{t,l}.yaml), a few hundred iterations, on an NVIDIA GPU.
#   On a dev machine (project root, after npm ci):  bash bench/gpu-pipeline.sh pack
#     packs Node, Dawn and the Vulkan loader into .gpu/ (../shared/tools/gpu-pack.sh) and bundles
#     the CLI (runners/cli/main.ts) into .gpu/pointvis.mjs.
#   On the GPU machine (the tree with .gpu/):      bash bench/gpu-pipeline.sh OUT [variant ...] [-- overrides]
#     runs `pointvis run --config configs/run/gpu-medium-<variant>.yaml --out OUT/<variant>` for each
#     variant (default: swin-t swin-l), each under its own time limit (GPU_PIPELINE_LIMIT_S, default
#     600 s), then prints one JSON line per training stage: iterations per second and peak memory
#     (bench/gpu-pipeline-summary.ts reads the run directories' metrics.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "pack" ]; then
  bash ../shared/tools/gpu-pack.sh
  # The CLI's CommonJS dependencies (commander, yaml, pngjs) call require(): an ES-module bundle
  # needs one made for it.
  npx --no-install esbuild runners/cli/main.ts --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --outfile=.gpu/pointvis.mjs --log-level=warning \
    --banner:js="import { createRequire as __pointvisRequire } from 'node:module'; const require = __pointvisRequire(import.meta.url);"
  npx --no-install esbuild bench/gpu-pipeline-summary.ts --bundle --platform=node --format=esm \
    --target=node20 --outfile=.gpu/gpu-pipeline-summary.mjs --log-level=warning
  du -sh .gpu | awk '{print "packed .gpu/: " $1 " (limit 64 MiB)"}'
  exit 0
fi

out="${1:?usage: bash bench/gpu-pipeline.sh OUT [variant ...] [-- overrides]}"
shift
variants=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do variants+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#variants[@]} -gt 0 ] || variants=(swin-t swin-l)
if [ ! -f .gpu/env.sh ] || [ ! -f .gpu/pointvis.mjs ] || [ ! -f .gpu/gpu-pipeline-summary.mjs ]; then
  echo "gpu-pipeline: .gpu/ is not packed; run 'bash bench/gpu-pipeline.sh pack' on the dev machine first" >&2
  exit 1
fi
# shellcheck disable=SC1091
source .gpu/env.sh
mkdir -p "$out"
status=0
for variant in "${variants[@]}"; do
  start=$(date +%s)
  if ! timeout --signal=INT --kill-after=20 "${GPU_PIPELINE_LIMIT_S:-600}" \
      node .gpu/pointvis.mjs run --config "configs/run/gpu-medium-$variant.yaml" --out "$out/$variant" "$@" \
      > "$out/$variant.log" 2>&1; then
    echo "gpu-pipeline: $variant ended early (exit status above 0; see $out/$variant.log)" >&2
    tail -20 "$out/$variant.log" >&2
    status=1
  fi
  echo "gpu-pipeline: $variant took $(( $(date +%s) - start )) s" >&2
  node .gpu/gpu-pipeline-summary.mjs "$variant" "$out/$variant" || status=1
done
exit $status
