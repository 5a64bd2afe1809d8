"""Our own PyTorch reference of Mask2Former's Swin backbone (D2SwinTransformer), written from
/work/shared/M2F_SEMANTICS.md section 3.1, computed in float64. It writes the parity fixtures
test/fixtures/parity/swin-*.safetensors: weights under the official parameter names, inputs,
outputs, a cotangent and the gradients it gives (`grad.<name>`); the config is in the metadata.
Run: /usr/bin/python3 tools/torch_ref/swin.py
"""
import json
import math
import os
import struct

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, 'test', 'fixtures', 'parity')
EPS = 1e-5  # every LayerNorm (item 12)


# ---------------------------------------------------------------------------------------------
# The computation


def norm(x, p, name):
    return F.layer_norm(x, (x.shape[-1],), p[name + '.weight'], p[name + '.bias'], EPS)


def dense(x, p, name):
    return F.linear(x, p[name + '.weight'], p.get(name + '.bias'))


def relative_index(ws):
    """idx(a, b) = (y_a - y_b + ws - 1)(2ws - 1) + (x_a - x_b + ws - 1), a query, b key (item 9)."""
    ys, xs = torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing='ij')
    y, x = ys.reshape(-1), xs.reshape(-1)
    return (y[:, None] - y[None, :] + ws - 1) * (2 * ws - 1) + (x[:, None] - x[None, :] + ws - 1)


