"""PyTorch golden values for top-k (engine/ops/topk.ts).
Run: /usr/bin/python3 tools/golden/topk.py  ->  test/fixtures/golden/topk.json

Inputs are float32 values (stored exactly as float64), so the selected values must match
exactly. PyTorch does not define which of equal values topk takes, nor the order when
sorted=False: the 'ties' case is compared by values only and the unsorted case as sets
(see test/engine/topk.test.ts).
"""
import torch

from common import flat, write

cases = []


def f32(*shape):
    return torch.randn(*shape).float().double()


def topk_case(name, x, k, dim=-1, largest=True, sorted=True, grad=True):
    x = x.clone().requires_grad_(grad and x.is_floating_point())
    values, indices = torch.topk(x, k, dim=dim, largest=largest, sorted=sorted)
    entry = {
        'name': name,
        'params': {'k': k, 'dim': dim, 'largest': largest, 'sorted': sorted},
        'inputs': [{'data': flat(x), 'shape': list(x.shape), 'dtype': 'f32' if x.is_floating_point() else 'i32'}],
        'output': {'data': flat(values), 'shape': list(values.shape)},
        'indices': {'data': [int(v) for v in indices.reshape(-1).tolist()], 'shape': list(indices.shape)},
    }
    if x.requires_grad:
        cot = torch.randn(values.shape).float().double()
        (g,) = torch.autograd.grad(values, [x], cot)
        entry['cotangent'] = flat(cot)
        entry['grads'] = [flat(g)]
    cases.append(entry)


topk_case('last_largest', f32(4, 10), 3)
topk_case('last_smallest', f32(4, 10), 4, largest=False)
topk_case('k1', f32(5, 7), 1)
topk_case('k_full', f32(3, 8), 8, largest=False)
topk_case('dim0', f32(6, 3, 5), 2, dim=0)
topk_case('dim1_smallest', f32(3, 9, 4), 3, dim=1, largest=False)
topk_case('odd_row', f32(2, 333), 77)
topk_case('unsorted', f32(3, 12), 5, sorted=False)
topk_case('ties', torch.randint(-3, 4, (4, 16)).double(), 6, grad=False)
topk_case('int32', torch.randperm(60).reshape(3, 20).int() - 30, 4, largest=False, grad=False)

write('topk', cases)
