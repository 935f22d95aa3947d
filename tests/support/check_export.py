#!/usr/bin/python3
"""Checks a file written by `resnet-lens-cli convert` the way Python users and the formats' rules see it.

  check_export.py --source SRC [--key PATH] --output OUT --dtype float32|float16|bfloat16|keep
                  [--arch resnet18 --num-classes N]

- The source is read as Python reads it (torch.load, torch.jit.load for TorchScript, the safetensors header
  and numpy for .safetensors); the weight set at PATH is taken, AveragedModel's 'n_averaged' dropped and the
  prefixes module., _orig_mod., model. removed when every key has them; floating-point tensors are cast with
  Tensor.to(dtype).
- OUT.pth: torch.load(OUT, weights_only=True) must give a dict of tensors in the source's order; the zip
  holds archive/data.pkl first, STORED entries whose data start on 64-byte boundaries, CRCs that zipfile
  verifies, archive/version and archive/byteorder "little".
- OUT.safetensors: the header length is a multiple of 8 and the header ends in spaces only; __metadata__
  comes first with format "pt" (and the architecture and class count when given); the tensors are sorted by
  dtype alignment (the reference implementation's Dtype order, highest first) and then by name; their
  offsets start at 0, follow each other without gaps or overlap, match dtype and shape and end at the end of
  the file; every tensor's data is aligned to its element size.
- Every tensor equals the source's after the cast, bit for bit (a NaN only where the source has a NaN).
- With --arch: torchvision.models.<arch>(num_classes=N).load_state_dict(sd, strict=True) succeeds.

Prints one JSON object: {"ok": true, "tensors": N, "checks": [...]} or {"ok": false, "error": "..."}.
"""

import argparse
import collections
import json
import struct
import sys
import zipfile

import numpy as np
import torch
import torchvision

ST_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
             "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
             "BOOL": torch.bool}
# safetensors' Dtype enum order (the reference implementation sorts by it, highest first)
ST_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
            "I64", "U64"]
ST_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
PREFIXES = ["module.", "_orig_mod.", "model."]


class Failure(Exception):
    pass


def require(condition, message):
    if not condition:
        raise Failure(message)


def read_safetensors(path, checks=None, metadata_expected=None):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    raw = data[8:8 + n]
    text = raw.decode("utf-8")
    header = json.loads(text, object_pairs_hook=collections.OrderedDict)
    if checks is not None:
        require(n % 8 == 0, f"header length {n} is not a multiple of 8")
        require(text.startswith("{"), "the header does not start with '{'")
        closing = text.rstrip(" ")
        require(closing.endswith("}") and len(text) - len(closing) < 8, "the header padding is not spaces")
        checks.append("header padded with spaces to 8 bytes")
        keys = list(header)
        meta = header.get("__metadata__")
        require(meta is not None and keys[0] == "__metadata__", "__metadata__ is not the header's first entry")
        require(all(isinstance(v, str) for v in meta.values()), "metadata values are not all strings")
        require(meta.get("format") == "pt", f"metadata format is {meta.get('format')!r}, not 'pt'")
        for k, v in (metadata_expected or {}).items():
            require(meta.get(k) == v, f"metadata {k} is {meta.get(k)!r}, not {v!r}")
        checks.append("__metadata__ first, format pt")
    entries = [(k, v) for k, v in header.items() if k != "__metadata__"]
    by_offset = sorted(entries, key=lambda e: e[1]["data_offsets"])
    data_start = 8 + n
    out = collections.OrderedDict()
    if checks is not None:
        require([k for k, _ in entries] == [k for k, _ in by_offset], "header entries are not in data order")
        expected = sorted(entries, key=lambda e: (-ST_ORDER.index(e[1]["dtype"]), e[0]))
        require([k for k, _ in by_offset] == [k for k, _ in expected],
                "tensors are not sorted by dtype alignment, then by name")
        checks.append("sorted by dtype alignment, then name")
        position = 0
        for name, info in by_offset:
            begin, end = info["data_offsets"]
            require(begin == position, f"{name}: data starts at {begin}, expected {position} (a gap or an overlap)")
            numel = int(np.prod(info["shape"], dtype=np.int64))
            require(end - begin == numel * ST_SIZE[info["dtype"]], f"{name}: offsets do not match dtype and shape")
            require((data_start + begin) % ST_SIZE[info["dtype"]] == 0, f"{name}: data not aligned")
            position = end
        require(data_start + position == len(data), "the data does not end at the end of the file")
        checks.append("offsets contiguous from 0 to the end of the file, aligned")
    for name, info in by_offset:
        begin, end = info["data_offsets"]
        dtype = ST_DTYPES[info["dtype"]]
        chunk = bytearray(data[data_start + begin:data_start + end])
        if dtype == torch.bfloat16:
            t = torch.frombuffer(chunk, dtype=torch.int16).view(torch.bfloat16) if chunk else torch.zeros(
                0, dtype=torch.bfloat16)
        else:
            t = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out


def is_torchscript(path):
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("constants.pkl") for n in z.namelist())
    except zipfile.BadZipFile:
        return False


