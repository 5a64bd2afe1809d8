"""PyTorch's fp32 matmul at 4096^3 on the GPU (TF32 off), the baseline for bench/gpu-matmul-vs-torch.ts.

Prints one JSON line: {device, torch, n, ms, tflops}. Run on the GPU machine: python3 bench/gpu_matmul_torch.py [n]
"""
import json
import sys

import torch


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision('highest')
    dev = torch.device('cuda')
    a = torch.rand(n, n, device=dev, dtype=torch.float32) - 0.5
    b = torch.rand(n, n, device=dev, dtype=torch.float32) - 0.5
    for _ in range(3):  # warm-up: cuBLAS handle, kernel selection
        torch.matmul(a, b)
    torch.cuda.synchronize()
    reps = 20
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        torch.matmul(a, b)
    end.record()
    torch.cuda.synchronize()
    ms = start.elapsed_time(end) / reps
    print(json.dumps({
        'device': torch.cuda.get_device_name(dev),
        'torch': torch.__version__,
        'n': n,
        'ms': ms,
        'tflops': 2 * n ** 3 / ms / 1e9,
    }))


if __name__ == '__main__':
    main()
