"""Golden optimizer trajectories from torch.optim (float32, as the engine computes): AdamW and SGD
over a few steps on random parameters and gradients, with parameter groups (lr multipliers,
no-decay groups), steps where a parameter has no gradient, full-model gradient clipping
(torch.nn.utils.clip_grad_norm_) and a warmup-poly lr schedule.
Run: /usr/bin/python3 tools/golden/optim.py
"""
import math

import torch
from common import flat, write

F32 = torch.float32


def poly_factor(it, max_iters, warmup_factor, warmup_iters, power=0.9):
    # Mask2Former's WarmupPolyLR, written from its definition.
    warm = 1.0
    if it < warmup_iters:
        alpha = it / warmup_iters
        warm = warmup_factor * (1 - alpha) + alpha
    return warm * math.pow(1.0 - it / max_iters, power)


def trajectory(name, make_optimizer, groups, shapes, steps, base_lr, clip=None, missing=(), schedule=None,
               grad_scales=None, options=None):
    """groups: [{'params': [names], 'lrMultiplier': m, 'weightDecay': wd}]"""
    params = {n: torch.randn(s, dtype=F32) for n, s in shapes.items()}
    initial = {n: {'shape': list(p.shape), 'data': flat(p)} for n, p in params.items()}
    for p in params.values():
        p.requires_grad_(True)
    torch_groups = [{'params': [params[n] for n in g['params']], 'lr': base_lr * g['lrMultiplier'],
                     **({'weight_decay': g['weightDecay']} if 'weightDecay' in g else {})} for g in groups]
    opt = make_optimizer(torch_groups)
    record = []
    for it in range(steps):
        factor = schedule(it) if schedule else 1.0
        for tg, g in zip(opt.param_groups, groups):
            tg['lr'] = base_lr * g['lrMultiplier'] * factor
        grads = {}
        for n, p in params.items():
            if (it, n) in missing:
                p.grad = None
                grads[n] = None
            else:
                scale = grad_scales[it] if grad_scales else 1.0
                p.grad = torch.randn(p.shape, dtype=F32) * scale
                grads[n] = flat(p.grad)
        entry = {'lrFactor': factor, 'grads': grads}
        if clip is not None:
            entry['totalNorm'] = float(torch.nn.utils.clip_grad_norm_(
                [p for p in params.values() if p.grad is not None], clip))
        opt.step()
        entry['params'] = {n: flat(p) for n, p in params.items()}
        record.append(entry)
    return {'name': name, 'baseLr': base_lr, 'clip': clip, 'options': options or {}, 'groups': groups,
            'initial': initial, 'steps': record}


cases = []
shapes = {'backbone.w': [7, 4], 'backbone.norm': [13], 'head.w': [3, 5], 'head.b': [6]}
groups = [
    {'params': ['backbone.w'], 'lrMultiplier': 0.1, 'weightDecay': 0.05},
    {'params': ['backbone.norm'], 'lrMultiplier': 0.1, 'weightDecay': 0.0},
    {'params': ['head.w'], 'lrMultiplier': 1.0, 'weightDecay': 0.05},
    {'params': ['head.b'], 'lrMultiplier': 1.0, 'weightDecay': 0.0},
]

cases.append(trajectory(
    'adamw_groups', lambda g: torch.optim.AdamW(g, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
    groups, shapes, steps=6, base_lr=1e-2, missing={(1, 'head.b'), (2, 'backbone.norm')},
    options={'betas': [0.9, 0.999], 'eps': 1e-8, 'weightDecay': 0.05}))

# Gradients of varying size so that some steps clip and some don't; lr follows warmup-poly.
cases.append(trajectory(
    'adamw_clip_poly', lambda g: torch.optim.AdamW(g, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
    groups, shapes, steps=6, base_lr=1e-2, clip=2.0, missing={(3, 'head.w')},
    schedule=lambda it: poly_factor(it, max_iters=8, warmup_factor=0.1, warmup_iters=3),
    grad_scales=[0.05, 1.0, 0.1, 3.0, 0.01, 0.5],
    options={'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.05,
             'schedule': {'kind': 'poly', 'maxIters': 8, 'power': 0.9, 'warmup': {'factor': 0.1, 'iters': 3}}}))

cases.append(trajectory(
    'sgd_momentum', lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9, weight_decay=1e-3),
    groups, shapes, steps=5, base_lr=0.1, missing={(2, 'head.b')},
    options={'momentum': 0.9, 'weightDecay': 1e-3}))

cases.append(trajectory(
    'sgd_nesterov_clip', lambda g: torch.optim.SGD(g, lr=0.05, momentum=0.5, nesterov=True),
    [{'params': list(shapes), 'lrMultiplier': 1.0}], shapes, steps=4, base_lr=0.05, clip=1.0,
    grad_scales=[1.0, 0.05, 2.0, 0.1], options={'momentum': 0.5, 'nesterov': True}))

cases.append(trajectory(
    'sgd_plain', lambda g: torch.optim.SGD(g, lr=0.3), [{'params': list(shapes), 'lrMultiplier': 1.0}],
    shapes, steps=3, base_lr=0.3, options={}))

write('optim', cases)
