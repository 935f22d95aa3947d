#!/usr/bin/python3
"""Generate training-style checkpoints and record what Python sees in them.

Runs after make_reference.py (it reads OUT/resnet18.pth and OUT/resnet18_10cls.pth) and writes into
OUT/training/:

  torchvision_style.pth  torchvision's references/classification/train.py: model, model_ema (an
                         AveragedModel: 'n_averaged' + 'module.' keys), SGD with momentum, StepLR, epoch,
                         args as an argparse.Namespace
  timm_style.pth         timm's train.py: arch, state_dict, state_dict_ema, Adam, amp_scaler, version,
                         args Namespace, metric (the best accuracy, a float)
  nested.pth             nested wrappers ('checkpoint'/'model' with 'module.' keys), a 10-class teacher
                         with its class names beside it, SGD without momentum, MultiStepLR (a Counter),
                         dict args, a loss history, best_acc1; no top-level weights
  ensemble.pth           a list of weight sets and a key holding '/'
  cast_edges.pth         float32/float64/float16/bfloat16 tensors holding rounding edge cases, NaN, Inf,
                         subnormals and values that overflow float16 (not a ResNet)
  bad/paths_dag.pth      shared dicts nested 40 deep: 2^40 paths to one state dict
  bad/wide.pth           3000 keys, each holding (the same) state dict
  bad/key_not_utf8.pth   a key whose bytes are not UTF-8 (torch.load raises UnicodeDecodeError)

  training.json: per file, the structure as Python sees it (every path with its kind, type and value, each
  optimizer summarised by Python, each state dict counted), the weight sets (path, tensor count, elements,
  dtypes, the architecture Python built it from) and the default one by the documented wrapper order;
  numpy's comparison of two weight sets; and the convert round trips to check.

The walk of Python objects here is written from Python's point of view, independently of resnet-lens.
Usage: /usr/bin/python3 make_training.py --out DIR
"""

import argparse
import collections
import hashlib
import io
import json
import os
import time
import zipfile

import numpy as np
import torch
import torchvision

SEED = 0
WRAPPER_KEYS = ["state_dict", "model", "model_state_dict", "state_dict_ema", "model_ema", "net", "module",
                "network", "params", "weights"]
PREFIXES = ["module.", "_orig_mod.", "model."]


# --------------------------------------------------------------------------
# What Python sees
# --------------------------------------------------------------------------

def segment(key):
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        key = repr(key)
    if isinstance(key, int):
        return str(key)
    return key.replace("~", "~0").replace("/", "~1")


def join(path, seg):
    return seg if path == "" else path + "/" + seg


def is_scalar(v):
    return v is None or isinstance(v, (bool, int, float, str))


def jsonable(v):
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def dtype_name(t):
    return str(t.dtype).replace("torch.", "")


def group(tensors):
    dtypes = collections.OrderedDict()
    for t in tensors:
        dtypes[dtype_name(t)] = dtypes.get(dtype_name(t), 0) + 1
    return {"tensors": len(tensors), "elements": int(sum(t.numel() for t in tensors)), "dtypes": dtypes}


def is_plain_dict(v):
    return type(v) in (dict, collections.OrderedDict)


def is_optimizer(v):
    return (is_plain_dict(v) and isinstance(v.get("state"), dict) and isinstance(v.get("param_groups"), list)
            and all(isinstance(g, dict) and "params" in g for g in v["param_groups"]))


def is_state_dict(v):
    return (is_plain_dict(v) and len(v) > 0 and all(isinstance(k, str) for k in v)
            and all(isinstance(x, torch.Tensor) for x in v.values()))


