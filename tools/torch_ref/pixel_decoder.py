"""Parity fixture for model/mask2former/pixel-decoder: Mask2Former's MSDeformAttnPixelDecoder.

Our own PyTorch version, written from /work/shared/M2F_SEMANTICS.md §3.2 (not copied from the
official code), on a tiny config, in float64 from float32-rounded weights and inputs. The
deformable attention core is the pure-PyTorch path (grid_sample, align_corners=False, zeros).

Writes test/fixtures/parity/pixel_decoder.safetensors (F32) holding:
  sem_seg_head.pixel_decoder.*         the weights, under the official names
  input.res2 .. input.res5             backbone features [B, C_f, H_f, W_f]
  output.mask_features                 [B, mask_dim, H2, W2]
  output.multi_scale.{0,1,2}           encoder maps, res5-level first
  cotangent.*                          a random cotangent for every output
  grad.input.*, grad.<param name>      gradients of sum(cotangent · output)
and the config as JSON in the metadata.
Run: /usr/bin/python3 tools/torch_ref/pixel_decoder.py
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = 'sem_seg_head.pixel_decoder.'

CONFIG = {
    'batch': 2,
    # backbone features: name -> (channels, H, W); strides 4, 8, 16, 32 of a 48x64 image
    'features': {'res2': [8, 12, 16], 'res3': [16, 6, 8], 'res4': [32, 3, 4], 'res5': [64, 2, 2]},
    'transformer_in_features': ['res3', 'res4', 'res5'],
    'conv_dim': 32,
    'mask_dim': 16,
    'groups': 8,
    'layers': 2,
    'heads': 4,
    'points': 2,
    'ffn_dim': 48,
}
STRIDES = {'res2': 4, 'res3': 8, 'res4': 16, 'res5': 32}


def f32(t):
    """Round to float32 and back, so the fixture holds exactly what the model computed from."""
    return t.float().double()


# ---------------------------------------------------------------- weights (random, f32-exact)

def uniform(shape, bound):
    return f32((torch.rand(shape) * 2 - 1) * bound)


def affine_norm(c):
    return f32(1 + 0.2 * torch.randn(c)), f32(0.1 * torch.randn(c))


def make_weights(cfg):
    c, nh, pts, ffn = cfg['conv_dim'], cfg['heads'], cfg['points'], cfg['ffn_dim']
    levels = len(cfg['transformer_in_features'])
    w = {}
    # level order: res5 first (sorted by stride, reversed)
    for l, name in enumerate(reversed(cfg['transformer_in_features'])):
        cin = cfg['features'][name][0]
        w[f'input_proj.{l}.0.weight'] = uniform((c, cin, 1, 1), math.sqrt(6 / (cin + c)))
        w[f'input_proj.{l}.0.bias'] = uniform((c,), 0.1)
        w[f'input_proj.{l}.1.weight'], w[f'input_proj.{l}.1.bias'] = affine_norm(c)
    w['transformer.level_embed'] = f32(torch.randn(levels, c))
    for i in range(cfg['layers']):
        p = f'transformer.encoder.layers.{i}.'
        # offsets: the official direction grid (p+1)·(cos, sin)/max(|cos|,|sin|) plus noise, so
        # points spread a few pixels and many fall off the tiny maps (border handling matters)
        grid = torch.zeros(nh, levels, pts, 2)
        for h in range(nh):
            th = 2 * math.pi * h / nh
            d = torch.tensor([math.cos(th), math.sin(th)])
            d = d / d.abs().max()
            for q in range(pts):
                grid[h, :, q] = (q + 1) * d
        w[p + 'self_attn.sampling_offsets.weight'] = uniform((nh * levels * pts * 2, c), 0.4)
        w[p + 'self_attn.sampling_offsets.bias'] = f32(grid.flatten() + 0.3 * torch.randn(grid.numel()))
        w[p + 'self_attn.attention_weights.weight'] = uniform((nh * levels * pts, c), 0.3)
        w[p + 'self_attn.attention_weights.bias'] = uniform((nh * levels * pts,), 0.5)
        for lin in ('value_proj', 'output_proj'):
            w[p + f'self_attn.{lin}.weight'] = uniform((c, c), math.sqrt(3 / c))
            w[p + f'self_attn.{lin}.bias'] = uniform((c,), 0.1)
        w[p + 'norm1.weight'], w[p + 'norm1.bias'] = affine_norm(c)
        w[p + 'linear1.weight'] = uniform((ffn, c), 1 / math.sqrt(c))
        w[p + 'linear1.bias'] = uniform((ffn,), 1 / math.sqrt(c))
        w[p + 'linear2.weight'] = uniform((c, ffn), 1 / math.sqrt(ffn))
        w[p + 'linear2.bias'] = uniform((c,), 1 / math.sqrt(ffn))
        w[p + 'norm2.weight'], w[p + 'norm2.bias'] = affine_norm(c)
    # FPN step for res2 (the only feature finer than the transformer's stride 8)
    cin2 = cfg['features']['res2'][0]
    w['adapter_1.weight'] = uniform((c, cin2, 1, 1), math.sqrt(3 / cin2))
    w['adapter_1.norm.weight'], w['adapter_1.norm.bias'] = affine_norm(c)
    w['layer_1.weight'] = uniform((c, c, 3, 3), math.sqrt(3 / (9 * c)))
    w['layer_1.norm.weight'], w['layer_1.norm.bias'] = affine_norm(c)
    w['mask_features.weight'] = uniform((cfg['mask_dim'], c, 1, 1), math.sqrt(3 / c))
    w['mask_features.bias'] = uniform((cfg['mask_dim'],), 0.1)
    return w


# ---------------------------------------------------------------- the model, from the doc

def sine_position(h, w, c):
    """PositionEmbeddingSine(c/2, normalize=True), no mask, computed in float32 -> [1, c, h, w]."""
    npf = c // 2
    scale = 2 * math.pi
    eps = 1e-6
    ones = torch.ones(1, h, w, dtype=torch.float32)
    y = ones.cumsum(1)
    x = ones.cumsum(2)
    y = y / (y[:, -1:, :] + eps) * scale
    x = x / (x[:, :, -1:] + eps) * scale
    k = torch.arange(npf, dtype=torch.float32)
    dim_t = 10000 ** (2 * torch.div(k, 2, rounding_mode='floor') / npf)
    py = y[:, :, :, None] / dim_t
    px = x[:, :, :, None] / dim_t
    # sin on even channels, cos on odd channels, interleaved pairwise
    py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), dim=4).flatten(3)
    px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), dim=4).flatten(3)
    return torch.cat((py, px), dim=3).permute(0, 3, 1, 2).double()


def reference_points(shapes):
    """[1, S, 2] normalised (x, y) pixel centres, level-major, as float32 linspace / size."""
    pts = []
    for h, w in shapes:
        ry, rx = torch.meshgrid(torch.linspace(0.5, h - 0.5, h, dtype=torch.float32),
                                torch.linspace(0.5, w - 0.5, w, dtype=torch.float32), indexing='ij')
        pts.append(torch.stack((rx.reshape(-1) / w, ry.reshape(-1) / h), -1))
    return torch.cat(pts, 0)[None].double()


def deform_core(value, shapes, loc, attn):
    """value [N, S, M, D], loc [N, Q, M, L, P, 2] in [0,1] (x, y), attn [N, Q, M, L, P] -> [N, Q, M*D]."""
    n, _, m, d = value.shape
    _, q, _, levels, pts, _ = loc.shape
    per_level = value.split([h * w for h, w in shapes], dim=1)
    out = torch.zeros(n, m, d, q)
    for l, (h, w) in enumerate(shapes):
        v = per_level[l].permute(0, 2, 3, 1).reshape(n * m, d, h, w)
        g = (2 * loc[:, :, :, l] - 1).permute(0, 2, 1, 3, 4).reshape(n * m, q, pts, 2)
        s = F.grid_sample(v, g, mode='bilinear', padding_mode='zeros', align_corners=False)  # [NM, D, Q, P]
        a = attn[:, :, :, l].permute(0, 2, 1, 3).reshape(n * m, 1, q, pts)
        out = out + (s * a).sum(-1).view(n, m, d, q)
    return out.view(n, m * d, q).transpose(1, 2)


def linear(x, w, name):
    return F.linear(x, w[name + '.weight'], w[name + '.bias'])


def encoder_layer(w, p, src, pos, ref, shapes, cfg):
    nh, pts = cfg['heads'], cfg['points']
    levels = len(shapes)
    n, s, c = src.shape
    query = src + pos
    value = linear(src, w, p + 'self_attn.value_proj').view(n, s, nh, c // nh)
    off = linear(query, w, p + 'self_attn.sampling_offsets').view(n, s, nh, levels, pts, 2)
    logits = linear(query, w, p + 'self_attn.attention_weights').view(n, s, nh, levels * pts)
    attn = logits.softmax(-1).view(n, s, nh, levels, pts)
    normalizer = torch.tensor([[w_, h_] for h_, w_ in shapes], dtype=torch.float64)  # (W, H)
    loc = ref[:, :, None, None, None, :] + off / normalizer[None, None, None, :, None, :]
    attended = linear(deform_core(value, shapes, loc, attn), w, p + 'self_attn.output_proj')
    src = F.layer_norm(src + attended, (c,), w[p + 'norm1.weight'], w[p + 'norm1.bias'])
    ffn = linear(F.relu(linear(src, w, p + 'linear1')), w, p + 'linear2')
    return F.layer_norm(src + ffn, (c,), w[p + 'norm2.weight'], w[p + 'norm2.bias'])


def conv_gn(x, w, name, groups, padding=0):
    y = F.conv2d(x, w[name + '.weight'], None, padding=padding)
    return F.group_norm(y, groups, w[name + '.norm.weight'], w[name + '.norm.bias'])


def pixel_decoder(w, feats, cfg):
    g = cfg['groups']
    c = cfg['conv_dim']
    names = list(reversed(cfg['transformer_in_features']))  # res5, res4, res3
    srcs, poss, shapes = [], [], []
    for l, name in enumerate(names):
        x = feats[name]
        y = F.conv2d(x, w[f'input_proj.{l}.0.weight'], w[f'input_proj.{l}.0.bias'])
        y = F.group_norm(y, g, w[f'input_proj.{l}.1.weight'], w[f'input_proj.{l}.1.bias'])
        h, wd = y.shape[-2:]
        shapes.append((h, wd))
        srcs.append(y.flatten(2).transpose(1, 2))
        pos = sine_position(h, wd, c).flatten(2).transpose(1, 2)
        poss.append(pos + w['transformer.level_embed'][l].view(1, 1, -1))
    src = torch.cat(srcs, 1)
    pos = torch.cat(poss, 1)
    ref = reference_points(shapes)
    for i in range(cfg['layers']):
        src = encoder_layer(w, f'transformer.encoder.layers.{i}.', src, pos, ref, shapes, cfg)
    n = src.shape[0]
    maps = [z.transpose(1, 2).reshape(n, c, h, wd)
            for z, (h, wd) in zip(src.split([h * wd for h, wd in shapes], 1), shapes)]
    # FPN: res2 lateral + bilinear upsample of the finest encoder map, then 3x3 conv + GN + ReLU
    lateral = conv_gn(feats['res2'], w, 'adapter_1', g)
    up = F.interpolate(maps[-1], size=lateral.shape[-2:], mode='bilinear', align_corners=False)
    y = F.relu(conv_gn(lateral + up, w, 'layer_1', g, padding=1))
    mask = F.conv2d(y, w['mask_features.weight'], w['mask_features.bias'])
    return mask, maps[:3]


# ---------------------------------------------------------------- fixture

def write_safetensors(path, tensors, metadata):
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        raw = struct.pack(f'<{t.numel()}f', *t.detach().float().reshape(-1).tolist())
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    os.replace(tmp, path)


GRAD_PARAMS = [
    'input_proj.0.0.weight',
    'input_proj.2.1.weight',
    'transformer.level_embed',
    'transformer.encoder.layers.0.self_attn.sampling_offsets.weight',
    'transformer.encoder.layers.0.self_attn.attention_weights.bias',
    'transformer.encoder.layers.1.self_attn.value_proj.weight',
    'transformer.encoder.layers.1.norm2.weight',
    'adapter_1.weight',
    'layer_1.norm.bias',
    'mask_features.weight',
]


def main():
    cfg = CONFIG
    b = cfg['batch']
    w = {k: v.requires_grad_() for k, v in make_weights(cfg).items()}
    feats = {k: f32(torch.randn(b, *shape)).requires_grad_() for k, shape in cfg['features'].items()}
    mask, maps = pixel_decoder(w, feats, cfg)
    outputs = {'output.mask_features': mask, **{f'output.multi_scale.{l}': m for l, m in enumerate(maps)}}
    cots = {k.replace('output.', 'cotangent.'): f32(torch.randn(v.shape)) for k, v in outputs.items()}
    loss = sum((v * cots[k.replace('output.', 'cotangent.')]).sum() for k, v in outputs.items())
    wrt = [feats[k] for k in feats] + [w[k] for k in GRAD_PARAMS]
    grads = torch.autograd.grad(loss, wrt)
    names = [f'grad.input.{k}' for k in feats] + [f'grad.{PREFIX}{k}' for k in GRAD_PARAMS]

    tensors = {PREFIX + k: v for k, v in w.items()}
    tensors.update({f'input.{k}': v for k, v in feats.items()})
    tensors.update(outputs)
    tensors.update(cots)
    tensors.update(dict(zip(names, grads)))
    meta = {'generator': 'tools/torch_ref/pixel_decoder.py', 'torch': torch.__version__,
            'config': json.dumps(cfg), 'grad_params': json.dumps(GRAD_PARAMS)}
    out_dir = os.path.join(ROOT, 'test', 'fixtures', 'parity')
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, 'pixel_decoder.safetensors')
    write_safetensors(path, tensors, meta)
    print(f'wrote {path}: {len(tensors)} tensors, {os.path.getsize(path)} bytes')
    print('mask_features', tuple(mask.shape), 'abs mean', float(mask.abs().mean()))
    for l, m in enumerate(maps):
        print(f'multi_scale.{l}', tuple(m.shape), 'abs mean', float(m.abs().mean()))


if __name__ == '__main__':
    main()
