"""Golden values for the losses: F.cross_entropy (class weights, ignore_index, reductions,
spatial dims), F.binary_cross_entropy_with_logits, and Mask2Former's sigmoid_ce_loss, dice_loss
and sigmoid_focal_loss (the formulas of its criterion). Gradients flow to the logits (and, for
BCE, to the targets); class weights and integer targets get none.
Run: /usr/bin/python3 tools/golden/loss.py
"""
import torch
import torch.nn.functional as F
from common import flat, write


def loss_case(name, fn, inputs, grad_inputs, params=None):
    xs = [x.clone().requires_grad_(i in grad_inputs) for i, x in enumerate(inputs)]
    out = fn(*xs)
    entry = {
        'name': name,
        'params': params or {},
        'inputs': [{'data': flat(x), 'shape': list(x.shape), 'dtype': 'f32' if x.is_floating_point() else 'i32'}
                   for x in xs],
        'output': {'data': flat(out), 'shape': list(out.shape)},
    }
    cot = torch.randn(out.shape)
    grads = torch.autograd.grad(out, [xs[i] for i in grad_inputs], cot)
    by_index = dict(zip(grad_inputs, grads))
    entry['cotangent'] = flat(cot)
    entry['grads'] = [flat(by_index[i]) if i in by_index else None for i in range(len(xs))]
    return entry


# Mask2Former's criterion formulas (mask2former/modeling/criterion.py, DETR's segmentation.py).
def m2f_dice_loss(inputs, targets, num_masks):
    inputs = inputs.sigmoid().flatten(1)
    numerator = 2 * (inputs * targets).sum(-1)
    denominator = inputs.sum(-1) + targets.sum(-1)
    return (1 - (numerator + 1) / (denominator + 1)).sum() / num_masks


def m2f_sigmoid_ce_loss(inputs, targets, num_masks):
    return F.binary_cross_entropy_with_logits(inputs, targets, reduction='none').mean(1).sum() / num_masks


def focal_elements(inputs, targets, alpha, gamma):
    prob = inputs.sigmoid()
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction='none')
    p_t = prob * targets + (1 - prob) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss


def m2f_sigmoid_focal_loss(inputs, targets, num_masks, alpha=0.25, gamma=2):
    return focal_elements(inputs, targets, alpha, gamma).mean(1).sum() / num_masks


def binary(shape, p=0.4):
    return (torch.rand(shape) < p).double()


cases = []
# Cross-entropy: Mask2Former's class loss has weight 0.1 on the last (no-object) class.
w = torch.ones(5)
w[-1] = 0.1
w[1] = 2.0
logits = torch.randn(7, 5) * 3
target = torch.tensor([4, 0, 1, 4, -100, 3, 2], dtype=torch.int32)
cases.append(loss_case('ce_weighted_mean', lambda x, y, ww: F.cross_entropy(x, y.long(), weight=ww),
                       [logits, target, w], [0], {'reduction': 'mean', 'ignoreIndex': -100}))
cases.append(loss_case('ce_weighted_sum', lambda x, y, ww: F.cross_entropy(x, y.long(), weight=ww, reduction='sum'),
                       [logits, target, w], [0], {'reduction': 'sum', 'ignoreIndex': -100}))
cases.append(loss_case('ce_weighted_none', lambda x, y, ww: F.cross_entropy(x, y.long(), weight=ww, reduction='none'),
                       [logits, target, w], [0], {'reduction': 'none', 'ignoreIndex': -100}))
spatial = torch.randn(2, 4, 3, 2)
spatial_target = torch.randint(0, 4, (2, 3, 2), dtype=torch.int32)
cases.append(loss_case('ce_spatial_ignore1_mean',
                       lambda x, y: F.cross_entropy(x, y.long(), ignore_index=1),
                       [spatial, spatial_target], [0], {'reduction': 'mean', 'ignoreIndex': 1}))
cases.append(loss_case('ce_large_logits', lambda x, y: F.cross_entropy(x, y.long()),
                       [torch.randn(3, 6) * 40, torch.tensor([0, 5, 2], dtype=torch.int32)], [0],
                       {'reduction': 'mean', 'ignoreIndex': -100}))

# BCE with logits, soft targets, large logits for stability; targets get a gradient too.
x = torch.randn(3, 7) * 4
x[0, 0], x[1, 1], x[2, 2] = 40.0, -40.0, 1e-3
t = torch.rand(3, 7)
for red in ['mean', 'sum', 'none']:
    cases.append(loss_case(f'bce_{red}', lambda a, b, red=red: F.binary_cross_entropy_with_logits(a, b, reduction=red),
                           [x, t], [0, 1], {'reduction': red}))

# Mask2Former's mask losses on [N, P] point logits with binary targets (P % 4 == 0 and not).
for p in [20, 21]:
    ml = torch.randn(4, p) * 3
    mt = binary((4, p))
    cases.append(loss_case(f'm2f_sigmoid_ce_p{p}', lambda a, b: m2f_sigmoid_ce_loss(a, b, 3.0), [ml, mt], [0],
                           {'numMasks': 3}))
    cases.append(loss_case(f'm2f_dice_p{p}', lambda a, b: m2f_dice_loss(a, b, 3.0), [ml, mt], [0], {'numMasks': 3}))
    cases.append(loss_case(f'm2f_focal_p{p}', lambda a, b: m2f_sigmoid_focal_loss(a, b, 2.0), [ml, mt], [0],
                           {'numMasks': 2, 'alpha': 0.25, 'gamma': 2}))

fl = torch.randn(2, 9) * 3
ft = binary((2, 9))
cases.append(loss_case('focal_none_alpha_off_gamma1_5', lambda a, b: focal_elements(a, b, -1, 1.5), [fl, ft], [0],
                       {'reduction': 'none', 'alpha': -1, 'gamma': 1.5}))
cases.append(loss_case('focal_mean', lambda a, b: focal_elements(a, b, 0.25, 2).mean(), [fl, ft], [0],
                       {'reduction': 'mean', 'alpha': 0.25, 'gamma': 2}))

write('loss', cases)
