"""Golden values for engine/ops/point-cost.ts: the PointVIS matching cost (paper eq. 3-4).

Written with dense torch ops (a [P, R] indicator matrix and two matrix products), a different
route from our kernels' two-phase reduction. Inputs: soft masks [R, T, H, W] and points
[P, 5] = (object, frame, column x, row y, label); output: cost [1, J, R].
"""
import torch

from common import case, write


def blobs(R, T, H, W):
    ys = torch.arange(H).view(1, 1, H, 1) + 0.5
    xs = torch.arange(W).view(1, 1, 1, W) + 0.5
    cy = torch.rand(R, T, 1, 1) * H
    cx = torch.rand(R, T, 1, 1) * W
    ry = 1 + torch.rand(R, 1, 1, 1) * H * 0.6
    rx = 1 + torch.rand(R, 1, 1, 1) * W * 0.6
    d = ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2
    soft = torch.sigmoid(-4 * (d - 1))
    ties = torch.rand(R, T, H, W) < 0.03
    soft = torch.where(ties, torch.full_like(soft, 0.5), soft)
    return torch.round(soft * 1024) / 1024  # exact in f32, so the threshold sees the same values


def random_points(J, T, H, W):
    rows = []
    for j in range(J):
        for t in range(T):
            u = torch.rand(()).item()
            if u < 0.35:
                continue  # not annotated
            n = int(torch.randint(1, 4, ()).item())
            negatives_only = torch.rand(()).item() < 0.15
            for k in range(n):
                label = 0 if negatives_only else (1 if k == 0 else int(torch.randint(0, 2, ()).item()))
                rows.append([j, t, int(torch.randint(0, W, ()).item()), int(torch.randint(0, H, ()).item()), label])
    return torch.tensor(rows, dtype=torch.int64).view(-1, 5)


def point_cost(soft, pts, J, weights, normalize, presence):
    R, T = soft.shape[0], soft.shape[1]
    M = soft > 0.5
    maskness = soft.mean(dim=(1, 2, 3))
    obj, frame, x, y, label = pts.unbind(1)
    ind = M[:, frame, y, x].T.to(soft.dtype)  # [P, R]
    counts = torch.zeros(J, T)
    positives = torch.zeros(J, T)
    for p in range(pts.shape[0]):
        counts[obj[p], frame[p]] += 1
        positives[obj[p], frame[p]] += label[p]
    present = (counts > 0) if presence == 'any-point' else (positives > 0)  # [J, T]
    js = torch.arange(J).view(J, 1)
    in_present = present[:, frame]  # [J, P]: is the point's frame one where object j is present
    own = (obj.view(1, -1) == js) & in_present
    neg = (obj.view(1, -1) != js) & (label.view(1, -1) == 1) & in_present
    wrong = (ind != label.view(-1, 1).to(soft.dtype)).to(soft.dtype)
    ann = own.to(soft.dtype) @ wrong
    cineg = neg.to(soft.dtype) @ ind
    if normalize == 'points':
        n_own = own.sum(1, keepdim=True).to(soft.dtype)
        n_neg = neg.sum(1, keepdim=True).to(soft.dtype)
        ann = torch.where(n_own > 0, ann / n_own.clamp(min=1), torch.zeros_like(ann))
        cineg = torch.where(n_neg > 0, cineg / n_neg.clamp(min=1), torch.zeros_like(cineg))
    cost = weights[0] * ann + weights[1] * cineg - weights[2] * maskness.view(1, R)
    return cost.unsqueeze(0)


def cost_case(name, R, T, H, W, J, weights=(5.0, 5.0, 2.0), normalize='none', presence='any-point'):
    soft = blobs(R, T, H, W)
    pts = random_points(J, T, H, W)
    params = {'objects': J, 'weights': list(weights), 'normalize': normalize, 'presence': presence}
    return case(name, lambda s, p: point_cost(s, p, J, weights, normalize, presence), [soft, pts], params, grad=False)


cases = [
    cost_case('tracked_raw', 8, 4, 5, 37, 4),
    cost_case('tracked_normalized_positive_presence', 7, 3, 5, 12, 3, (1.0, 2.0, 0.5), 'points', 'positive-point'),
    cost_case('single_object', 5, 3, 4, 9, 1),
    cost_case('wide_rows', 5, 2, 2, 70, 3),
]

write('pointcost', cases)
