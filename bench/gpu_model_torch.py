"""The PyTorch baseline of bench/gpu-model-vs-torch.ts: one Mask2Former training iteration
(forward + SetCriterion + backward + AdamW with full-model gradient clipping) of the same
architecture, built from our PyTorch references (tools/torch_ref/swin.py, pixel_decoder.py,
decoder.py, criterion.py), fp32 with TF32 off, on CUDA.

The architecture and loss settings come from the resolved run config our side wrote
(gpu-model-vs-torch.ts --config-out DIR → DIR/<variant>.json); the targets are the same
deterministic ellipses (5 per image). The references compute in float64 by default: this script
switches them to float32 on the default device (their few float64 constants are cast).

Prints one JSON line: {device, torch, variant, batch, height, width, objects, parameters,
msPerIter, firstIterMs, peakAllocatedGiB, loss}.
Run on the GPU machine: python3 bench/gpu_model_torch.py --config DIR/swin-t.json [--batch 8]
  [--size 480x640] [--iters 10] [--device cuda]
"""
import argparse
import json
import math
import os
import sys
import time

import torch


def plain_linear_sum_assignment(cost):
    """scipy's linear_sum_assignment (min cost, rectangular), for a machine without scipy."""
    c = cost.T.tolist() if len(cost) > len(cost[0]) else cost.tolist()  # n ≤ m rows
    n, m = len(c), len(c[0])
    u, v, p, way = [0.0] * (n + 1), [0.0] * (m + 1), [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [float('inf')] * (m + 1), [False] * (m + 1)
        while p[j0] != 0:
            used[j0], i0, delta, j1 = True, p[j0], float('inf'), 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = c[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    pairs = sorted((p[j] - 1, j - 1) for j in range(1, m + 1) if p[j])
    if len(cost) > len(cost[0]):
        pairs = sorted((b, a) for a, b in pairs)
    return [a for a, _ in pairs], [b for _, b in pairs]


try:
    from scipy.optimize import linear_sum_assignment
except ImportError:  # the GPU machine may lack scipy; criterion.py imports it too
    import types
    linear_sum_assignment = plain_linear_sum_assignment
    _optimize = types.ModuleType('scipy.optimize')
    _optimize.linear_sum_assignment = plain_linear_sum_assignment
    sys.modules['scipy'] = types.ModuleType('scipy')
    sys.modules['scipy'].optimize = _optimize
    sys.modules['scipy.optimize'] = _optimize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'torch_ref'))
import criterion as criterion_ref  # noqa: E402
import decoder as decoder_ref  # noqa: E402
import pixel_decoder as pixel_decoder_ref  # noqa: E402
import swin as swin_ref  # noqa: E402

OBJECTS_PER_IMAGE = 5


# ---------------------------------------------------------------- the references in float32

class _Float32Torch:
    """`torch` for a reference module, with float64 requests turned into the default dtype."""

    def __getattr__(self, name):
        return getattr(torch, name)

    @staticmethod
    def tensor(data, *args, dtype=None, **kwargs):
        if dtype == torch.float64:
            dtype = torch.get_default_dtype()
        return torch.tensor(data, *args, dtype=dtype, **kwargs)


def _as_default_dtype(fn):
    def wrapped(*args, **kwargs):
        return fn(*args, **kwargs).to(torch.get_default_dtype())
    return wrapped


def use_float32_on(device):
    torch.set_default_dtype(torch.float32)
    if hasattr(torch, 'set_default_device'):
        torch.set_default_device(device)
    elif device.type == 'cuda':
        torch.set_default_tensor_type(torch.cuda.FloatTensor)
    pixel_decoder_ref.torch = _Float32Torch()
    pixel_decoder_ref.sine_position = _as_default_dtype(pixel_decoder_ref.sine_position)
    pixel_decoder_ref.reference_points = _as_default_dtype(pixel_decoder_ref.reference_points)
    decoder_ref.sine_position = _as_default_dtype(decoder_ref.sine_position)
    criterion_ref.hungarian_match = hungarian_match