def at_path(obj, path):
    if path == "":
        return obj
    for seg in path.split("/"):
        name = seg.replace("~1", "/").replace("~0", "~")
        if isinstance(obj, dict):
            obj = next(v for k, v in obj.items() if str(k) == name)
        elif isinstance(obj, (list, tuple)):
            obj = obj[int(seg)]
        else:
            obj = vars(obj)[name]
    return obj


def default_weights(obj):
    def is_sd(v):
        return isinstance(v, dict) and v and all(isinstance(x, torch.Tensor) for x in v.values())
    if is_sd(obj):
        return obj
    for key in ["state_dict", "model", "model_state_dict", "state_dict_ema", "model_ema", "net", "module",
                "network", "params", "weights"]:
        if key in obj and is_sd(obj[key]):
            return obj[key]
    raise Failure("the source has no default weights")


def clean(state):
    names = list(state)
    if "n_averaged" in names and len(names) > 1 and all(n == "n_averaged" or n.startswith("module.") for n in names):
        state = collections.OrderedDict((k, v) for k, v in state.items() if k != "n_averaged")
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIXES:
            if all(k.startswith(prefix) and len(k) > len(prefix) for k in state):
                state = collections.OrderedDict((k[len(prefix):], v) for k, v in state.items())
                stripped = True
                break
    return state


def source_weights(path, key):
    if path.endswith(".safetensors"):
        state = read_safetensors(path)
    elif is_torchscript(path):
        state = collections.OrderedDict(torch.jit.load(path, map_location="cpu").state_dict())
    else:
        obj = torch.load(path, map_location="cpu")  # the test's own file
        state = at_path(obj, key) if key else default_weights(obj)
    return clean(collections.OrderedDict(state))


def same_bits(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    a, b = a.contiguous().reshape(-1), b.contiguous().reshape(-1)
    if a.is_floating_point():
        nan = torch.isnan(a)
        if not torch.equal(nan, torch.isnan(b)):
            return False
        width = {8: torch.int64, 4: torch.int32, 2: torch.int16}[a.element_size()]
        return torch.equal(a[~nan].view(width), b[~nan].view(width))
    return torch.equal(a, b)


def check_zip(path, checks):
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        require(names[0] == "archive/data.pkl", f"the first record is {names[0]}, not archive/data.pkl")
        require(z.testzip() is None, "a record's CRC-32 does not match")
        require(all(i.compress_type == zipfile.ZIP_STORED for i in infos), "a record is compressed")
        require(z.read("archive/byteorder") == b"little", "archive/byteorder is not 'little'")
        require(z.read("archive/version").strip() == b"3", "archive/version is not 3")
    with open(path, "rb") as f:
        raw = f.read()
    for info in infos:
        h = info.header_offset
        require(raw[h:h + 4] == b"PK\x03\x04", f"{info.filename}: no local header")
        name_len, extra_len = struct.unpack("<HH", raw[h + 26:h + 30])
        start = h + 30 + name_len + extra_len
        if info.filename.startswith("archive/data/"):
            require(start % 64 == 0, f"{info.filename}: data at {start}, not on a 64-byte boundary")
    checks.append("zip: data.pkl first, STORED, CRC-32 verified, data 64-byte aligned, version, byteorder")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("--output", required=True)
    parser.add_argument("--dtype", required=True)
    parser.add_argument("--arch")
    parser.add_argument("--num-classes", type=int, default=1000)
    args = parser.parse_args()
    checks = []
    try:
        expected = source_weights(args.source, args.key)
        if args.dtype != "keep":
            dtype = getattr(torch, args.dtype)
            expected = collections.OrderedDict(
                (k, v.to(dtype) if v.is_floating_point() else v) for k, v in expected.items())
        if args.output.endswith(".safetensors"):
            metadata = {"architecture": args.arch, "num_classes": str(args.num_classes)} if args.arch else {}
            sd = read_safetensors(args.output, checks, metadata)
        else:
            check_zip(args.output, checks)
            sd = torch.load(args.output, weights_only=True)
            require(isinstance(sd, dict), f"torch.load gave a {type(sd).__name__}, not a dict")
            require(list(sd) == list(expected), "the keys or their order differ from the source's")
            checks.append("torch.load(weights_only=True) gives the state dict in the source's order")
        require(sorted(sd) == sorted(expected), "the keys differ from the source's")
        for k, v in expected.items():
            require(isinstance(sd[k], torch.Tensor), f"{k} is not a tensor")
            require(same_bits(sd[k], v), f"{k}: {sd[k].dtype} {list(sd[k].shape)} differs from the source's "
                                         f"{v.dtype} {list(v.shape)} after the cast")
        checks.append("every tensor equals the source's after the cast, bit for bit")
        if args.arch:
            model = getattr(torchvision.models, args.arch)(num_classes=args.num_classes)
            model.load_state_dict(sd, strict=True)
            checks.append(f"torchvision.models.{args.arch}(num_classes={args.num_classes}) loads it strictly")
        print(json.dumps({"ok": True, "tensors": len(sd), "checks": checks}))
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}", "checks": checks}))
        sys.exit(1)


if __name__ == "__main__":
    main()
