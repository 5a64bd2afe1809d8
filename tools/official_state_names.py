#!/usr/bin/env python3
"""Dump the state_dict names and shapes of the official Mask2Former model, built from an
official checkout (facebookresearch/Mask2Former) with stand-ins for detectron2, fvcore and timm
(only their module-building parts are needed: no detectron2 install, no CUDA op).

The output (JSON: [[name, shape], ...] in state_dict order) is the independent reference that
test/model/checkpoint-names.test.ts compares model/checkpoint/official-names.ts against.

  python3 tools/official_state_names.py --mask2former PATH/TO/Mask2Former --arch swin-t-coco \
      --out test/fixtures/checkpoint/official-swin-t-coco.json

Needs torch (1.13 works). Nothing from the checkout is copied: it is imported in place.
"""
import argparse
import collections
import json
import sys
import types

import torch
from torch import nn

ARCHS = {
    # maskformer2_swin_tiny_bs16_50ep
    "swin-t-coco": dict(
        num_classes=80, embed_dim=96, depths=[2, 2, 6, 2], num_heads=[3, 6, 12, 24], window=7,
        pretrain=224, conv_dim=256, mask_dim=256, enc_layers=6, enc_heads=8, enc_ffn=1024,
        hidden=256, queries=100, dec_heads=8, dec_ffn=2048, dec_layers=9,
    ),
    # configs/models/cpu-tiny.yaml on the synthetic images (6 classes)
    "cpu-tiny": dict(
        num_classes=6, embed_dim=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8], window=7,
        pretrain=224, conv_dim=64, mask_dim=64, enc_layers=1, enc_heads=4, enc_ffn=128,
        hidden=64, queries=20, dec_heads=4, dec_ffn=128, dec_layers=3,
    ),
}


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def package(name, path):
    """A package whose __init__ is skipped (the official ones import the whole project)."""
    p = module(name)
    p.__path__ = [path]
    return p


class Registry:
    def __init__(self, *args):
        pass

    def register(self, obj=None):
        return (lambda f: f) if obj is None else obj


class Conv2d(nn.Conv2d):
    """detectron2.layers.Conv2d: nn.Conv2d with an optional `norm` child and activation."""

    def __init__(self, *args, **kwargs):
        norm = kwargs.pop("norm", None)
        activation = kwargs.pop("activation", None)
        super().__init__(*args, **kwargs)
        self.norm = norm
        self.activation = activation


def get_norm(norm, channels):
    assert norm == "GN", norm
    return nn.GroupNorm(32, channels)


class DropPath(nn.Module):
    def __init__(self, p=0.0):
        super().__init__()

    def forward(self, x):
        return x


def install_stand_ins(root):
    ShapeSpec = collections.namedtuple("ShapeSpec", ["channels", "height", "width", "stride"], defaults=[None] * 4)
    module("detectron2")
    module("detectron2.config", configurable=lambda f: f)
    module("detectron2.layers", Conv2d=Conv2d, ShapeSpec=ShapeSpec, get_norm=get_norm)
    module("detectron2.modeling", BACKBONE_REGISTRY=Registry(), SEM_SEG_HEADS_REGISTRY=Registry(), Backbone=nn.Module, ShapeSpec=ShapeSpec)
    module("detectron2.utils")
    module("detectron2.utils.registry", Registry=Registry)

    def c2_xavier_fill(m):
        nn.init.kaiming_uniform_(m.weight, a=1)
        if m.bias is not None:
            nn.init.constant_(m.bias, 0)

    module("fvcore")
    module("fvcore.nn")
    module("fvcore.nn.weight_init", c2_xavier_fill=c2_xavier_fill)
    sys.modules["fvcore.nn"].weight_init = sys.modules["fvcore.nn.weight_init"]
    module("timm")
    module("timm.models")
    module(
        "timm.models.layers",
        DropPath=DropPath,
        to_2tuple=lambda x: tuple(x) if isinstance(x, (list, tuple)) else (x, x),
        trunc_normal_=nn.init.trunc_normal_,
    )
    module("MultiScaleDeformableAttention")  # the compiled op: only imported, never called here
    sys.path.insert(0, root)
    package("mask2former", f"{root}/mask2former")
    package("mask2former.modeling", f"{root}/mask2former/modeling")
    package("mask2former.modeling.backbone", f"{root}/mask2former/modeling/backbone")
    package("mask2former.modeling.pixel_decoder", f"{root}/mask2former/modeling/pixel_decoder")
    package("mask2former.modeling.transformer_decoder", f"{root}/mask2former/modeling/transformer_decoder")
    return ShapeSpec


def build(root, a):
    ShapeSpec = install_stand_ins(root)
    from mask2former.modeling.backbone.swin import SwinTransformer
    from mask2former.modeling.pixel_decoder.msdeformattn import MSDeformAttnPixelDecoder
    from mask2former.modeling.transformer_decoder.mask2former_transformer_decoder import MultiScaleMaskedTransformerDecoder

    # As D2SwinTransformer.__init__ calls it (default out_indices).
    backbone = SwinTransformer(
        a["pretrain"], 4, 3, a["embed_dim"], a["depths"], a["num_heads"], a["window"], 4.0, True, None,
        0.0, 0.0, 0.3, nn.LayerNorm, False, True, use_checkpoint=False,
    )
    channels = [a["embed_dim"] * 2 ** i for i in range(4)]
    shapes = {f"res{i + 2}": ShapeSpec(channels=channels[i], stride=4 * 2 ** i) for i in range(4)}
    pixel_decoder = MSDeformAttnPixelDecoder(
        input_shape=shapes, transformer_dropout=0.0, transformer_nheads=a["enc_heads"],
        transformer_dim_feedforward=a["enc_ffn"], transformer_enc_layers=a["enc_layers"],
        conv_dim=a["conv_dim"], mask_dim=a["mask_dim"], norm="GN",
        transformer_in_features=["res3", "res4", "res5"], common_stride=4,
    )
    predictor = MultiScaleMaskedTransformerDecoder(
        a["conv_dim"], True, num_classes=a["num_classes"], hidden_dim=a["hidden"], num_queries=a["queries"],
        nheads=a["dec_heads"], dim_feedforward=a["dec_ffn"], dec_layers=a["dec_layers"], pre_norm=False,
        mask_dim=a["mask_dim"], enforce_input_project=False,
    )
    model = nn.Module()
    model.backbone = backbone
    model.sem_seg_head = nn.Module()
    model.sem_seg_head.pixel_decoder = pixel_decoder
    model.sem_seg_head.predictor = predictor
    model.criterion = nn.Module()  # SetCriterion registers the no-object weights as a buffer
    model.criterion.register_buffer("empty_weight", torch.ones(a["num_classes"] + 1))
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mask2former", required=True, help="root of an official Mask2Former checkout")
    parser.add_argument("--arch", choices=sorted(ARCHS), default="swin-t-coco")
    parser.add_argument("--out", help="write the JSON here (default: stdout)")
    args = parser.parse_args()
    state = build(args.mask2former, ARCHS[args.arch]).state_dict()
    entries = [[name, list(t.shape)] for name, t in state.items()]
    text = json.dumps(entries, separators=(",", ":")) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        print(f"{len(entries)} entries, {sum(t.numel() for t in state.values())} values -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
