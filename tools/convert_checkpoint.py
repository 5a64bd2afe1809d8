#!/usr/bin/env python3
"""Convert an official Mask2Former / MinVIS checkpoint to safetensors for pointvis.

Inputs:
  *.pth  a PyTorch checkpoint (torch.load): the state dict under 'model' (detectron2's
         model_final.pth also holds 'optimizer', 'scheduler', 'iteration': dropped), or a bare
         state dict.
  *.pkl  a detectron2 pickle: numpy arrays under 'model' (the model zoo's model_final_*.pkl, or
         ImageNet Swin weights converted by Mask2Former's convert-pretrained-swin-model-to-d2.py,
         whose names have no 'backbone.' prefix: add it with --add-prefix backbone.).

Output: a safetensors file (format written here with struct + json; no safetensors package)
with the original parameter names, every floating tensor as F32, and without the values that
pointvis rebuilds from the config instead of loading:
  *.relative_position_index, *.attn_mask   (Swin's index buffer and shifted-window masks)
  criterion.empty_weight, pixel_mean, pixel_std   (from the loss / input config)
Integer tensors that remain are written as I32 (an error if a value does not fit).

Examples:
  python3 tools/convert_checkpoint.py model_final_e5f453.pkl weights/m2f_swin_l_coco.safetensors
  python3 tools/convert_checkpoint.py swin_tiny_patch4_window7_224.pkl weights/swin_t.safetensors --add-prefix backbone.
  python3 tools/convert_checkpoint.py --selftest [--selftest-out DIR]

The self-test builds small fake checkpoints (.pth with torch, .pkl with numpy), converts them,
reads the results back and checks every value; with --selftest-out it keeps the converted file
(test/fixtures/checkpoint/converted-selftest.safetensors is one, loaded by the TypeScript tests).
"""
import argparse
import json
import os
import pickle
import struct
import sys
import tempfile

import numpy as np

DERIVED_SUFFIXES = (".relative_position_index", ".attn_mask")
DERIVED_NAMES = ("criterion.empty_weight", "pixel_mean", "pixel_std")

DTYPE_CODES = {np.dtype("<f4"): "F32", np.dtype("<i4"): "I32", np.dtype("bool"): "BOOL"}


def is_derived(name):
    return name.endswith(DERIVED_SUFFIXES) or name in DERIVED_NAMES