@torch.no_grad()
def hungarian_match(logits, masks, labels, tmasks, pts, m):
    """criterion.py's matcher with the cost matrix moved to the CPU for scipy (as the official code does)."""
    out = []
    for b in range(logits.shape[0]):
        tgt_ids = labels[b]
        q = logits.shape[1]
        if len(tgt_ids) == 0:
            empty = torch.zeros(0, dtype=torch.long)
            out.append((empty, empty))
            continue
        cost_class = -logits[b].softmax(-1)[:, tgt_ids]
        coords = pts[b][None]
        tm = criterion_ref.point_sample(tmasks[b][:, None], coords.repeat(len(tgt_ids), 1, 1)).squeeze(1)
        om = criterion_ref.point_sample(masks[b][:, None], coords.repeat(q, 1, 1)).squeeze(1)
        c = (m['mask_cost'] * criterion_ref.batch_sigmoid_ce(om, tm) + m['class_cost'] * cost_class
             + m['dice_cost'] * criterion_ref.batch_dice(om, tm))
        i, j = linear_sum_assignment(c.float().cpu().numpy())
        out.append((torch.as_tensor(i, dtype=torch.long), torch.as_tensor(j, dtype=torch.long)))
    return out


# ---------------------------------------------------------------- model and data

STRIDE = {'res2': 4, 'res3': 8, 'res4': 16, 'res5': 32}


def sub_configs(model_cfg, height, width):
    s = model_cfg['swin']
    swin = {'embedDim': s['embedDim'], 'depths': s['depths'], 'numHeads': s['numHeads'], 'windowSize': s['windowSize']}
    p = model_cfg['pixelDecoder']
    features = {}
    for i, name in enumerate(['res2', 'res3', 'res4', 'res5']):
        features[name] = [s['embedDim'] * 2 ** i, math.ceil(height / STRIDE[name]), math.ceil(width / STRIDE[name])]
    e = p['encoder']
    pixel = {
        'features': features, 'transformer_in_features': p['transformerInFeatures'], 'conv_dim': p['convDim'],
        'mask_dim': p['maskDim'], 'groups': p['groupNormGroups'], 'layers': e['layers'], 'heads': e['heads'],
        'points': e['points'], 'ffn_dim': e['ffnDim'],
    }
    d = model_cfg['decoder']
    dec = {
        'in_channels': p['convDim'], 'hidden': d['hiddenDim'], 'heads': d['heads'], 'layers': d['layers'],
        'queries': d['numQueries'], 'classes': model_cfg['numClasses'], 'ffn': d['ffnDim'], 'mask_dim': p['maskDim'],
    }
    return swin, pixel, dec


def synthetic_targets(batch, height, width, num_classes, objects=OBJECTS_PER_IMAGE):
    """The same ellipses as gpu-model-vs-torch.ts syntheticTargets."""
    ys = torch.arange(height, dtype=torch.float32)[:, None] + 0.5
    xs = torch.arange(width, dtype=torch.float32)[None, :] + 0.5
    labels, masks = [], []
    for b in range(batch):
        row, ms = [], []
        for j in range(objects):
            cx = width * (0.15 + 0.07 * ((5 * b + 3 * j) % 10))
            cy = height * (0.2 + 0.06 * ((3 * b + 7 * j) % 10))
            ry = height * (0.08 + 0.04 * (j % 3))
            rx = width * (0.1 + 0.03 * ((b + j) % 4))
            ms.append((((ys - cy) / ry) ** 2 + ((xs - cx) / rx) ** 2 <= 1).float())
            row.append((b * objects + j) % num_classes)
        labels.append(row)
        masks.append(torch.stack(ms))
    return labels, masks


class Model:
    def __init__(self, model_cfg, height, width):
        self.swin_cfg, self.pixel_cfg, self.dec_cfg = sub_configs(model_cfg, height, width)
        torch.manual_seed(0)
        cast = lambda part: {k: v.detach().float().requires_grad_(True) for k, v in part.items()}  # noqa: E731
        self.backbone = cast(swin_ref.backbone_params(self.swin_cfg))
        self.pixel = cast(pixel_decoder_ref.make_weights(self.pixel_cfg))
        self.decoder = decoder_ref.Decoder(self.dec_cfg, {k: v.float() for k, v in decoder_ref.make_weights(self.dec_cfg).items()})

    def parameters(self):
        return list(self.backbone.values()) + list(self.pixel.values()) + list(self.decoder.parameters())

    def forward(self, images):
        feats = swin_ref.backbone(images, self.backbone, self.swin_cfg)
        mask_features, maps = pixel_decoder_ref.pixel_decoder(self.pixel, feats, self.pixel_cfg)
        preds, _, _, _ = self.decoder.forward(maps, mask_features)
        return preds