def partition(m, ws):
    """[B, Hp, Wp, C] -> [B*nW, ws*ws, C]: batch outermost, window rows before columns (item 7)."""
    B, Hp, Wp, C = m.shape
    return m.reshape(B, Hp // ws, ws, Wp // ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, C)


def unpartition(w, ws, B, Hp, Wp):
    C = w.shape[-1]
    return w.reshape(B, Hp // ws, Wp // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).reshape(B, Hp, Wp, C)


def axis_regions(n, ws, s):
    """[0, n-ws) -> 0, [n-ws, n-s) -> 1, [n-s, n) -> 2 (item 6)."""
    r = torch.zeros(n, dtype=torch.long)
    r[n - ws:n - s] = 1
    r[n - s:] = 2
    return r


def shift_mask(Hp, Wp, ws, s):
    ids = 3 * axis_regions(Hp, ws, s)[:, None] + axis_regions(Wp, ws, s)[None, :]
    win = partition(ids[None, :, :, None], ws)[..., 0]  # [nW, L]
    return torch.where(win[:, :, None] != win[:, None, :], -100.0, 0.0)  # [nW, L, L]


def window_attention(x, p, pre, heads, ws, mask):
    Bw, L, C = x.shape
    hd = C // heads
    qkv = dense(x, p, pre + 'qkv').reshape(Bw, L, 3, heads, hd).permute(2, 0, 3, 1, 4)  # item 8
    q = qkv[0] * hd ** -0.5  # scaled before q k^T
    logits = q @ qkv[1].transpose(-2, -1)
    table = p[pre + 'relative_position_bias_table']
    bias = table[relative_index(ws).reshape(-1)].reshape(L, L, heads).permute(2, 0, 1)
    logits = logits + bias[None]
    if mask is not None:
        nW = mask.shape[0]
        logits = (logits.reshape(Bw // nW, nW, heads, L, L) + mask[None, :, None]).reshape(Bw, heads, L, L)
    out = (logits.softmax(-1) @ qkv[2]).transpose(1, 2).reshape(Bw, L, C)
    return dense(out, p, pre + 'proj')


def block(x, H, W, p, pre, heads, ws, shift):
    """Pre-norm block; pad after norm1 to the ws grid, padded keys unmasked, no clamping."""
    B, N, C = x.shape
    Hp, Wp = math.ceil(H / ws) * ws, math.ceil(W / ws) * ws
    h = norm(x, p, pre + 'norm1').reshape(B, H, W, C)
    h = F.pad(h, (0, 0, 0, Wp - W, 0, Hp - H))
    if shift:
        h = torch.roll(h, (-shift, -shift), (1, 2))
    mask = shift_mask(Hp, Wp, ws, shift) if shift else None
    a = unpartition(window_attention(partition(h, ws), p, pre + 'attn.', heads, ws, mask), ws, B, Hp, Wp)
    if shift:
        a = torch.roll(a, (shift, shift), (1, 2))
    x = x + a[:, :H, :W].reshape(B, N, C)
    hidden = F.gelu(dense(norm(x, p, pre + 'norm2'), p, pre + 'mlp.fc1'))  # exact erf GELU
    return x + dense(hidden, p, pre + 'mlp.fc2')


def patch_merging(x, H, W, p, pre):
    B, N, C = x.shape
    m = F.pad(x.reshape(B, H, W, C), (0, 0, 0, W % 2, 0, H % 2))
    # x0, x1, x2, x3 = (dy, dx) = (0,0), (1,0), (0,1), (1,1): the row offset varies fastest (item 10).
    cat = torch.cat([m[:, 0::2, 0::2], m[:, 1::2, 0::2], m[:, 0::2, 1::2], m[:, 1::2, 1::2]], -1)
    return dense(norm(cat.reshape(B, -1, 4 * C), p, pre + 'norm'), p, pre + 'reduction')


def patch_embed(img, p, ps):
    H, W = img.shape[2:]
    img = F.pad(img, (0, (-W) % ps, 0, (-H) % ps))  # right/bottom, only when needed
    y = F.conv2d(img, p['patch_embed.proj.weight'], p['patch_embed.proj.bias'], stride=ps)
    return norm(y.flatten(2).transpose(1, 2), p, 'patch_embed.norm'), y.shape[2], y.shape[3]


def backbone(img, p, cfg):
    ws = cfg['windowSize']
    x, H, W = patch_embed(img, p, 4)
    outs = {}
    for i, depth in enumerate(cfg['depths']):
        for j in range(depth):
            x = block(x, H, W, p, f'layers.{i}.blocks.{j}.', cfg['numHeads'][i], ws, 0 if j % 2 == 0 else ws // 2)
        B, _, C = x.shape
        outs[f'res{i + 2}'] = norm(x, p, f'norm{i}').reshape(B, H, W, C).permute(0, 3, 1, 2)  # before merging
        if i + 1 < len(cfg['depths']):
            x = patch_merging(x, H, W, p, f'layers.{i}.downsample.')
            H, W = (H + 1) // 2, (W + 1) // 2
    return outs


# ---------------------------------------------------------------------------------------------
# Parameters (random, larger than the official init so every term shows in the outputs)


def uniform(shape, bound):
    return (torch.rand(shape) * 2 - 1) * bound


def linear_params(p, name, fan_in, fan_out, bias=True):
    b = 1 / math.sqrt(fan_in)
    p[name + '.weight'] = uniform((fan_out, fan_in), b)
    if bias:
        p[name + '.bias'] = uniform((fan_out,), 2 * b)  # qkv biases are what padded keys carry


def norm_params(p, name, c):
    p[name + '.weight'] = 1 + 0.2 * torch.randn(c)
    p[name + '.bias'] = 0.2 * torch.randn(c)


def block_params(p, pre, c, heads, ws, mlp_ratio=4):
    norm_params(p, pre + 'norm1', c)
    linear_params(p, pre + 'attn.qkv', c, 3 * c)
    p[pre + 'attn.relative_position_bias_table'] = 0.5 * torch.randn((2 * ws - 1) ** 2, heads)
    linear_params(p, pre + 'attn.proj', c, c)
    norm_params(p, pre + 'norm2', c)
    linear_params(p, pre + 'mlp.fc1', c, mlp_ratio * c)
    linear_params(p, pre + 'mlp.fc2', mlp_ratio * c, c)


def merging_params(p, pre, c):
    norm_params(p, pre + 'norm', 4 * c)
    linear_params(p, pre + 'reduction', 4 * c, 2 * c, bias=False)


def backbone_params(cfg):
    p = {}
    e = cfg['embedDim']
    p['patch_embed.proj.weight'] = uniform((e, 3, 4, 4), 1 / math.sqrt(48))
    p['patch_embed.proj.bias'] = uniform((e,), 1 / math.sqrt(48))
    norm_params(p, 'patch_embed.norm', e)
    for i, depth in enumerate(cfg['depths']):
        c = e * 2 ** i
        for j in range(depth):
            block_params(p, f'layers.{i}.blocks.{j}.', c, cfg['numHeads'][i], cfg['windowSize'])
        if i + 1 < len(cfg['depths']):
            merging_params(p, f'layers.{i}.downsample.', c)
        norm_params(p, f'norm{i}', c)
    return p


def stored(p, dtype):
    """Rounds every value to the stored precision, so both sides compute with the same weights."""
    return {k: v.to(dtype).double().requires_grad_(True) for k, v in p.items()}


# ---------------------------------------------------------------------------------------------
# Output


def write_safetensors(name, tensors, metadata):
    """tensors: name -> (dtype 'F32' | 'F16' | 'I64', tensor). Plain struct + json."""
    fmt = {'F32': ('<f', 4), 'F16': ('<e', 2), 'I64': ('<q', 8)}
    header = {'__metadata__': metadata}
    data = b''
    for key in sorted(tensors):
        dt, t = tensors[key]
        code, size = fmt[dt]
        values = t.detach().reshape(-1).tolist()
        raw = struct.pack('<%d%s' % (len(values), code[1]), *values)
        header[key] = {'dtype': dt, 'shape': list(t.shape), 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    path = os.path.join(OUT_DIR, name)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + data)
    os.replace(path + '.tmp', path)
    print(f'wrote {path}: {os.path.getsize(path)} bytes, {len(tensors)} tensors')


def f32(t):
    return t.float().double()


def grads_of(outputs, params, cotangents):
    total = sum((o * c).sum() for o, c in zip(outputs, cotangents))
    names = list(params)
    gs = torch.autograd.grad(total, [params[n] for n in names])
    return dict(zip(names, gs))


def block_fixture(name, B, H, W, C, heads, ws, shift):
    p = {}
    block_params(p, '', C, heads, ws)
    p = stored(p, torch.float32)
    x = f32(torch.randn(B, H * W, C)).requires_grad_(True)
    y = block(x, H, W, p, '', heads, ws, shift)
    dy = f32(torch.randn(y.shape))
    g = grads_of([y], {'x': x, **p}, [dy])
    t = {k: ('F32', v) for k, v in p.items()}
    t['attn.relative_position_index'] = ('I64', relative_index(ws))
    t.update({'x': ('F32', x), 'y': ('F32', y), 'dy': ('F32', dy)})
    t.update({'grad.' + k: ('F32', v) for k, v in g.items()})
    cfg = {'B': B, 'H': H, 'W': W, 'dim': C, 'numHeads': heads, 'windowSize': ws, 'shift': shift}
    write_safetensors(name, t, {'config': json.dumps(cfg), 'generator': 'tools/torch_ref/swin.py'})


def merging_fixture(name, B, H, W, C):
    p = {}
    merging_params(p, '', C)
    p = stored(p, torch.float32)
    x = f32(torch.randn(B, H * W, C)).requires_grad_(True)
    y = patch_merging(x, H, W, p, '')
    dy = f32(torch.randn(y.shape))
    g = grads_of([y], {'x': x, **p}, [dy])
    t = {k: ('F32', v) for k, v in p.items()}
    t.update({'x': ('F32', x), 'y': ('F32', y), 'dy': ('F32', dy)})
    t.update({'grad.' + k: ('F32', v) for k, v in g.items()})
    write_safetensors(name, t, {'config': json.dumps({'B': B, 'H': H, 'W': W, 'dim': C}), 'generator': 'tools/torch_ref/swin.py'})


def backbone_fixture(name):
    # 38x54 needs patch padding; the token maps are 10x14, 5x7, 3x4, 2x2 (odd merges, stage 4 far
    # smaller than the window). 6 channels keep the file under 400 KB (head dims 6 and 12).
    cfg = {'embedDim': 6, 'depths': [2, 2, 2, 2], 'numHeads': [1, 2, 2, 4], 'windowSize': 7, 'imageShape': [2, 3, 38, 54]}
    # Stored as F16, like many converted checkpoints: the file stays small and the parser's F16 path is used.
    p = stored(backbone_params(cfg), torch.float16)
    img = f32(torch.randn(cfg['imageShape'])).requires_grad_(True)
    outs = backbone(img, p, cfg)
    names = ['res2', 'res3', 'res4', 'res5']
    cots = [f32(torch.randn(outs[n].shape)) for n in names]
    checked = [
        'layers.0.blocks.1.attn.relative_position_bias_table',
        'layers.3.blocks.1.attn.relative_position_bias_table',
        'patch_embed.proj.weight',
        'patch_embed.norm.weight',
        'layers.1.downsample.reduction.weight',
        'layers.2.blocks.0.attn.qkv.bias',
        'norm2.weight',
    ]
    g = grads_of([outs[n] for n in names], {'image': img, **{k: p[k] for k in checked}}, cots)
    t = {'backbone.' + k: ('F16', v) for k, v in p.items()}
    # Official checkpoints hold this derived buffer in every block; one is enough to check ours.
    t['backbone.layers.0.blocks.0.attn.relative_position_index'] = ('I64', relative_index(cfg['windowSize']))
    t['image'] = ('F32', img)
    for n, c in zip(names, cots):
        t[n] = ('F32', outs[n])
        t['cot.' + n] = ('F32', c)
    t.update({'grad.' + k: ('F32', v) for k, v in g.items()})
    write_safetensors(name, t, {'config': json.dumps(cfg), 'generator': 'tools/torch_ref/swin.py'})


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.manual_seed(0)
    block_fixture('swin-block-plain.safetensors', B=2, H=9, W=12, C=16, heads=2, ws=7, shift=0)
    block_fixture('swin-block-shifted.safetensors', B=2, H=10, W=13, C=16, heads=2, ws=7, shift=3)
    block_fixture('swin-block-window4.safetensors', B=1, H=6, W=9, C=12, heads=3, ws=4, shift=2)
    merging_fixture('swin-merging.safetensors', B=2, H=5, W=7, C=8)
    backbone_fixture('swin-backbone.safetensors')


if __name__ == '__main__':
    main()
