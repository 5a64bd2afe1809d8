"""Parity fixture for model/mask2former/criterion: Mask2Former's HungarianMatcher + SetCriterion.

Our own PyTorch version of the official matcher (memory_efficient_forward: per image, points
shared by every mask, cost = class·(−p) + mask·BCE + dice·dice, scipy's linear_sum_assignment)
and criterion (weighted CE with no-object weight, BCE and dice on importance-sampled points,
num_masks normalisation, deep supervision with one matching per prediction), in float64. Every
torch.rand of the official code is replaced by points passed in, so the TS criterion given the
same points must give the same numbers:
  matcher points [O, B, Pm, 2]        prediction o, image b (the official torch.rand(1, Pm, 2))
  oversampled    [O, N, 3P, 2]        the candidates of get_uncertain_point_coords_with_randomness
  random         [O, N, P - 0.75P, 2] its uniform points
where N counts the matched pairs and row r belongs to the r-th matched target in (image, target)
order (the official code orders pairs by query instead; which draw goes to which pair is a
convention, not a semantic).

Writes test/fixtures/parity/criterion.safetensors with, per case c:
  case{c}.pred_logits [O, B, Q, K+1], case{c}.pred_masks [O, B, Q, Hm, Wm]  (prediction order:
      aux 0 … L−1, then the last)
  case{c}.target_masks [ΣT, Ht, Wt], case{c}.target_labels [ΣT] (I32), case{c}.target_counts [B] (I32)
  case{c}.points.{matcher,oversampled,random}
  case{c}.matches [O, B, Q] (I32): target index within the image of each query, −1 if unmatched
  case{c}.loss.<name> [1] for every term (loss_ce, loss_mask, loss_dice, loss_ce_0, …), case{c}.total [1]
  case{c}.grad.pred_logits, case{c}.grad.pred_masks: d total / d predictions
and the cases' options as JSON in the metadata.
Run: /usr/bin/python3 tools/torch_ref/criterion.py
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decoder import write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = [
    {   # the default weights; one image without objects
        'name': 'mixed', 'seed': 3, 'counts': [2, 0, 4], 'queries': 6, 'classes': 5, 'outputs': 3,
        'mask_size': [8, 8], 'target_size': [32, 32],
        'class_weight': 2.0, 'mask_weight': 5.0, 'dice_weight': 5.0, 'no_object_weight': 0.1,
        'num_points': 16, 'oversample_ratio': 3.0, 'importance_sample_ratio': 0.75,
        'matcher': {'class_cost': 2.0, 'mask_cost': 5.0, 'dice_cost': 5.0, 'num_points': 20},
    },
    {   # more targets than queries in image 0 (only Q of them matched); other weights everywhere
        'name': 'crowded', 'seed': 4, 'counts': [7, 1], 'queries': 5, 'classes': 3, 'outputs': 2,
        'mask_size': [6, 10], 'target_size': [24, 40],
        'class_weight': 1.0, 'mask_weight': 3.0, 'dice_weight': 4.0, 'no_object_weight': 0.2,
        'num_points': 10, 'oversample_ratio': 2.5, 'importance_sample_ratio': 0.6,
        'matcher': {'class_cost': 1.5, 'mask_cost': 3.0, 'dice_cost': 4.0, 'num_points': 12},
    },
    {   # no objects anywhere: only the CE against no-object
        'name': 'empty', 'seed': 5, 'counts': [0, 0], 'queries': 4, 'classes': 3, 'outputs': 2,
        'mask_size': [4, 4], 'target_size': [16, 16],
        'class_weight': 2.0, 'mask_weight': 5.0, 'dice_weight': 5.0, 'no_object_weight': 0.1,
        'num_points': 8, 'oversample_ratio': 3.0, 'importance_sample_ratio': 0.75,
        'matcher': {'class_cost': 2.0, 'mask_cost': 5.0, 'dice_cost': 5.0, 'num_points': 8},
    },
]


def point_sample(x, coords):
    """point_sample: x [N, C, H, W] at coords [N, P, 2] (x, y in [0, 1]) → [N, C, P]."""
    return F.grid_sample(x, (2 * coords - 1).unsqueeze(2), mode='bilinear', padding_mode='zeros',
                         align_corners=False).squeeze(3)


def batch_sigmoid_ce(x, t):
    pos = F.binary_cross_entropy_with_logits(x, torch.ones_like(x), reduction='none')
    neg = F.binary_cross_entropy_with_logits(x, torch.zeros_like(x), reduction='none')
    return (torch.einsum('nc,mc->nm', pos, t) + torch.einsum('nc,mc->nm', neg, 1 - t)) / x.shape[1]


def batch_dice(x, t):
    s = x.sigmoid()
    num = 2 * torch.einsum('nc,mc->nm', s, t)
    den = s.sum(-1)[:, None] + t.sum(-1)[None, :]
    return 1 - (num + 1) / (den + 1)


@torch.no_grad()
def hungarian_match(logits, masks, labels, tmasks, pts, m):
    """Per image b: (query indices, target indices) sorted by query, as scipy returns them."""
    out = []
    for b in range(logits.shape[0]):
        tgt_ids = labels[b]
        q = logits.shape[1]
        if len(tgt_ids) == 0:
            out.append((torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)))
            continue
        prob = logits[b].softmax(-1)
        cost_class = -prob[:, tgt_ids]
        coords = pts[b][None]
        tm = point_sample(tmasks[b][:, None], coords.repeat(len(tgt_ids), 1, 1)).squeeze(1)
        om = point_sample(masks[b][:, None], coords.repeat(q, 1, 1)).squeeze(1)
        c = m['mask_cost'] * batch_sigmoid_ce(om, tm) + m['class_cost'] * cost_class + m['dice_cost'] * batch_dice(om, tm)
        i, j = linear_sum_assignment(c.numpy())
        out.append((torch.as_tensor(i, dtype=torch.long), torch.as_tensor(j, dtype=torch.long)))
    return out


def uncertain_points(src, over, rand, k):
    """get_uncertain_point_coords_with_randomness with the draws given; uncertainty −|logit|."""
    logits = point_sample(src, over)  # [N, 1, 3P]
    unc = -logits.abs()
    idx = torch.topk(unc[:, 0, :], k=k, dim=1)[1]
    chosen = torch.gather(over, 1, idx[:, :, None].expand(-1, -1, 2))
    return torch.cat([chosen, rand], dim=1)


def criterion(case, logits_all, masks_all, labels, tmasks, pts):
    k_cls = case['classes']
    b = len(labels)
    num_masks = max(sum(len(l) for l in labels), 1)
    p = case['num_points']
    important = int(case['importance_sample_ratio'] * p)
    empty_weight = torch.ones(k_cls + 1)
    empty_weight[-1] = case['no_object_weight']
    # the pair row of each (image, target): rank among matched targets, image-major
    losses, all_matches = {}, []
    o = logits_all.shape[0]
    for k in range(o):
        logits, masks = logits_all[k], masks_all[k]
        indices = hungarian_match(logits, masks, labels, tmasks, pts['matcher'][k], case['matcher'])
        matches = torch.full(logits.shape[:2], -1, dtype=torch.long)
        for bi, (i, j) in enumerate(indices):
            matches[bi, i] = j
        all_matches.append(matches)
        # loss_labels
        target_classes = torch.full(logits.shape[:2], k_cls, dtype=torch.long)
        for bi, (i, j) in enumerate(indices):
            target_classes[bi, i] = torch.as_tensor(labels[bi], dtype=torch.long)[j]
        loss_ce = F.cross_entropy(logits.transpose(1, 2), target_classes, empty_weight)
        # loss_masks, official pair order (image, query); draws by target rank
        row_of = {}
        for bi in range(b):
            matched_targets = sorted(int(j) for j in indices[bi][1])
            for jj in matched_targets:
                row_of[(bi, jj)] = len(row_of)
        src_list, tgt_list, rows = [], [], []
        for bi, (i, j) in enumerate(indices):
            for ii, jj in zip(i.tolist(), j.tolist()):
                src_list.append(masks[bi, ii])
                tgt_list.append(tmasks[bi][jj])
                rows.append(row_of[(bi, jj)])
        suffix = '' if k == o - 1 else f'_{k}'
        if src_list:
            src = torch.stack(src_list)[:, None]
            tgt = torch.stack(tgt_list)[:, None]
            rows = torch.as_tensor(rows)
            with torch.no_grad():
                coords = uncertain_points(src, pts['oversampled'][k][rows], pts['random'][k][rows], important)
                point_labels = point_sample(tgt, coords).squeeze(1)
            point_logits = point_sample(src, coords).squeeze(1)
            loss_mask = F.binary_cross_entropy_with_logits(point_logits, point_labels, reduction='none').mean(1).sum() / num_masks
            s = point_logits.sigmoid()
            dice = 1 - (2 * (s * point_labels).sum(-1) + 1) / (s.sum(-1) + point_labels.sum(-1) + 1)
            loss_dice = dice.sum() / num_masks
        else:
            loss_mask = masks.sum() * 0
            loss_dice = masks.sum() * 0
        losses['loss_ce' + suffix] = (loss_ce, case['class_weight'])
        losses['loss_mask' + suffix] = (loss_mask, case['mask_weight'])
        losses['loss_dice' + suffix] = (loss_dice, case['dice_weight'])
    total = sum(v * w for v, w in losses.values())
    return losses, total, torch.stack(all_matches)


def blobs(n, h, w, g):
    """n random binary masks: unions of 1–3 ellipses."""
    yy, xx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing='ij')
    out = torch.zeros(n, h, w)
    for i in range(n):
        for _ in range(int(torch.randint(1, 4, (1,), generator=g))):
            cy, cx = float(torch.rand(1, generator=g)) * h, float(torch.rand(1, generator=g)) * w
            ry = (0.1 + 0.3 * float(torch.rand(1, generator=g))) * h
            rx = (0.1 + 0.3 * float(torch.rand(1, generator=g))) * w
            out[i] = torch.maximum(out[i], (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1).double())
    return out


def f32(t):
    return t.float().double()


def run_case(c, case):
    g = torch.Generator().manual_seed(case['seed'])
    o, q, k_cls = case['outputs'], case['queries'], case['classes']
    counts = case['counts']
    b = len(counts)
    hm, wm = case['mask_size']
    ht, wt = case['target_size']
    # predictions: random logits, masks = smooth random fields (upsampled noise) plus the mask
    # of a target for some queries, so the matching is not arbitrary
    logits = f32(2 * torch.randn(o, b, q, k_cls + 1, generator=g))
    masks = f32(3 * F.interpolate(torch.randn(o * b, q, (hm + 1) // 2, (wm + 1) // 2, generator=g), size=(hm, wm),
                                  mode='bilinear', align_corners=False).reshape(o, b, q, hm, wm))
    labels = [torch.randint(0, k_cls, (n,), generator=g).tolist() for n in counts]
    tmasks = [blobs(n, ht, wt, g) for n in counts]
    for bi, n in enumerate(counts):
        for j in range(min(n, q)):
            small = F.interpolate(tmasks[bi][j][None, None], size=(hm, wm), mode='bilinear', align_corners=False)[0, 0]
            masks[:, bi, (j * 2) % q] += f32(4 * (small - 0.5))
    matched = sum(min(n, q) for n in counts)
    p = case['num_points']
    important = int(case['importance_sample_ratio'] * p)
    pts = {
        'matcher': f32(torch.rand(o, b, case['matcher']['num_points'], 2, generator=g)),
        'oversampled': f32(torch.rand(o, matched, int(p * case['oversample_ratio']), 2, generator=g)),
        'random': f32(torch.rand(o, matched, p - important, 2, generator=g)),
    }
    lg = logits.clone().requires_grad_(True)
    mk = masks.clone().requires_grad_(True)
    losses, total, matches = criterion(case, lg, mk, labels, tmasks, pts)
    total.backward()
    pre = f'case{c}.'
    out = {
        pre + 'pred_logits': logits,
        pre + 'pred_masks': masks,
        pre + 'target_masks': torch.cat(tmasks, 0) if sum(counts) else torch.zeros(0, ht, wt),
        pre + 'target_labels': torch.as_tensor(sum(labels, []), dtype=torch.int32),
        pre + 'target_counts': torch.as_tensor(counts, dtype=torch.int32),
        pre + 'matches': matches.int(),
        pre + 'total': total.detach().reshape(1),
        pre + 'grad.pred_logits': lg.grad,
        pre + 'grad.pred_masks': mk.grad,
    }
    for name, t in pts.items():
        out[f'{pre}points.{name}'] = t
    for name, (v, _) in losses.items():
        out[f'{pre}loss.{name}'] = v.detach().reshape(1)
    print(f"case {c} ({case['name']}): total {float(total):.6f}, matched pairs per prediction {matched}, "
          + ', '.join(f'{k} {float(v):.5f}' for k, (v, _) in list(losses.items())[-3:]))
    return out


if __name__ == '__main__':
    tensors = {}
    for c, case in enumerate(CASES):
        tensors.update(run_case(c, case))
    path = os.path.join(ROOT, 'test', 'fixtures', 'parity', 'criterion.safetensors')
    size = write_safetensors(path, tensors, {'cases': json.dumps(CASES), 'generator': 'tools/torch_ref/criterion.py'})
    print(f'wrote {path}: {size} bytes')
