"""Golden values for engine/ops/sample.ts: bilinear interpolate, grid_sample, point_sample."""
import torch
import torch.nn.functional as F

from common import case, write


def interp(name, shape, **kw):
    x = torch.randn(shape)
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    return case(name, lambda t: F.interpolate(t, mode='bilinear', **kw), [x], params)


def point_sample(x, coords, **kw):
    # Mask2Former's point_sample: [N, P, 2] coords in [0, 1] -> [N, C, P].
    return F.grid_sample(x, 2.0 * coords.unsqueeze(2) - 1.0, **kw).squeeze(3)


cases = [
    interp('interp_up2', (2, 3, 4, 5), scale_factor=2, align_corners=False),
    interp('interp_up4', (1, 2, 3, 3), scale_factor=4, align_corners=False),
    interp('interp_odd_size', (1, 2, 3, 4), size=(7, 5), align_corners=False),
    interp('interp_down_size', (1, 2, 9, 8), size=(4, 3), align_corners=False),
    interp('interp_frac_up', (1, 1, 5, 7), scale_factor=1.7, align_corners=False),
    interp('interp_frac_down', (1, 2, 10, 9), scale_factor=0.45, align_corners=False),
    interp('interp_align_corners', (1, 2, 4, 5), size=(7, 9), align_corners=True),
]

for align in (False, True):
    x = torch.randn(2, 3, 5, 6)
    grid = torch.rand(2, 4, 7, 2) * 2.6 - 1.3  # about a fifth of the points fall outside
    cases.append(case(f'grid_sample_align_{str(align).lower()}',
                      lambda a, g, al=align: F.grid_sample(a, g, mode='bilinear', padding_mode='zeros', align_corners=al),
                      [x, grid], {'alignCorners': align}))

x = torch.randn(2, 4, 6, 7)
coords = torch.rand(2, 9, 2) * 1.2 - 0.1
cases.append(case('point_sample', lambda a, c: point_sample(a, c, align_corners=False), [x, coords], {}))

write('sample', cases)
