"""PyTorch golden values for the elementwise ops (engine/ops/elementwise.ts).
Run: /usr/bin/python3 tools/golden/elementwise.py  ->  test/fixtures/golden/elementwise.json
"""
import torch
import torch.nn.functional as F

from common import case, write

cases = []


def r(*shape, lo=-2.0, hi=2.0):
    return torch.rand(*shape) * (hi - lo) + lo


# Unary ops on a [3, 4] tensor; domains chosen where each op is smooth.
unary = {
    'neg': (torch.neg, r(3, 4)),
    'exp': (torch.exp, r(3, 4)),
    'log': (torch.log, r(3, 4, lo=0.2, hi=3.0)),
    'sqrt': (torch.sqrt, r(3, 4, lo=0.2, hi=3.0)),
    'rsqrt': (torch.rsqrt, r(3, 4, lo=0.2, hi=3.0)),
    'abs': (torch.abs, r(3, 4)),
    'relu': (torch.relu, r(3, 4)),
    'gelu': (F.gelu, r(3, 4, lo=-5.0, hi=5.0)),
    'sigmoid': (torch.sigmoid, r(3, 4, lo=-8.0, hi=8.0)),
    'tanh': (torch.tanh, r(3, 4, lo=-4.0, hi=4.0)),
    'square': (torch.square, r(3, 4)),
    'reciprocal': (torch.reciprocal, r(3, 4, lo=0.5, hi=2.0)),
    'erf': (torch.erf, r(3, 4, lo=-3.0, hi=3.0)),
    'sin': (torch.sin, r(3, 4, lo=-4.0, hi=4.0)),
    'cos': (torch.cos, r(3, 4, lo=-4.0, hi=4.0)),
}
for name, (fn, x) in unary.items():
    cases.append(case(name, fn, [x]))

# Large-magnitude stability (forward and gradient).
big = torch.tensor([-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4])
for name, fn in [('sigmoid', torch.sigmoid), ('tanh', torch.tanh), ('gelu', F.gelu)]:
    cases.append(case(f'{name}_large', fn, [big]))

# Binary ops with broadcasting.
cases.append(case('add_broadcast', torch.add, [r(2, 1, 3), r(4, 1)]))
cases.append(case('sub_broadcast', torch.sub, [r(4, 1), r(2, 1, 3)]))
cases.append(case('mul_broadcast', torch.mul, [r(2, 3, 4), r(4)]))
cases.append(case('div_broadcast', torch.div, [r(3, 4), r(3, 1, lo=0.5, hi=2.0)]))
cases.append(case('pow', torch.pow, [r(3, 4, lo=0.3, hi=2.0), r(3, 4, lo=-2.0, hi=2.0)]))
cases.append(case('pow_negative_base', lambda a: torch.pow(a, 3.0), [r(2, 3)], {'exponent': 3}))
cases.append(case('maximum', torch.maximum, [r(3, 4), r(4)]))
cases.append(case('minimum', torch.minimum, [r(3, 4), r(3, 1)]))
cases.append(case('maximum_ties', torch.maximum, [torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 0.0, 3.0])]))
cases.append(case('clamp', lambda x: torch.clamp(x, -0.5, 0.75), [r(3, 4)], {'min': -0.5, 'max': 0.75}))
mask = (torch.rand(3, 4) > 0.5).to(torch.int32)
cases.append(case('where', lambda c, a, b: torch.where(c != 0, a, b), [mask, r(3, 4), r(4)]))
cases.append(case('masked_fill', lambda x, m: x.masked_fill(m != 0, -3.5), [r(3, 4), mask[0:1]], {'value': -3.5}))

write('elementwise', cases)
