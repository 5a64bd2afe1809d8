"""Whole-model parity fixture for model/mask2former: our PyTorch references of the Swin backbone
(swin.py), the MSDeformAttn pixel decoder (pixel_decoder.py) and the masked-attention decoder
(decoder.py) — each written from /work/shared/M2F_SEMANTICS.md — composed into one tiny
Mask2Former (Swin → pixel decoder → predictor), in float64.

Writes test/fixtures/parity/mask2former.safetensors holding:
  backbone.*, sem_seg_head.pixel_decoder.*, sem_seg_head.predictor.*
                                  the weights under the official names (F16: the file stays small;
                                  both sides compute from the same rounded values)
  input.images                    [B, 3, H, W] normalised padded images (F16)
  output.pred_logits.{k}          k = 0..L: the L+1 predictions (0: from the raw queries, L: the last)
  output.pred_masks.{k}
  output.query_embeddings         decoder_norm output of the last layer [B, Q, hidden]
  output.objective                decoder.py's fixed sin/cos-weighted sum of every output
  grad.<param name>               its gradients for a few parameters of every part
and the config as JSON in the metadata. The seed is the first whose attention-mask logits keep a
clear margin from 0 (so float32 noise cannot flip a mask bit).
Run: /usr/bin/python3 tools/torch_ref/mask2former.py
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import decoder as decoder_ref  # noqa: E402
import pixel_decoder as pixel_decoder_ref  # noqa: E402
import swin as swin_ref  # noqa: E402

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'parity', 'mask2former.safetensors')

# A tiny Mask2Former with the real structure: 4 Swin stages of 2 blocks (odd blocks shifted,
# stage maps far smaller than the 7-window), a 3-level deformable encoder with the res2 FPN step,
# 3 decoder layers cycling through the 3 levels. Non-square input: 64x96 gives maps 16x24 (res2)
# down to 2x3 (res5).
CONFIG = {
    'batch': 2,
    'image': [64, 96],
    'numClasses': 4,
    'swin': {'embedDim': 4, 'depths': [2, 2, 2, 2], 'numHeads': [1, 1, 2, 2], 'windowSize': 7},
    'pixelDecoder': {'convDim': 16, 'maskDim': 16, 'groups': 4, 'layers': 1, 'heads': 2, 'points': 2, 'ffnDim': 32},
    'decoder': {'hiddenDim': 16, 'numQueries': 8, 'heads': 2, 'ffnDim': 32, 'layers': 3},
}
MIN_RELATIVE_MARGIN = 2e-3
GRAD_PARAMS = [
    'backbone.patch_embed.proj.weight',
    'backbone.layers.0.blocks.1.attn.relative_position_bias_table',
    'backbone.layers.3.blocks.1.mlp.fc2.weight',
    'backbone.norm3.weight',
    'sem_seg_head.pixel_decoder.input_proj.0.0.weight',
    'sem_seg_head.pixel_decoder.transformer.encoder.layers.0.self_attn.sampling_offsets.bias',
    'sem_seg_head.pixel_decoder.adapter_1.weight',
    'sem_seg_head.pixel_decoder.mask_features.bias',
    'sem_seg_head.predictor.query_feat.weight',
    'sem_seg_head.predictor.transformer_cross_attention_layers.0.multihead_attn.in_proj_weight',
    'sem_seg_head.predictor.mask_embed.layers.2.weight',
]


def sub_configs(cfg):
    e = cfg['swin']['embedDim']
    h, w = cfg['image']
    swin = dict(cfg['swin'])
    p = cfg['pixelDecoder']
    features = {f'res{i + 2}': [e * 2 ** i, -(-h // (4 * 2 ** i)), -(-w // (4 * 2 ** i))] for i in range(4)}
    pixel = {
        'batch': cfg['batch'], 'features': features, 'transformer_in_features': ['res3', 'res4', 'res5'],
        'conv_dim': p['convDim'], 'mask_dim': p['maskDim'], 'groups': p['groups'], 'layers': p['layers'],
        'heads': p['heads'], 'points': p['points'], 'ffn_dim': p['ffnDim'],
    }
    d = cfg['decoder']
    dec = {
        'in_channels': p['convDim'], 'hidden': d['hiddenDim'], 'heads': d['heads'], 'layers': d['layers'],
        'queries': d['numQueries'], 'classes': cfg['numClasses'], 'ffn': d['ffnDim'], 'mask_dim': p['maskDim'],
    }
    return swin, pixel, dec


def half(t):
    return t.detach().half().double()


class Model:
    """The three references wired as MaskFormer wires them; weights under the official names."""

    def __init__(self, cfg, seed):
        self.swin_cfg, self.pixel_cfg, self.dec_cfg = sub_configs(cfg)
        torch.manual_seed(seed)
        backbone = swin_ref.backbone_params(self.swin_cfg)
        pixel = pixel_decoder_ref.make_weights(self.pixel_cfg)
        predictor = decoder_ref.make_weights(self.dec_cfg)
        self.weights = {}
        for prefix, part in (('backbone.', backbone), ('sem_seg_head.pixel_decoder.', pixel),
                             ('sem_seg_head.predictor.', predictor)):
            for k, v in part.items():
                self.weights[prefix + k] = half(v).requires_grad_(True)
        self.images = half(torch.randn(cfg['batch'], 3, *cfg['image']))
        # decoder.py's module holds its weights as its own leaves: read its gradients from there.
        self.decoder = decoder_ref.Decoder(self.dec_cfg, {k: v.detach() for k, v in self.part('sem_seg_head.predictor.').items()})

    def part(self, prefix):
        return {k[len(prefix):]: v for k, v in self.weights.items() if k.startswith(prefix)}

    def forward(self):
        feats = swin_ref.backbone(self.images, self.part('backbone.'), self.swin_cfg)
        mask_features, maps = pixel_decoder_ref.pixel_decoder(self.part('sem_seg_head.pixel_decoder.'), feats,
                                                              self.pixel_cfg)
        preds, emb, _, _ = self.decoder.forward(maps, mask_features)
        sizes = [tuple(m.shape[-2:]) for m in maps]
        return preds, emb, sizes

    def grad(self, name):
        prefix = 'sem_seg_head.predictor.'
        if name.startswith(prefix):
            return self.decoder.w[name[len(prefix):]].grad
        return self.weights[name].grad


def relative_margin(preds, sizes, layers):
    """Smallest |attention-mask logit| over the masks layers 0..L-1 use, relative to the largest."""
    margin, scale = float('inf'), 0.0
    for k in range(layers):
        small = F.interpolate(preds[k][1], size=sizes[k % 3], mode='bilinear', align_corners=False)
        margin = min(margin, float(small.abs().min()))
        scale = max(scale, float(small.abs().max()))
    return margin / scale


def write_safetensors(path, tensors, metadata):
    """tensors: name -> (dtype 'F32' | 'F16', tensor). Plain struct + json, header padded to 8."""
    fmt = {'F32': 'f', 'F16': 'e'}
    header = {'__metadata__': metadata}
    blobs, offset = [], 0
    for name, (dt, t) in tensors.items():
        values = t.detach().reshape(-1).tolist()
        raw = struct.pack(f'<{len(values)}{fmt[dt]}', *values)
        header[name] = {'dtype': dt, 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))
    os.replace(path + '.tmp', path)
    return os.path.getsize(path)


def main():
    cfg = CONFIG
    layers = cfg['decoder']['layers']
    for seed in range(100):
        model = Model(cfg, seed)
        with torch.no_grad():
            preds, _, sizes = model.forward()
        margin = relative_margin(preds, sizes, layers)
        if margin > MIN_RELATIVE_MARGIN:
            break
    preds, emb, sizes = model.forward()
    objective = decoder_ref.objective(preds, emb)
    objective.backward()

    out = {k: ('F16', v) for k, v in model.weights.items()}
    out['input.images'] = ('F16', model.images)
    for k, (logits, masks) in enumerate(preds):
        out[f'output.pred_logits.{k}'] = ('F32', logits)
        out[f'output.pred_masks.{k}'] = ('F32', masks)
    out['output.query_embeddings'] = ('F32', emb)
    out['output.objective'] = ('F32', objective.detach().reshape(1))
    for name in GRAD_PARAMS:
        out[f'grad.{name}'] = ('F32', model.grad(name))
    meta = {'config': json.dumps({**cfg, 'seed': seed}), 'grad_params': json.dumps(GRAD_PARAMS),
            'generator': 'tools/torch_ref/mask2former.py', 'torch': torch.__version__}
    size = write_safetensors(OUT, out, meta)
    print(f'wrote {OUT}: {size} bytes, {len(model.weights)} weights; seed {seed}, '
          f'attention-mask margin {margin:.2e} of the largest logit; objective {float(objective):.6f}')
    for k, (logits, masks) in enumerate(preds):
        print(f'  prediction {k}: |logits| max {float(logits.abs().max()):.3f}, |masks| max {float(masks.abs().max()):.3f}')


if __name__ == '__main__':
    main()
