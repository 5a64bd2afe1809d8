"""PyTorch golden values for conv2d: tools/golden/conv.py -> test/fixtures/golden/conv.json."""
import torch
import torch.nn.functional as F

from common import case, write

r = torch.randn


def conv(name, x, w, bias=True, stride=1, padding=0, dilation=1, groups=1):
    params = {'stride': stride, 'padding': padding, 'dilation': dilation, 'groups': groups, 'bias': bias}
    inputs = [r(*x), r(*w)] + ([r(w[0])] if bias else [])
    fn = lambda *t: F.conv2d(t[0], t[1], t[2] if bias else None, stride, padding, dilation, groups)
    return case(name, fn, inputs, params)


cases = [
    conv('k3_s1_p1', (2, 3, 5, 6), (4, 3, 3, 3), padding=1),
    conv('k3_s2_p1', (1, 3, 7, 6), (4, 3, 3, 3), stride=2, padding=1),
    conv('k3_s1_p0_nobias', (1, 2, 5, 5), (3, 2, 3, 3), bias=False),
    conv('k1', (2, 4, 3, 4), (6, 4, 1, 1)),
    conv('k1_s2', (1, 4, 5, 5), (3, 4, 1, 1), stride=2),
    conv('patch_k4_s4', (1, 3, 8, 8), (5, 3, 4, 4), stride=4),
    conv('groups2_dil2', (1, 4, 6, 5), (6, 2, 3, 3), padding=2, dilation=2, groups=2),
    conv('depthwise', (1, 4, 5, 5), (4, 1, 3, 3), padding=1, groups=4),
]
write('conv', cases)