def optimizer_summary(v):
    kinds = collections.OrderedDict()
    for per_param in v["state"].values():
        for name, value in per_param.items():
            kind = kinds.setdefault(name, {"tensors": [], "scalars": 0, "others": 0})
            if isinstance(value, torch.Tensor):
                kind["tensors"].append(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                kind["scalars"] += 1
            else:
                kind["others"] += 1
    return {
        "param_group_count": len(v["param_groups"]),
        "param_groups": [{"params": len(g["params"]),
                          "hyperparameters": {k: jsonable(x) for k, x in g.items() if k != "params"}}
                         for g in v["param_groups"]],
        "state_entries": len(v["state"]),
        "state": [dict(kind=name, scalars=k["scalars"], others=k["others"], **group(k["tensors"]))
                  for name, k in kinds.items()],
    }


def describe(obj, path, nodes):
    """Every path Python can reach, with what it holds; containers list their children's keys in order."""
    node = {}
    nodes[path] = node
    if isinstance(obj, torch.Tensor):
        node.update(kind="tensor", dtype=dtype_name(obj), shape=list(obj.shape))
        return
    if is_scalar(obj):
        node.update(kind="scalar", type={bool: "bool", int: "int", float: "float", str: "str"}.get(
            type(obj), "None"), value=obj)
        return
    if is_plain_dict(obj):
        if is_optimizer(obj):
            node.update(kind="optimizer", optimizer=optimizer_summary(obj))
            return
        if is_state_dict(obj):
            node.update(kind="weights", **group(list(obj.values())))
            return
        if obj and all(isinstance(x, torch.Tensor) for x in obj.values()):
            node.update(kind="tensors", **group(list(obj.values())))
            return
        children = list(obj.items())
        node.update(kind="dict", type="dict")
    elif type(obj) in (list, tuple):
        if obj and all(isinstance(x, torch.Tensor) for x in obj):
            node.update(kind="tensors", **group(list(obj)))
            return
        if obj and all(is_scalar(x) for x in obj):
            node.update(kind="scalar", type=type(obj).__name__, value=jsonable(obj))
            return
        children = list(enumerate(obj))
        node.update(kind=type(obj).__name__, type=type(obj).__name__)
    else:
        children = list(obj.items()) if isinstance(obj, dict) else list(vars(obj).items())
        node.update(kind="object", type=f"{type(obj).__module__}.{type(obj).__qualname__}")
    node["entries"] = len(children)
    node["children"] = [segment(k) for k, _ in children]
    for key, value in children:
        describe(value, join(path, segment(key)), nodes)


def weight_sets(obj, path, out):
    """Every state dict, depth-first; never inside an optimizer's state."""
    if is_state_dict(obj):
        out.append((path, obj))
        return
    if is_optimizer(obj) or isinstance(obj, torch.Tensor) or is_scalar(obj):
        return
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        items = vars(obj).items()
    for key, value in items:
        weight_sets(value, join(path, segment(key)), out)


def default_key(obj):
    if is_state_dict(obj):
        return ""
    if isinstance(obj, dict):
        for key in WRAPPER_KEYS:
            if key in obj and is_state_dict(obj[key]):
                return key
    return None


def at_path(obj, path):
    if path == "":
        return obj
    for seg in path.split("/"):
        if isinstance(obj, dict):
            obj = next(v for k, v in obj.items() if segment(k) == seg)
        elif isinstance(obj, (list, tuple)):
            obj = obj[int(seg)]
        else:
            obj = vars(obj)[seg.replace("~1", "/").replace("~0", "~")]
    return obj


def clean(state):
    """The weights as torchvision names them: AveragedModel's counter dropped, shared prefixes removed."""
    names = list(state)
    if "n_averaged" in names and len(names) > 1 and all(
            n == "n_averaged" or n.startswith("module.") for n in names):
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


def numpy_compare(a, b):
    out = {"only_in_first": [k for k in a if k not in b], "only_in_second": [k for k in b if k not in a],
           "shape_changes": [], "max_abs_diff": {}, "identical": []}
    for k in a:
        if k not in b:
            continue
        x = a[k].double().numpy() if a[k].dtype != torch.bfloat16 else a[k].float().double().numpy()
        y = b[k].double().numpy() if b[k].dtype != torch.bfloat16 else b[k].float().double().numpy()
        if x.shape != y.shape:
            out["shape_changes"].append({"key": k, "first": list(x.shape), "second": list(y.shape)})
            continue
        out["max_abs_diff"][k] = float(np.max(np.abs(x - y))) if x.size else 0.0
        if np.array_equal(x, y, equal_nan=True):
            out["identical"].append(k)
    return out


# --------------------------------------------------------------------------
# The files
# --------------------------------------------------------------------------

def train_step(model, optimizer, generator):
    model.train()
    x = torch.randn(2, 3, 64, 64, generator=generator)
    optimizer.zero_grad()
    model(x).logsumexp(1).mean().backward()
    optimizer.step()


def make_files(out_dir, sd, sd10):
    g = torch.Generator().manual_seed(SEED)
    files = {}

    # torchvision's references/classification/train.py
    model = torchvision.models.resnet18()
    model.load_state_dict(sd)
    ema = torch.optim.swa_utils.AveragedModel(
        model, avg_fn=lambda averaged, current, n: 0.99 * averaged + 0.01 * current, use_buffers=True)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    step_lr = torch.optim.lr_scheduler.StepLR(sgd, step_size=30, gamma=0.1)
    train_step(model, sgd, g)
    step_lr.step()
    ema.update_parameters(model)  # the first update copies the model
    # A second step with BatchNorm in eval mode (its statistics and counters kept) and a second update: the
    # EMA's weights now differ from the model's, its num_batches_tracked counters do not.
    model.eval()
    sgd.zero_grad()
    model(torch.randn(2, 3, 64, 64, generator=g)).logsumexp(1).mean().backward()
    sgd.step()
    ema.update_parameters(model)
    args = argparse.Namespace(data_path="/datasets01/imagenet_full_size/061417/", model="resnet18",
                              device="cuda", batch_size=32, epochs=90, workers=16, opt="sgd", lr=0.1,
                              momentum=0.9, weight_decay=1e-4, lr_scheduler="steplr", lr_step_size=30,
                              lr_gamma=0.1, model_ema=True, model_ema_decay=0.99998, label_smoothing=0.0,
                              interpolation="bilinear", val_resize_size=256, val_crop_size=224,
                              train_crop_size=224, weights=None, amp=False, distributed=False)
    files["torchvision_style.pth"] = (
        {"model": model.state_dict(), "optimizer": sgd.state_dict(), "lr_scheduler": step_lr.state_dict(),
         "epoch": 12, "args": args, "model_ema": ema.state_dict()},
        {"model": ("resnet18", 1000), "model_ema": ("resnet18", 1000)})

    # timm's train.py
    model2 = torchvision.models.resnet18()
    model2.load_state_dict(sd)
    adam = torch.optim.Adam(model2.parameters(), lr=1e-3, betas=(0.9, 0.999), weight_decay=0.05)
    train_step(model2, adam, g)
    ema2 = collections.OrderedDict(
        (k, v + 0.001 * torch.randn(v.shape, generator=g) if v.is_floating_point() else v.clone())
        for k, v in model2.state_dict().items())
    files["timm_style.pth"] = (
        {"epoch": 7, "arch": "resnet18", "state_dict": model2.state_dict(), "optimizer": adam.state_dict(),
         "amp_scaler": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                        "growth_interval": 2000, "_growth_tracker": 0},
         "version": 2, "args": argparse.Namespace(model="resnet18", lr=1e-3, opt="adam", epochs=300,
                                                  smoothing=0.1, drop_path=None, aa="rand-m9-mstd0.5"),
         "state_dict_ema": ema2, "metric": 71.23456789012345},
        {"state_dict": ("resnet18", 1000), "state_dict_ema": ("resnet18", 1000)})

    # Nested wrappers, a teacher with its class names, dict args
    model3 = torchvision.models.resnet18()
    model3.load_state_dict(sd)
    plain_sgd = torch.optim.SGD(model3.parameters(), lr=0.05, momentum=0.0)
    multi_step = torch.optim.lr_scheduler.MultiStepLR(plain_sgd, milestones=[30, 60, 90], gamma=0.1)
    train_step(model3, plain_sgd, g)
    multi_step.step()
    classes = [f"kind {i}" for i in range(10)]
    files["nested.pth"] = (
        {"checkpoint": {"model": collections.OrderedDict(("module." + k, v) for k, v in sd.items()),
                        "best_acc1": 76.5432109876},
         "teacher": {"state_dict": sd10, "classes": classes},
         "optimizer": plain_sgd.state_dict(), "lr_scheduler": multi_step.state_dict(),
         "config": {"lr": 0.05, "betas": (0.9, 0.999), "name": "run-7", "flags": [True, False, None],
                    "schedule": {"milestones": [30, 60, 90], "warmup": 5}, "empty": []},
         "history": {"loss": [2.25, 1.875, 1.5], "acc": [0.125, 0.25, 0.5]},
         "epoch": 30},
        {"checkpoint/model": ("resnet18", 1000), "teacher/state_dict": ("resnet18", 10)})

    # A list of weight sets, and a key with '/' in it
    files["ensemble.pth"] = (
        {"models": [sd, sd10], "run/1": {"weights~": sd}},
        {"models/0": ("resnet18", 1000), "models/1": ("resnet18", 10), "run~11/weights~0": ("resnet18", 1000)})

    # Rounding edge cases for the dtype casts (not a ResNet).
    half_ulp = 2.0 ** -11
    edges = [0.0, -0.0, 1.0, 1 + half_ulp, 1 + 3 * half_ulp, -(1 + half_ulp), 65504.0, 65519.99, 65520.0,
             65536.0, 1e6, -1e6, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -14, 6.0e-8, 1e-10,
             1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 3.0e38, float("inf"), float("-inf"), float("nan"), 0.1, 1 / 3]
    e32 = torch.tensor(edges, dtype=torch.float32)
    e64 = torch.tensor(edges + [1 + 2.0 ** -11 + 2.0 ** -40, 1 + 2.0 ** -24, 1 + 2.0 ** -24 + 2.0 ** -50],
                       dtype=torch.float64)
    bits = torch.randint(-2 ** 31, 2 ** 31 - 1, (4096,), generator=g, dtype=torch.int64).to(torch.int32)
    files["cast_edges.pth"] = (
        {"state_dict": collections.OrderedDict([
            ("edges.f32", e32), ("edges.f64", e64), ("edges.f16", e32.half()), ("edges.bf16", e32.bfloat16()),
            ("random.bits", bits.view(torch.float32)),
            ("random.normal", (torch.randn(64, 3, 7, 7, generator=g) * 10.0 ** torch.randint(
                -9, 6, (64, 3, 7, 7), generator=g).float())),
            ("transposed", torch.arange(24, dtype=torch.float32).reshape(4, 6).t() / 7),
            ("count", torch.tensor(5)), ("mask", torch.tensor([True, False])),
            ("empty", torch.zeros(0, 3))])},
        {})

    for name, (obj, _) in files.items():
        torch.save(obj, os.path.join(out_dir, name))

    # Hostile shapes: shared values give 2^40 paths to one small state dict; 3000 keys hold weight sets.
    bad = os.path.join(out_dir, "bad")
    os.makedirs(bad, exist_ok=True)
    dag = {"w": torch.zeros(2)}
    for _ in range(40):
        dag = {"a": dag, "b": dag}
    torch.save(dag, os.path.join(bad, "paths_dag.pth"))
    shared = {"w": torch.zeros(2)}
    torch.save({f"k{i}": shared for i in range(3000)}, os.path.join(bad, "wide.pth"))
    write_bad_key(os.path.join(bad, "key_not_utf8.pth"))
    return files