def criterion_case(cfg):
    loss = cfg['loss']
    return {
        'classes': cfg['model']['numClasses'], 'num_points': loss['numPoints'],
        'importance_sample_ratio': loss['importanceSampleRatio'], 'no_object_weight': loss['noObjectWeight'],
        'class_weight': loss['classWeight'], 'mask_weight': loss['maskWeight'], 'dice_weight': loss['diceWeight'],
        'matcher': {'class_cost': loss['matcher']['classCost'], 'mask_cost': loss['matcher']['maskCost'],
                    'dice_cost': loss['matcher']['diceCost'], 'num_points': loss['matcher']['numPoints']},
    }


def draw_points(cfg, outputs, batch, pairs):
    loss = cfg['loss']
    p = loss['numPoints']
    important = int(loss['importanceSampleRatio'] * p)
    return {
        'matcher': torch.rand(outputs, batch, loss['matcher']['numPoints'], 2),
        'oversampled': torch.rand(outputs, pairs, int(p * loss['oversampleRatio']), 2),
        'random': torch.rand(outputs, pairs, p - important, 2),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--config', required=True)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--size', default='480x640')
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--device', default='cuda')
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    height, width = (int(v) for v in args.size.split('x'))
    device = torch.device(args.device)
    if device.type == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.set_float32_matmul_precision('highest')
    use_float32_on(device)

    model = Model(cfg['model'], height, width)
    params = model.parameters()
    solver = cfg['solver']
    optimizer = torch.optim.AdamW(params, lr=solver['baseLr'], betas=tuple(solver['betas']), eps=solver['eps'],
                                  weight_decay=solver['weightDecay'])
    clip = solver['clipGradients']
    images = torch.randn(args.batch, 3, height, width)
    labels, masks = synthetic_targets(args.batch, height, width, cfg['model']['numClasses'])
    queries = cfg['model']['decoder']['numQueries']
    pairs = sum(min(len(l), queries) for l in labels)
    outputs = cfg['model']['decoder']['layers'] + 1 if cfg['loss']['deepSupervision'] else 1
    case = criterion_case(cfg)

    def step():
        optimizer.zero_grad(set_to_none=True)
        preds = model.forward(images)
        if not cfg['loss']['deepSupervision']:
            preds = preds[-1:]
        logits = torch.stack([l for l, _ in preds])
        pred_masks = torch.stack([m for _, m in preds])
        _, total, _ = criterion_ref.criterion(case, logits, pred_masks, labels, masks,
                                              draw_points(cfg, outputs, args.batch, pairs))
        total.backward()
        if clip['enabled']:
            torch.nn.utils.clip_grad_norm_(params, clip['value'], norm_type=clip['normType'])
        optimizer.step()
        return total

    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    start = time.perf_counter()
    step()
    sync()
    first_ms = (time.perf_counter() - start) * 1000
    step()
    sync()
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.iters):
        total = step()
    sync()
    ms = (time.perf_counter() - start) * 1000 / args.iters
    peak = torch.cuda.max_memory_allocated() / 2 ** 30 if device.type == 'cuda' else None
    print(json.dumps({
        'device': torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu',
        'torch': torch.__version__,
        'variant': os.path.splitext(os.path.basename(args.config))[0],
        'batch': args.batch, 'height': height, 'width': width, 'objects': OBJECTS_PER_IMAGE,
        'parameters': sum(p.numel() for p in params),
        'msPerIter': round(ms, 2), 'firstIterMs': round(first_ms),
        'peakAllocatedGiB': round(peak, 3) if peak is not None else None,
        'loss': float(total),
    }))


if __name__ == '__main__':
    main()
