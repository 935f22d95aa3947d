#!/usr/bin/python3
"""Generate checkpoint variants of the reference resnet18 and what torch/numpy say about them.

Runs after make_reference.py (it reads OUT/resnet18.pth and OUT/resnet18_10cls.pth) and writes into
OUT/checkpoints/:

  the same resnet18 weights as saved by the tools users meet: DataParallel (module.), torch.compile
  (_orig_mod.), Lightning ({"state_dict": {"model.x": ...}, ...}), {"model_ema": ...}, float16, bfloat16,
  the legacy format (before PyTorch 1.6), safetensors, TorchScript, tensors saved from CUDA, pickled
  Parameters; a 10-class head with class names; a partial checkpoint (fc removed, one extra key, one
  mis-shaped tensor, some tensors perturbed); stats files holding every dtype and NaN/Inf values;
  bad/: hostile files (truncated legacy, overlapping / out-of-file safetensors, 64 GiB claims in zip,
  legacy and safetensors, a tar-era archive).

  checkpoints.json: per variant its file, expected format and fixes; torch's own strict=False verdict on
  the partial file; numpy statistics of every tensor of the stats files; numpy's comparison of pairs.

Safetensors files are written by hand (the Python package is not needed) and read back with numpy.
Usage: /usr/bin/python3 make_checkpoints.py --out DIR
"""

import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import re
import struct
import tarfile
import time
import zipfile

import numpy as np
import torch
import torchvision

SEED = 0
GIB64_FLOATS = 2 ** 34  # 64 GiB of float32


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------

SAFETENSORS_DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
    torch.bool: "BOOL",
}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors, metadata=None, header_override=None, data_override=None):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        raw = tensor_bytes(t)
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    if header_override is not None:
        header = header_override
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the reference writer pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data_override if data_override is not None else b"".join(chunks))


def read_safetensors_numpy(path):
    """How torch's safetensors loader sees the file: header JSON + numpy.frombuffer."""
    np_types = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32,
                "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_, "BF16": np.uint16}
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[8 + n + b:8 + n + e], dtype=np_types[info["dtype"]]).reshape(info["shape"])
        if info["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr
    return out


class _FakeStorage:
    def __init__(self, key, numel, storage_type, location):
        self.key, self.numel, self.storage_type, self.location = key, numel, storage_type, location


class _FakeTensor:
    """Pickles like a tensor whose storage is a persistent id we choose (location, numel)."""

    def __init__(self, storage, size, stride, offset=0):
        self.storage, self.size, self.stride, self.offset = storage, size, stride, offset

    def __reduce_ex__(self, protocol):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, self.offset, tuple(self.size), tuple(self.stride), False,
                 collections.OrderedDict()))


class _TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _FakeStorage):
            return ("storage", obj.storage_type, obj.key, obj.location, obj.numel)
        return None


STORAGE_TYPES = {torch.float32: torch.FloatStorage, torch.float16: torch.HalfStorage,
                 torch.float64: torch.DoubleStorage, torch.int64: torch.LongStorage}


def write_zip_checkpoint(path, state, location="cpu", numel_override=None):
    """A torch.save-style zip written with Python's zipfile: data.pkl with our persistent ids."""
    records = {}
    obj = collections.OrderedDict()
    for i, (name, t) in enumerate(state.items()):
        key = str(i)
        t = t.contiguous()
        numel = numel_override if numel_override is not None else t.numel()
        storage = _FakeStorage(key, numel, STORAGE_TYPES[t.dtype], location)
        obj[name] = _FakeTensor(storage, list(t.shape), list(t.stride()))
        records[key] = tensor_bytes(t)
    buf = io.BytesIO()
    _TorchPickler(buf, protocol=2).dump(obj)
    archive = os.path.splitext(os.path.basename(path))[0]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(f"{archive}/data.pkl", buf.getvalue())
        for key, raw in records.items():
            z.writestr(f"{archive}/data/{key}", raw)
        z.writestr(f"{archive}/version", "3\n")


# --------------------------------------------------------------------------
# What torch and numpy say
# --------------------------------------------------------------------------

