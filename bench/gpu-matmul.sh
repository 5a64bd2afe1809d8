#!/usr/bin/env bash
# Our best WebGPU fp32 matmul vs PyTorch fp32 (TF32 off) at 4096³ on the same NVIDIA GPU.
#   On a dev machine (project root, after npm ci):  bash bench/gpu-matmul.sh pack
#     bundles bench/gpu-matmul-vs-torch.ts with Node, Dawn and the Vulkan loader into .gpu/
#     (/work/shared/tools/gpu-pack.sh, i.e. ../shared/tools/gpu-pack.sh from the project root).
#   On the GPU machine (the tree with .gpu/):      bash bench/gpu-matmul.sh [n]
#     prints our JSON line, PyTorch's, then {ours_tflops, torch_tflops, ratio} (ratio = ours / torch).
#     .gpu/ is git-ignored: when the tree travels by a tool that copies tracked files only, name
#     .gpu as an extra path to carry.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "pack" ]; then
  exec bash "${GPU_PACK:-../shared/tools/gpu-pack.sh}" bench/gpu-matmul-vs-torch.ts
fi

n="${1:-4096}"
if [ ! -f .gpu/env.sh ] || [ ! -f .gpu/gpu-matmul-vs-torch.mjs ]; then
  echo "gpu-matmul: .gpu/ is not packed; run 'bash bench/gpu-matmul.sh pack' on the dev machine first" >&2
  exit 1
fi
# shellcheck disable=SC1091
source .gpu/env.sh
if ! ours=$(node .gpu/gpu-matmul-vs-torch.mjs "$n"); then
  echo "$ours"
  echo "gpu-matmul: our run failed (exit 2 = sampled outputs off by more than 1e-4 relative)" >&2
  exit 1
fi
torch=$(python3 bench/gpu_matmul_torch.py "$n")
echo "$ours"
echo "$torch"
python3 - "$ours" "$torch" <<'PY'
import json, sys
ours, torch = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({
    'n': ours['n'],
    'ours_variant': ours['variant'],
    'ours_tflops': round(ours['tflops'], 2),
    'torch_tflops': round(torch['tflops'], 2),
    'ratio': round(ours['tflops'] / torch['tflops'], 3),
}))
PY
