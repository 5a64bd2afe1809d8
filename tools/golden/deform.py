"""Golden values for engine/ops/deform-attn.ts: the multi-scale deformable attention core.

ms_deform_attn_core_pytorch written here from its definition (M2F_SEMANTICS.md 3.2.9): split
the value by level, view each level as [N*M, D, H, W], grid_sample it at 2*loc - 1 (bilinear,
zeros padding, align_corners=False), weight by the attention weights, sum over levels and
points. Gradients of all three inputs come from autograd.
"""
import torch
import torch.nn.functional as F

from common import case, write


def ms_deform_attn_core(value, shapes, loc, attn):
    n, _, m, d = value.shape
    _, lq, _, levels, points, _ = loc.shape
    per_level = value.split([h * w for h, w in shapes], dim=1)
    grids = 2 * loc - 1
    samples = []
    for l, (h, w) in enumerate(shapes):
        # [N, H*W, M, D] -> [N*M, D, H, W]
        v = per_level[l].flatten(2).transpose(1, 2).reshape(n * m, d, h, w)
        # [N, Lq, M, P, 2] -> [N*M, Lq, P, 2]
        g = grids[:, :, :, l].transpose(1, 2).flatten(0, 1)
        samples.append(F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False))
    # [N*M, D, Lq, L, P] -> [N*M, D, Lq, L*P]
    stacked = torch.stack(samples, dim=-2).flatten(-2)
    weights = attn.transpose(1, 2).reshape(n * m, 1, lq, levels * points)
    out = (stacked * weights).sum(-1).view(n, m * d, lq)
    return out.transpose(1, 2).contiguous()


def deform_case(name, n, shapes, m, d, lq, points, lo=-0.2, hi=1.2, softmax=True):
    s = sum(h * w for h, w in shapes)
    levels = len(shapes)
    value = torch.randn(n, s, m, d)
    loc = torch.rand(n, lq, m, levels, points, 2) * (hi - lo) + lo
    logits = torch.randn(n, lq, m, levels * points)
    attn = (logits.softmax(-1) if softmax else logits).view(n, lq, m, levels, points)
    return case(name, lambda v, l, a: ms_deform_attn_core(v, shapes, l, a), [value, loc, attn],
                {'spatialShapes': [list(x) for x in shapes]})


cases = [
    deform_case('three_levels_d8', 1, [(8, 8), (4, 4), (2, 2)], 2, 8, 6, 4),
    deform_case('odd_levels_d32', 1, [(5, 7), (3, 2)], 2, 32, 3, 2, softmax=False),
    deform_case('one_level_d5_far_points', 1, [(3, 4)], 3, 5, 4, 3, lo=-0.8, hi=1.8),
    deform_case('four_levels_d6', 1, [(6, 5), (3, 3), (2, 1), (1, 1)], 1, 6, 5, 2),
]

write('deform', cases)
