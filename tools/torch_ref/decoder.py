"""Parity fixtures for model/mask2former/decoder: Mask2Former's MultiScaleMaskedTransformerDecoder.

Our own PyTorch version, written from /work/shared/M2F_SEMANTICS.md §3.3 (not copied from the
official code): sequence-first tensors and torch's nn.MultiheadAttention semantics, in float64
from float32-rounded weights and inputs.

Writes test/fixtures/parity/decoder.safetensors (the tiny config of the brief: hidden 32,
4 heads, 3 layers, 10 queries, 5 classes, input channels = hidden so input_proj is the identity)
and test/fixtures/parity/decoder-proj.safetensors (input channels != hidden, so input_proj is a
1x1 conv; 4 layers, so layer 3 cycles back to level 0; also the pre-norm variant's outputs).
Each file holds (F32):
  sem_seg_head.predictor.*       the weights, under the official names
  input.level.{0,1,2}            multi-scale features [B, C_in, H_l, W_l], coarsest first
  input.mask_features            [B, mask_dim, H/4, W/4]
  output.pred_logits.{k}         predictions k = 0..L (0: from the raw queries, L: the last)
  output.pred_masks.{k}
  output.query_embeddings        decoder_norm output of the last layer [B, Q, hidden]
  output.attn_mask.{i}           the boolean mask layer i used (1 = blocked), after the
                                 fully-blocked-row fix, [B, Q, H_l·W_l] (same for every head)
  output.blocked_rows.{i}        [B, Q]: 1 where the row was fully blocked before the fix
  grad.<param name>, grad.input.*  gradients of the scalar `objective` below
  (decoder-proj only) output_prenorm.*  the same with pre-norm layers
and the config as JSON in the metadata.
Run: /usr/bin/python3 tools/torch_ref/decoder.py
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = 'sem_seg_head.predictor.'

CONFIGS = {
    'decoder': {
        'seed': 2,
        'batch': 2,
        'image': [32, 64],  # H, W of the (padded) input image
        'in_channels': 32,
        'hidden': 32,
        'heads': 4,
        'layers': 3,
        'queries': 10,
        'classes': 5,
        'ffn': 64,
        'mask_dim': 24,
        'pre_norm_too': False,
    },
    'decoder-proj': {
        'seed': 11,
        'batch': 1,
        'image': [96, 64],
        'in_channels': 24,
        'hidden': 16,
        'heads': 2,
        'layers': 4,
        'queries': 5,
        'classes': 3,
        'ffn': 32,
        'mask_dim': 16,
        'pre_norm_too': True,
    },
}


def f32(t):
    """Round to float32 and back, so the fixture holds exactly what the model computed from."""
    return t.float().double()


# ---------------------------------------------------------------- positional encoding

def sine_position(h, w, channels):
    """PositionEmbeddingSine(channels/2, normalize=True) of an h×w map, [channels, h, w] (float32 math)."""
    npf = channels // 2
    y = torch.arange(1, h + 1, dtype=torch.float32)[:, None].expand(h, w)
    x = torch.arange(1, w + 1, dtype=torch.float32)[None, :].expand(h, w)
    scale = 2 * math.pi
    y = y / (h + 1e-6) * scale
    x = x / (w + 1e-6) * scale
    k = torch.arange(npf, dtype=torch.float32)
    dim_t = 10000 ** (2 * torch.div(k, 2, rounding_mode='floor') / npf)
    py = y[:, :, None] / dim_t
    px = x[:, :, None] / dim_t
    # sin on even channels, cos on odd ones, interleaved pairs sharing a frequency
    py = torch.stack((py[:, :, 0::2].sin(), py[:, :, 1::2].cos()), dim=3).flatten(2)
    px = torch.stack((px[:, :, 0::2].sin(), px[:, :, 1::2].cos()), dim=3).flatten(2)
    return torch.cat((py, px), dim=2).permute(2, 0, 1).double()


# ---------------------------------------------------------------- the decoder

class Decoder(nn.Module):
    """Masked-attention decoder with weights held in a flat dict under the official names."""

    def __init__(self, cfg, weights):
        super().__init__()
        self.cfg = cfg
        self.w = {k: nn.Parameter(v.clone()) for k, v in weights.items()}
        for k, p in self.w.items():
            self.register_parameter(k.replace('.', '__'), p)

    def linear(self, x, name):
        return F.linear(x, self.w[name + '.weight'], self.w[name + '.bias'])

    def layer_norm(self, x, name):
        return F.layer_norm(x, (x.shape[-1],), self.w[name + '.weight'], self.w[name + '.bias'], 1e-5)

    def mha(self, name, q, k, v, mask=None):
        """nn.MultiheadAttention (batch_first False) through F.multi_head_attention_forward."""
        c = self.cfg['hidden']
        out, _ = F.multi_head_attention_forward(
            q, k, v, c, self.cfg['heads'],
            self.w[name + '.in_proj_weight'], self.w[name + '.in_proj_bias'],
            None, None, False, 0.0,
            self.w[name + '.out_proj.weight'], self.w[name + '.out_proj.bias'],
            training=False, key_padding_mask=None, need_weights=False, attn_mask=mask)
        return out

    def heads(self, output, mask_features, target_size):
        d = self.layer_norm(output, 'decoder_norm').transpose(0, 1)  # [B, Q, C]
        logits = self.linear(d, 'class_embed')
        e = d
        for j in range(3):
            e = self.linear(e, f'mask_embed.layers.{j}')
            if j < 2:
                e = F.relu(e)
        masks = torch.einsum('bqc,bchw->bqhw', e, mask_features)
        small = F.interpolate(masks, size=target_size, mode='bilinear', align_corners=False)
        blocked = (small.sigmoid().flatten(2) < 0.5).detach()  # [B, Q, HW]
        return logits, masks, d, blocked

    def forward(self, feats, mask_features, pre_norm=False):
        cfg = self.cfg
        nh = cfg['heads']
        srcs, poss, sizes = [], [], []
        for l, x in enumerate(feats):
            sizes.append(tuple(x.shape[-2:]))
            pos = sine_position(x.shape[-2], x.shape[-1], cfg['hidden']).flatten(1)  # [C, HW]
            if cfg['in_channels'] != cfg['hidden']:
                x = F.conv2d(x, self.w[f'input_proj.{l}.weight'], self.w[f'input_proj.{l}.bias'])
            src = x.flatten(2) + self.w['level_embed.weight'][l][None, :, None]  # [B, C, HW]
            srcs.append(src.permute(2, 0, 1))  # [HW, B, C]
            poss.append(pos.t()[:, None, :].expand(-1, x.shape[0], -1))
        bs = feats[0].shape[0]
        query_pos = self.w['query_embed.weight'][:, None, :].expand(-1, bs, -1)
        output = self.w['query_feat.weight'][:, None, :].expand(-1, bs, -1)
        preds = []
        logits, masks, d, blocked = self.heads(output, mask_features, sizes[0])
        preds.append((logits, masks))
        used_masks, fully = [], []
        for i in range(cfg['layers']):
            l = i % 3
            full_rows = blocked.sum(-1) == blocked.shape[-1]
            fixed = blocked.clone()
            fixed[full_rows] = False
            used_masks.append(fixed)
            fully.append(full_rows)
            attn_mask = fixed[:, None].expand(-1, nh, -1, -1).flatten(0, 1)  # [B·nH, Q, HW], row b·nH + h
            ca = f'transformer_cross_attention_layers.{i}.'
            sa = f'transformer_self_attention_layers.{i}.'
            ff = f'transformer_ffn_layers.{i}.'
            if not pre_norm:
                att = self.mha(ca + 'multihead_attn', output + query_pos, srcs[l] + poss[l], srcs[l], attn_mask)
                output = self.layer_norm(output + att, ca + 'norm')
                q = output + query_pos
                output = self.layer_norm(output + self.mha(sa + 'self_attn', q, q, output), sa + 'norm')
                h = self.linear(F.relu(self.linear(output, ff + 'linear1')), ff + 'linear2')
                output = self.layer_norm(output + h, ff + 'norm')
            else:
                t = self.layer_norm(output, ca + 'norm')
                output = output + self.mha(ca + 'multihead_attn', t + query_pos, srcs[l] + poss[l], srcs[l], attn_mask)
                t = self.layer_norm(output, sa + 'norm')
                output = output + self.mha(sa + 'self_attn', t + query_pos, t + query_pos, t)
                t = self.layer_norm(output, ff + 'norm')
                output = output + self.linear(F.relu(self.linear(t, ff + 'linear1')), ff + 'linear2')
            logits, masks, d, blocked = self.heads(output, mask_features, sizes[(i + 1) % 3])
            preds.append((logits, masks))
        return preds, d, used_masks, fully


# ---------------------------------------------------------------- data

def make_weights(cfg):
    c, cin, ffn, q, k, md = cfg['hidden'], cfg['in_channels'], cfg['ffn'], cfg['queries'], cfg['classes'], cfg['mask_dim']
    w = {}

    def uni(shape, bound):
        return f32((torch.rand(shape) * 2 - 1) * bound)

    def xavier(o, i):
        return uni((o, i), math.sqrt(6 / (o + i)))

    def norm(name):
        w[name + '.weight'] = f32(1 + 0.2 * torch.randn(c))
        w[name + '.bias'] = f32(0.1 * torch.randn(c))

    def mha(name):
        w[name + '.in_proj_weight'] = xavier(3 * c, c)
        w[name + '.in_proj_bias'] = uni((3 * c,), 0.1)
        w[name + '.out_proj.weight'] = xavier(c, c)
        w[name + '.out_proj.bias'] = uni((c,), 0.1)

    def linear(name, i, o):
        w[name + '.weight'] = uni((o, i), 1 / math.sqrt(i))
        w[name + '.bias'] = uni((o,), 1 / math.sqrt(i))

    # state_dict order of the official module
    for i in range(cfg['layers']):
        mha(f'transformer_self_attention_layers.{i}.self_attn')
        norm(f'transformer_self_attention_layers.{i}.norm')
    for i in range(cfg['layers']):
        mha(f'transformer_cross_attention_layers.{i}.multihead_attn')
        norm(f'transformer_cross_attention_layers.{i}.norm')
    for i in range(cfg['layers']):
        linear(f'transformer_ffn_layers.{i}.linear1', c, ffn)
        linear(f'transformer_ffn_layers.{i}.linear2', ffn, c)
        norm(f'transformer_ffn_layers.{i}.norm')
    norm('decoder_norm')
    w['query_feat.weight'] = f32(torch.randn(q, c))
    w['query_embed.weight'] = f32(torch.randn(q, c))
    w['level_embed.weight'] = f32(torch.randn(3, c))
    if cin != c:
        for l in range(3):
            w[f'input_proj.{l}.weight'] = uni((c, cin, 1, 1), math.sqrt(3 / cin))
            w[f'input_proj.{l}.bias'] = uni((c,), 0.1)
    linear('class_embed', c, k + 1)
    linear('mask_embed.layers.0', c, c)
    linear('mask_embed.layers.1', c, c)
    linear('mask_embed.layers.2', c, md)
    return w


def objective(preds, emb):
    """A scalar whose gradient exercises every output: fixed sin/cos weights, reproducible in TS."""
    total = 0
    for k, (logits, masks) in enumerate(preds):
        i = torch.arange(masks.numel(), dtype=torch.float64)
        total = total + (torch.sin(0.37 * i + k) * masks.reshape(-1)).sum()
        i = torch.arange(logits.numel(), dtype=torch.float64)
        total = total + (torch.cos(0.53 * i + k) * logits.reshape(-1)).sum()
    i = torch.arange(emb.numel(), dtype=torch.float64)
    return total + (torch.sin(0.71 * i) * emb.reshape(-1)).sum()


GRAD_PARAMS = [
    'query_feat.weight',
    'query_embed.weight',
    'level_embed.weight',
    'transformer_cross_attention_layers.0.multihead_attn.in_proj_weight',
    'transformer_cross_attention_layers.1.multihead_attn.in_proj_bias',
    'transformer_self_attention_layers.1.self_attn.out_proj.weight',
    'transformer_ffn_layers.2.linear1.weight',
    'decoder_norm.weight',
    'class_embed.bias',
    'mask_embed.layers.2.weight',
    'input_proj.0.weight',
]


def write_safetensors(path, tensors, metadata):
    """F32 for floating tensors, I32 for integer ones; header padded to 8 bytes."""
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach()
        if t.is_floating_point():
            raw = struct.pack(f'<{t.numel()}f', *t.float().reshape(-1).tolist())
            dtype = 'F32'
        else:
            raw = struct.pack(f'<{t.numel()}i', *t.int().reshape(-1).tolist())
            dtype = 'I32'
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    os.replace(tmp, path)
    return 8 + len(text) + offset


def run(name, cfg):
    torch.manual_seed(cfg['seed'])
    weights = make_weights(cfg)
    b, (h, w) = cfg['batch'], cfg['image']
    feats = [f32(torch.randn(b, cfg['in_channels'], h // s, w // s)) for s in (32, 16, 8)]
    mask_features = f32(torch.randn(b, cfg['mask_dim'], h // 4, w // 4))
    model = Decoder(cfg, weights)
    inputs = [x.clone().requires_grad_(True) for x in feats]
    mf = mask_features.clone().requires_grad_(True)
    preds, emb, used, fully = model(inputs, mf)
    obj = objective(preds, emb)
    obj.backward()

    out = {PREFIX + k: v for k, v in weights.items()}
    for l, x in enumerate(feats):
        out[f'input.level.{l}'] = x
    out['input.mask_features'] = mask_features
    for k, (logits, masks) in enumerate(preds):
        out[f'output.pred_logits.{k}'] = logits
        out[f'output.pred_masks.{k}'] = masks
    out['output.query_embeddings'] = emb
    for i, (m, fr) in enumerate(zip(used, fully)):
        out[f'output.attn_mask.{i}'] = m.double()
        out[f'output.blocked_rows.{i}'] = fr.double()
    out['output.objective'] = obj.detach().reshape(1)
    for p in GRAD_PARAMS:
        if p in weights:
            out[f'grad.{PREFIX}{p}'] = model.w[p].grad
    for l, x in enumerate(inputs):
        out[f'grad.input.level.{l}'] = x.grad
    out['grad.input.mask_features'] = mf.grad

    # How close the thresholded logits come to 0 (seeds chosen for a margin far above f32
    # noise, so the TS decoder must reproduce every mask bit).
    sizes = [tuple(x.shape[-2:]) for x in feats]
    margin = min(float(F.interpolate(m, size=sizes[k % 3], mode='bilinear', align_corners=False).abs().min())
                 for k, (_, m) in enumerate(preds))
    if cfg['pre_norm_too']:
        with torch.no_grad():
            preds2, emb2, _, _ = model(feats, mask_features, pre_norm=True)
        for k, (logits, masks) in enumerate(preds2):
            out[f'output_prenorm.pred_logits.{k}'] = logits
            out[f'output_prenorm.pred_masks.{k}'] = masks
        out['output_prenorm.query_embeddings'] = emb2

    path = os.path.join(ROOT, 'test', 'fixtures', 'parity', f'{name}.safetensors')
    size = write_safetensors(path, out, {'config': json.dumps(cfg), 'generator': 'tools/torch_ref/decoder.py'})
    blocked = [int(fr.sum()) for fr in fully]
    print(f'wrote {path}: {size} bytes; fully blocked rows per layer {blocked}; '
          f'smallest |resized mask logit| {margin:.2e}; objective {float(obj):.6f}')


if __name__ == '__main__':
    for n, c in CONFIGS.items():
        run(n, c)