def torch_verdict(model, state):
    """torch's load_state_dict(strict=False) bookkeeping, without raising on size mismatches."""
    state = collections.OrderedDict(state)
    missing, unexpected, errors = [], [], []

    def load(module, prefix=""):
        module._load_from_state_dict(state, prefix, {}, True, missing, unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                load(child, prefix + name + ".")

    load(model)
    mismatched = sorted(m.group(1) for e in errors for m in [re.search(r"size mismatch for (\S+):", e)] if m)
    return {"missing": sorted(missing), "unexpected": sorted(unexpected), "mismatched": mismatched}


def np_of(t):
    if isinstance(t, np.ndarray):
        return t
    if t.dtype == torch.bfloat16:
        return t.float().numpy()
    return t.numpy()


def numpy_stats(arr):
    a = np.asarray(arr).astype(np.float64).reshape(-1)
    nan = int(np.isnan(a).sum())
    inf = int(np.isinf(a).sum())
    finite = a[np.isfinite(a)]
    out = {"shape": list(np.asarray(arr).shape), "numel": int(a.size), "nan": nan, "inf": inf}
    if finite.size:
        out.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                   std=float(finite.std()))
    else:
        out.update(min=None, max=None, mean=None, std=None)
    return out


def numpy_compare(a, b):
    out = {"only_in_first": [k for k in a if k not in b], "only_in_second": [k for k in b if k not in a],
           "shape_changes": [], "max_abs_diff": {}, "identical": []}
    for k in a:
        if k not in b:
            continue
        x = np_of(a[k]).astype(np.float64)
        y = np_of(b[k]).astype(np.float64)
        if x.shape != y.shape:
            out["shape_changes"].append({"key": k, "first": list(x.shape), "second": list(y.shape)})
            continue
        out["max_abs_diff"][k] = float(np.max(np.abs(x - y))) if x.size else 0.0
        if np.array_equal(x, y, equal_nan=True):
            out["identical"].append(k)
    return out


# --------------------------------------------------------------------------