def write_bad_key(path):
    """A state dict whose key 'epoch' has a byte that is not UTF-8 (0xff) in its pickle, as a damaged file
    has; the zip around it is rewritten so that only the pickle is wrong. torch.load must refuse it."""
    buffer = io.BytesIO()
    torch.save({"epoch": 1, "model": {"w": torch.zeros(2)}}, buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("data.pkl"):
                assert data.count(b"epoch") == 1
                data = data.replace(b"epoch", b"ep\xffch")
            out.writestr(info, data)
    try:
        torch.load(path)
    except UnicodeDecodeError:
        return
    raise AssertionError("torch.load read a key that is not UTF-8")


def conversions():
    """(source, weights key, output extension, dtype or "keep", architecture, classes) to round-trip."""
    rows = []
    for ext in (".pth", ".safetensors"):
        for dtype in ("float32", "float16", "bfloat16"):
            rows.append(("training/torchvision_style.pth", "model_ema", ext, dtype, "resnet18", 1000))
            rows.append(("training/cast_edges.pth", "", ext, dtype, None, 0))
        rows.append(("training/nested.pth", "teacher/state_dict", ext, "keep", "resnet18", 10))
        rows.append(("checkpoints/scripted.pt", "", ext, "float16", "resnet18", 1000))
        rows.append(("checkpoints/resnet18.safetensors", "", ext, "bfloat16", "resnet18", 1000))
        rows.append(("checkpoints/legacy.pth", "", ext, "keep", "resnet18", 1000))
        rows.append(("checkpoints/half.pth", "", ext, "float32", "resnet18", 1000))
    rows.append(("training/timm_style.pth", "state_dict_ema", ".pth", "float16", "resnet18", 1000))
    return [dict(zip(("source", "key", "ext", "dtype", "arch", "num_classes"), r)) for r in rows]


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
    training = os.path.join(out_dir, "training")
    os.makedirs(training, exist_ok=True)
    stamp_file = os.path.join(training, "stamp")
    stamp = stamp_of(out_dir)
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print(f"training checkpoints in {training} are up to date")
        return

    sd = torch.load(os.path.join(out_dir, "resnet18.pth"))
    sd10 = torch.load(os.path.join(out_dir, "resnet18_10cls.pth"))
    files = make_files(training, sd, sd10)

    result = {"generator": "tests/reference/make_training.py", "files": {}}
    for name, (_, archs) in files.items():
        # Read back as a user would, not from the objects in memory.
        loaded = torch.load(os.path.join(training, name))
        nodes = collections.OrderedDict()
        describe(loaded, "", nodes)
        sets = []
        weight_sets(loaded, "", sets)
        result["files"][f"training/{name}"] = {
            "structure": nodes,
            "weight_sets": [dict(key=path, arch=archs.get(path, [None, 0])[0],
                                 num_classes=archs.get(path, [None, 0])[1], **group(list(v.values())))
                            for path, v in sets],
            "default": default_key(loaded),
        }

    tv = torch.load(os.path.join(training, "torchvision_style.pth"))
    result["comparisons"] = {
        "model against model_ema": {
            "file": "training/torchvision_style.pth", "first_key": "model", "second_key": "model_ema",
            **numpy_compare(clean(tv["model"]), clean(tv["model_ema"]))},
    }
    result["conversions"] = conversions()
    with open(os.path.join(training, "training.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(stamp_file, "w") as f:
        f.write(stamp)
    print(f"wrote {len(files)} training checkpoints into {training} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
