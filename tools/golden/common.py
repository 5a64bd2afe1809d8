"""Shared helpers for the PyTorch golden-value scripts (run with Debian's python3-torch).

Each script tools/golden/<family>.py writes test/fixtures/golden/<family>.json: a list of
cases {name, inputs: [{data, shape}], params, output: {data, shape}, cotangent, grads}.
Tests compare our engine against these values and never need Python.
Run: /usr/bin/python3 tools/golden/<family>.py
"""
import json
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, fn, inputs, params=None, grad=True):
    """inputs: list of tensors (float64 for differentiable ones). fn(*inputs) -> tensor."""
    xs = [x.clone().requires_grad_(grad and x.is_floating_point()) for x in inputs]
    out = fn(*xs)
    entry = {
        'name': name,
        'params': params or {},
        'inputs': [{'data': flat(x), 'shape': list(x.shape), 'dtype': 'f32' if x.is_floating_point() else 'i32'} for x in xs],
        'output': {'data': flat(out), 'shape': list(out.shape)},
    }
    if grad and any(x.requires_grad for x in xs):
        cot = torch.randn(out.shape)
        grads = torch.autograd.grad(out, [x for x in xs if x.requires_grad], cot, allow_unused=True)
        it = iter(grads)
        entry['cotangent'] = flat(cot)
        entry['grads'] = [(lambda g: flat(g) if g is not None else None)(next(it)) if x.requires_grad else None for x in xs]
    return entry


def write(family, cases):
    path = os.path.join(ROOT, 'test', 'fixtures', 'golden', f'{family}.json')
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'generator': f'tools/golden/{family}.py', 'torch': torch.__version__, 'cases': cases}, f)
    os.replace(tmp, path)
    print(f'wrote {path}: {len(cases)} cases')