def stamp_of(out_dir):
    digest = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        digest.update(f.read())
    for name in ("resnet18.pth", "resnet18_10cls.pth"):
        st = os.stat(os.path.join(out_dir, name))
        digest.update(f"{name} {st.st_size} {st.st_mtime_ns}".encode())
    digest.update(torch.__version__.encode())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the reference folder written by make_reference.py")
    args = parser.parse_args()
    t0 = time.time()
    torch.set_num_threads(2)
    out_dir = os.path.abspath(args.out)
    ck = os.path.join(out_dir, "checkpoints")
    bad = os.path.join(ck, "bad")
    os.makedirs(bad, exist_ok=True)
    stamp_file = os.path.join(ck, "stamp")
    stamp = stamp_of(out_dir)
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print(f"checkpoints in {ck} are up to date")
        return

    sd = torch.load(os.path.join(out_dir, "resnet18.pth"))
    sd10 = torch.load(os.path.join(out_dir, "resnet18_10cls.pth"))
    model = torchvision.models.resnet18()
    model.load_state_dict(sd)
    model.eval()
    p = lambda name: os.path.join(ck, name)
    variants = {}

    def add(name, file, kind, fmt, fixes=(), labels=None):
        variants[name] = {"file": f"checkpoints/{file}", "expect": kind, "format": fmt, "fixes": list(fixes),
                          "labels": labels}

    floats = lambda d, dtype: collections.OrderedDict(
        (k, v.to(dtype) if v.is_floating_point() else v) for k, v in d.items())

    torch.save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()), p("module.pth"))
    add("dataparallel", "module.pth", "same", "torch.save zip", ["removed the key prefix 'module.'"])
    torch.save(collections.OrderedDict(("_orig_mod." + k, v) for k, v in sd.items()), p("orig_mod.pth"))
    add("torch.compile", "orig_mod.pth", "same", "torch.save zip", ["removed the key prefix '_orig_mod.'"])
    lightning = {"epoch": 3, "global_step": 1200, "pytorch-lightning_version": "1.9.0",
                 "state_dict": collections.OrderedDict(("model." + k, v) for k, v in sd.items()),
                 "hyper_parameters": {"lr": 0.1, "betas": (0.9, 0.999), "flags": [True, False, None],
                                      "name": "run-7", "nested": {"milestones": [30, 60, (90, 120)]}},
                 "optimizer_states": [{"state": {}, "param_groups": [{"lr": 0.1, "momentum": 0.9}]}]}
    torch.save(lightning, p("lightning.pth"))
    add("lightning", "lightning.pth", "same", "torch.save zip",
        ["weights found under 'state_dict'", "removed the key prefix 'model.'"])
    torch.save({"model_ema": sd, "epoch": 1}, p("ema.pth"))
    add("ema", "ema.pth", "same", "torch.save zip", ["weights found under 'model_ema'"])
    torch.save(floats(sd, torch.float16), p("half.pth"))
    add("float16", "half.pth", "half", "torch.save zip", ["converted"])
    torch.save(floats(sd, torch.bfloat16), p("bf16.pth"))
    add("bfloat16", "bf16.pth", "half", "torch.save zip", ["converted"])
    torch.save(sd, p("legacy.pth"), _use_new_zipfile_serialization=False)
    add("legacy", "legacy.pth", "same", "torch.save legacy (before PyTorch 1.6)")
    write_safetensors(p("resnet18.safetensors"), sd, metadata={"format": "pt"})
    st = read_safetensors_numpy(p("resnet18.safetensors"))
    assert all(np.array_equal(st[k], sd[k].numpy()) for k in sd), "safetensors writer is wrong"
    add("safetensors", "resnet18.safetensors", "same", "safetensors")
    torch.jit.script(model).save(p("scripted.pt"))
    add("torchscript", "scripted.pt", "same", "TorchScript archive")
    write_zip_checkpoint(p("cuda.pth"), sd, location="cuda:0")
    loaded = torch.load(p("cuda.pth"), map_location="cpu")
    assert all(torch.equal(loaded[k], sd[k]) for k in sd), "CUDA-location writer is wrong"
    add("cuda", "cuda.pth", "same", "torch.save zip")
    params = dict(model.named_parameters())
    params.update(dict(model.named_buffers()))
    torch.save(params, p("parameters.pth"))
    add("parameters", "parameters.pth", "same", "torch.save zip")

    classes = [f"kind {i}" for i in range(10)]
    torch.save({"model": sd10, "classes": classes, "epoch": 9}, p("classes10.pth"))
    add("10 classes, classes list", "classes10.pth", "10cls", "torch.save zip",
        ["weights found under 'model'", "fc resized to 10"], classes)
    torch.save({"state_dict": sd10, "class_to_idx": {c: i for i, c in enumerate(classes)}}, p("class_to_idx10.pth"),
               _use_new_zipfile_serialization=False)
    add("10 classes, class_to_idx, legacy", "class_to_idx10.pth", "10cls",
        "torch.save legacy (before PyTorch 1.6)", ["fc resized to 10"], classes)

    # Partial: fc removed, one extra key, one mis-shaped tensor, two tensors perturbed.
    g = torch.Generator().manual_seed(SEED)
    partial = collections.OrderedDict()
    for k, v in sd.items():
        if k.startswith("fc."):
            continue
        if k == "layer1.0.conv1.weight":
            v = v[:, :, :1, :1].clone()
        elif k in ("conv1.weight", "layer4.1.bn2.weight"):
            v = v + 0.01 * torch.randn(v.shape, generator=g)
        partial[k] = v
    partial["extra.weight"] = torch.ones(3)
    torch.save(partial, p("partial.pth"))
    verdict = torch_verdict(torchvision.models.resnet18(), partial)

    # Stats: resnet18 + a tensor of every dtype + NaN/Inf, in zip (nested), legacy and safetensors.
    extras = collections.OrderedDict()
    extras["extra.nan_inf"] = torch.tensor([1.5, float("nan"), -2.0, float("inf"), float("-inf"), 0.25, float("nan")])
    extras["extra.all_nan"] = torch.full((2, 2), float("nan"))
    extras["extra.f64"] = torch.randn(5, 3, generator=g, dtype=torch.float64)
    extras["extra.f16"] = torch.randn(17, generator=g).half()
    extras["extra.bf16"] = torch.randn(4, 4, generator=g).bfloat16()
    extras["extra.i64"] = torch.arange(-5, 6, dtype=torch.int64)
    extras["extra.i32"] = torch.tensor([7, -3, 2**30], dtype=torch.int32)
    extras["extra.i8"] = torch.tensor([-128, 0, 127], dtype=torch.int8)
    extras["extra.u8"] = torch.tensor([0, 200, 255, 3], dtype=torch.uint8)
    extras["extra.bool"] = torch.tensor([True, False, True, True])
    extras["extra.transposed"] = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
    extras["extra.empty"] = torch.zeros(0, 3)
    stats_state = collections.OrderedDict(sd)
    stats_state.update(extras)
    torch.save({"state_dict": stats_state, "meta": {"tuple": (1, 2.5, "x", None, True), "list": [[1], {"a": 2}]}},
               p("stats.pth"))
    torch.save(stats_state, p("stats_legacy.pth"), _use_new_zipfile_serialization=False)
    write_safetensors(p("stats.safetensors"), collections.OrderedDict(
        (k, v) for k, v in stats_state.items() if k != "extra.transposed"))
    stats = {
        "checkpoints/stats.pth": {k: numpy_stats(np_of(v)) for k, v in stats_state.items()},
        "checkpoints/stats_legacy.pth": {k: numpy_stats(np_of(v)) for k, v in stats_state.items()},
        "checkpoints/stats.safetensors": {k: numpy_stats(v) for k, v in
                                          read_safetensors_numpy(p("stats.safetensors")).items()},
    }
    for name in stats:
        for k, v in stats_state.items():
            if k in stats[name]:
                stats[name][k]["dtype"] = str(v.dtype).replace("torch.", "")

    comparisons = {
        "partial": {"first": "resnet18.pth", "second": "checkpoints/partial.pth", **numpy_compare(sd, partial)},
        "half": {"first": "resnet18.pth", "second": "checkpoints/half.pth",
                 **numpy_compare(sd, floats(sd, torch.float16))},
    }

    # Hostile files.
    with open(p("legacy.pth"), "rb") as f:
        legacy = f.read()
    with open(os.path.join(bad, "truncated_legacy.pth"), "wb") as f:
        f.write(legacy[: len(legacy) * 2 // 3])
    small = collections.OrderedDict(w=torch.arange(4, dtype=torch.float32), b=torch.ones(2))
    write_safetensors(os.path.join(bad, "overlap.safetensors"), small, header_override={
        "w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})
    write_safetensors(os.path.join(bad, "outside.safetensors"), small, header_override={
        "w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4000, 4008]}})
    write_safetensors(os.path.join(bad, "huge.safetensors"), small, header_override={
        "w": {"dtype": "F32", "shape": [GIB64_FLOATS], "data_offsets": [0, 4 * GIB64_FLOATS]}})
    write_zip_checkpoint(os.path.join(bad, "huge.pth"), collections.OrderedDict(w=torch.zeros(4)),
                         numel_override=GIB64_FLOATS)
    buf = io.BytesIO()
    torch.save(collections.OrderedDict(w=torch.zeros(4)), buf, _use_new_zipfile_serialization=False)
    raw = bytearray(buf.getvalue())
    assert struct.unpack("<q", raw[-24:-16])[0] == 4
    raw[-24:-16] = struct.pack("<q", GIB64_FLOATS)
    with open(os.path.join(bad, "huge_legacy.pth"), "wb") as f:
        f.write(raw)
    with tarfile.open(os.path.join(bad, "tar_era.pth"), "w", format=tarfile.USTAR_FORMAT) as tar:
        for member in ("sys_info", "pickle", "tensors", "storages"):
            data = pickle.dumps({"member": member}, protocol=2)
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    torch.save(torchvision.models.resnet18(), os.path.join(bad, "module.pth"))
    hostile = {
        "truncated_legacy.pth": "truncated", "overlap.safetensors": "overlap",
        "outside.safetensors": "past the end", "huge.safetensors": "past the end",
        "huge.pth": "17179869184", "huge_legacy.pth": "17179869184", "tar_era.pth": "tar archive",
        "module.pth": "torchvision.models.resnet.ResNet",
    }

    result = {
        "generator": "tests/reference/make_checkpoints.py",
        "variants": variants,
        "partial": {"file": "checkpoints/partial.pth", "torch": verdict},
        "stats": stats,
        "comparisons": comparisons,
        "hostile": {f"checkpoints/bad/{k}": v for k, v in hostile.items()},
        "photos": ["grace_hopper.jpg", "chelsea.png"],
    }
    with open(os.path.join(ck, "checkpoints.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(stamp_file, "w") as f:
        f.write(stamp)
    print(f"torch partial verdict: {json.dumps(verdict)}")
    print(f"wrote {len(variants)} variants, {len(hostile)} hostile files into {ck} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
