#!/usr/bin/env bash
# Our whole Mask2Former training iteration vs the same architecture in PyTorch (fp32, TF32 off)
# on the same NVIDIA GPU: Swin-T and Swin-L, batch 8 × 480×640 by default.
#   On a dev machine (project root, after npm ci):  bash bench/gpu-model.sh pack
#     bundles bench/gpu-model-vs-torch.ts with Node, Dawn and the Vulkan loader into .gpu/
#     (/work/shared/tools/gpu-pack.sh, i.e. ../shared/tools/gpu-pack.sh from the project root) and
#     resolves the run configs into .gpu/model-configs/<variant>.json (both sides read those).
#   On the GPU machine (the tree with .gpu/):      bash bench/gpu-model.sh [batch] [HxW] [iters] [variants]
#     prints, per variant, our JSON line, PyTorch's, then
#     {variant, ours_ms, torch_ms, ratio, ours_peak_gib, torch_peak_gib, memory_ratio}
#     (ratio = ours_ms / torch_ms: > 1 means we are slower).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "pack" ]; then
  bash ../shared/tools/gpu-pack.sh bench/gpu-model-vs-torch.ts
  exec npx --no-install tsx bench/gpu-model-vs-torch.ts --write-configs .gpu/model-configs --variants "${2:-swin-t,swin-l}"
fi

batch="${1:-8}"
size="${2:-480x640}"
iters="${3:-10}"
variants="${4:-swin-t,swin-l}"
configs=.gpu/model-configs
if [ ! -f .gpu/env.sh ] || [ ! -f .gpu/gpu-model-vs-torch.mjs ] || [ ! -d "$configs" ]; then
  echo "gpu-model: .gpu/ is not packed; run 'bash bench/gpu-model.sh pack' on the dev machine first" >&2
  exit 1
fi
# shellcheck disable=SC1091
source .gpu/env.sh
status=0
for variant in ${variants//,/ }; do
  if ! ours=$(node .gpu/gpu-model-vs-torch.mjs --configs "$configs" --variants "$variant" --batch "$batch" \
      --size "$size" --iters "$iters"); then
    echo "$ours"
    echo "gpu-model: our $variant run failed" >&2
    status=1
    continue
  fi
  echo "$ours"
  if ! torch=$(python3 bench/gpu_model_torch.py --config "$configs/$variant.json" --batch "$batch" \
      --size "$size" --iters "$iters"); then
    echo "gpu-model: the PyTorch $variant run failed" >&2
    status=1
    continue
  fi
  echo "$torch"
  python3 - "$ours" "$torch" <<'PY'
import json, sys
ours, torch = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({
    'variant': ours['variant'],
    'batch': ours['batch'], 'size': f"{ours['height']}x{ours['width']}",
    'ours_ms': ours['msPerIter'], 'torch_ms': torch['msPerIter'],
    'ratio': round(ours['msPerIter'] / torch['msPerIter'], 3),
    'ours_peak_gib': ours['peakLiveGiB'], 'torch_peak_gib': torch['peakAllocatedGiB'],
    'memory_ratio': round(ours['peakLiveGiB'] / torch['peakAllocatedGiB'], 3) if torch['peakAllocatedGiB'] else None,
    'same_parameters': ours['parameters'] == torch['parameters'],
}))
PY
done
exit $status
