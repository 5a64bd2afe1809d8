"""PyTorch golden values for layer_norm and group_norm: tools/golden/norm.py -> test/fixtures/golden/norm.json."""
import torch
import torch.nn.functional as F

from common import case, write

r = torch.randn


def ln(name, shape, affine=True, eps=1e-5):
    c = shape[-1]
    inputs = [r(*shape) * 3 + 1] + ([r(c), r(c)] if affine else [])
    fn = lambda x, *wb: F.layer_norm(x, (c,), *(wb or (None, None)), eps=eps)
    return case(name, fn, inputs, {'eps': eps, 'affine': affine})


def gn(name, shape, groups, affine=True, eps=1e-5):
    c = shape[1]
    inputs = [r(*shape) * 2 - 1] + ([r(c), r(c)] if affine else [])
    fn = lambda x, *wb: F.group_norm(x, groups, *(wb or (None, None)), eps=eps)
    return case(name, fn, inputs, {'groups': groups, 'eps': eps, 'affine': affine})


cases = [
    ln('ln_affine', (3, 7)),
    ln('ln_plain_3d', (2, 3, 16), affine=False),
    ln('ln_eps', (4, 33), eps=1e-3),
    gn('gn_affine', (2, 6, 3, 4), 3),
    gn('gn_plain', (2, 4, 5), 2, affine=False),
    gn('gn_one_group', (1, 3, 2, 2), 1, eps=1e-4),
]
write('norm', cases)