def to_numpy(value):
    """A tensor or array as a numpy array (torch only imported when the input has tensors)."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):
        t = value.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        return t.numpy()
    if isinstance(value, (int, float)):
        return np.asarray(value)
    raise TypeError(f"not a tensor: {type(value).__name__}")


def as_stored(name, array):
    """The array as it goes in the file: floats F32, integers I32 (range-checked), bools BOOL."""
    if array.dtype.kind == "f":
        return np.ascontiguousarray(array, dtype="<f4")
    if array.dtype.kind in "iu":
        info = np.iinfo(np.int32)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise ValueError(f"{name}: integer values outside int32")
        return np.ascontiguousarray(array, dtype="<i4")
    if array.dtype.kind == "b":
        return np.ascontiguousarray(array, dtype=bool)
    raise ValueError(f"{name}: unsupported dtype {array.dtype}")


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, array). Header JSON padded with spaces to 8 bytes; atomic replace."""
    header = {"__metadata__": metadata}
    offset = 0
    for name, a in tensors:
        header[name] = {"dtype": DTYPE_CODES[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".convert-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(blob)))
            f.write(blob)
            for _, a in tensors:
                f.write(a.tobytes(order="C"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read_safetensors(path):
    """(list of (name, array), metadata): the reader the self-test checks with."""
    codes = {"F32": "<f4", "I32": "<i4", "BOOL": "bool", "F16": "<f2", "F64": "<f8", "I64": "<i8"}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    out = []
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = e["data_offsets"]
        a = np.frombuffer(data[base + begin : base + end], dtype=codes[e["dtype"]]).reshape(e["shape"])
        out.append((name, a))
    return out, metadata


def load_state(path):
    """The model state dict of a .pth or .pkl checkpoint as (name, value) pairs, in file order."""
    if path.endswith(".pkl"):
        with open(path, "rb") as f:
            obj = pickle.load(f, encoding="latin1")
    else:
        import torch

        try:
            obj = torch.load(path, map_location="cpu", weights_only=False)
        except TypeError:  # torch < 1.13 has no weights_only
            obj = torch.load(path, map_location="cpu")
    if isinstance(obj, dict) and "model" in obj and isinstance(obj["model"], dict):
        state = obj["model"]
    elif isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        state = obj["state_dict"]
    elif isinstance(obj, dict):
        state = obj
    else:
        raise ValueError(f"{path}: expected a dict with the state under 'model', got {type(obj).__name__}")
    return list(state.items())


def convert(src, dst, add_prefix="", strip_prefix="", keep_derived=False, log=print):
    kept, dropped = [], []
    for name, value in load_state(src):
        if strip_prefix and name.startswith(strip_prefix):
            name = name[len(strip_prefix) :]
        name = add_prefix + name
        if not keep_derived and is_derived(name):
            dropped.append(name)
            continue
        kept.append((name, as_stored(name, to_numpy(value))))
    names = [n for n, _ in kept]
    if len(set(names)) != len(names):
        raise ValueError("duplicate names after renaming")
    metadata = {
        "format": "pt",
        "source": os.path.basename(src),
        "converted_by": "pointvis tools/convert_checkpoint.py",
        "dropped_derived": str(len(dropped)),
    }
    write_safetensors(dst, kept, metadata)
    values = sum(a.size for _, a in kept)
    log(f"{src}: {len(kept)} tensors ({values} values) -> {dst}; dropped {len(dropped)} derived buffers")
    return kept, dropped


# ---- self-test -------------------------------------------------------------------------------

# (name, shape, source dtype): official-style names; the TypeScript test builds modules with them.
SELFTEST_TENSORS = [
    ("backbone.patch_embed.proj.weight", (4, 3, 4, 4), "float32"),
    ("backbone.patch_embed.proj.bias", (4,), "float32"),
    ("backbone.layers.0.blocks.0.attn.relative_position_bias_table", (9, 1), "float32"),
    ("backbone.layers.0.blocks.0.attn.relative_position_index", (4, 4), "int64"),
    ("backbone.layers.0.blocks.0.attn.qkv.weight", (12, 4), "float16"),
    ("backbone.layers.0.blocks.0.attn.qkv.bias", (12,), "float64"),
    ("sem_seg_head.pixel_decoder.transformer.encoder.layers.0.self_attn.sampling_offsets.weight", (6, 4), "float32"),
    ("sem_seg_head.pixel_decoder.transformer.encoder.layers.0.self_attn.sampling_offsets.bias", (6,), "float32"),
    ("sem_seg_head.predictor.query_feat.weight", (3, 4), "float32"),
    ("sem_seg_head.predictor.class_embed.weight", (3, 4), "float32"),
    ("sem_seg_head.predictor.class_embed.bias", (3,), "float32"),
    ("sem_seg_head.predictor.mask_embed.layers.0.weight", (4, 4), "float32"),
    ("sem_seg_head.predictor.mask_embed.layers.0.bias", (4,), "float32"),
    ("criterion.empty_weight", (3,), "float32"),
]


def selftest_values(j, shape):
    """Tensor j's values: multiples of 1/64 in [-1, 0.6], exact in f16, f32 and f64 alike.
    test/model/checkpoint-convert.test.ts computes the same formula."""
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    return (((i * 7 + j * 13) % 101) / 64.0 - 1.0).reshape(shape)


def selftest(out_dir=None):
    import torch

    work = tempfile.mkdtemp(prefix="convert-selftest-")
    state, arrays = {}, {}
    for j, (name, shape, dtype) in enumerate(SELFTEST_TENSORS):
        values = selftest_values(j, shape)
        if dtype == "int64":
            values = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        arrays[name] = values.astype(dtype)
        state[name] = torch.from_numpy(arrays[name].copy())
    pth = os.path.join(work, "selftest.pth")
    torch.save({"model": state, "optimizer": {"state": {}, "param_groups": []}, "iteration": 7}, pth)
    pkl = os.path.join(work, "selftest.pkl")
    with open(pkl, "wb") as f:
        pickle.dump({"model": {k: v for k, v in arrays.items()}, "__author__": "selftest"}, f)

    expected = [(n, arrays[n].astype(np.float32)) for n, _, _ in SELFTEST_TENSORS if not is_derived(n)]
    results = []
    for src in (pth, pkl):
        dst = src + ".safetensors"
        convert(src, dst, log=lambda *_: None)
        got, metadata = read_safetensors(dst)
        assert [n for n, _ in got] == [n for n, _ in expected], f"{src}: names {[n for n, _ in got]}"
        for (name, a), (_, e) in zip(got, expected):
            assert a.dtype == np.float32, f"{name}: {a.dtype}"
            assert a.shape == e.shape and np.array_equal(a, e), f"{name}: values differ"
        assert metadata["dropped_derived"] == "2", metadata
        results.append(got)
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(*results))

    # Renaming: a bare Swin state gets its prefix, a DDP 'module.' prefix goes.
    bare = os.path.join(work, "bare.pkl")
    with open(bare, "wb") as f:
        pickle.dump({"model": {"module.patch_embed.proj.bias": np.ones(4, np.float32)}}, f)
    convert(bare, bare + ".safetensors", add_prefix="backbone.", strip_prefix="module.", log=lambda *_: None)
    got, _ = read_safetensors(bare + ".safetensors")
    assert [n for n, _ in got] == ["backbone.patch_embed.proj.bias"], got

    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        target = os.path.join(out_dir, "converted-selftest.safetensors")
        convert(pth, target, log=lambda *_: None)
        print(f"kept {target}")
    print(f"selftest passed: {len(expected)} tensors converted from .pth and .pkl, 2 derived buffers dropped")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="official checkpoint (.pth or .pkl)")
    parser.add_argument("output", nargs="?", help="safetensors file to write")
    parser.add_argument("--add-prefix", default="", help="prepend to every name (e.g. 'backbone.' for ImageNet Swin weights)")
    parser.add_argument("--strip-prefix", default="", help="remove from names that start with it (e.g. 'module.')")
    parser.add_argument("--keep-derived", action="store_true", help="keep relative_position_index, attn_mask, criterion.empty_weight")
    parser.add_argument("--selftest", action="store_true", help="convert fake checkpoints and check the results")
    parser.add_argument("--selftest-out", help="with --selftest: keep converted-selftest.safetensors in this folder")
    args = parser.parse_args()
    if args.selftest:
        selftest(args.selftest_out)
        return
    if not args.input or not args.output:
        parser.error("give INPUT and OUTPUT (or --selftest)")
    convert(args.input, args.output, args.add_prefix, args.strip_prefix, args.keep_derived)


if __name__ == "__main__":
    try:
        main()
    except (ValueError, OSError, AssertionError) as err:
        sys.exit(f"convert_checkpoint: {err}")
