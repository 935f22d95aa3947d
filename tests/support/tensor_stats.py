#!/usr/bin/python3
"""Statistics of a weight set's tensors as numpy computes them, for the GUI inspector's tests.

  tensor_stats.py FILE KEY BINS
  tensor_stats.py --compare FILE KEY OTHER OTHER_KEY

The file is read with torch.load; KEY is a key path ("" the whole file, "model_ema", "teacher/state_dict":
'/' separates keys, "~1" is a '/' inside a key, "~0" a '~'); AveragedModel's 'n_averaged' is dropped and
the prefixes module., _orig_mod., model. removed when every key has them. Prints one JSON object: per
tensor (in file order) its NaN and Inf counts, and over its finite values in float64 min, max, mean, std
(ddof 0) and numpy.histogram(values, BINS)'s counts and edges (absent when no value is finite).
With --compare: the keys only in one weight set, the changed shapes, per common key of the same shape the
max absolute difference in float64, and the keys whose values are identical (NaN where the other has NaN).
"""

import collections
import json
import sys

import numpy as np
import torch

PREFIXES = ["module.", "_orig_mod.", "model."]


def at_path(obj, path):
    if path == "":
        return obj
    for seg in path.split("/"):
        seg = seg.replace("~1", "/").replace("~0", "~")
        obj = obj[int(seg)] if isinstance(obj, (list, tuple)) else obj[seg]
    return obj


def clean(state):
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


def as_numpy(tensor):
    t = tensor.detach()
    return (t.float() if t.dtype == torch.bfloat16 else t).double().numpy()


def compare(a, b):
    out = {"only_in_first": [k for k in a if k not in b], "only_in_second": [k for k in b if k not in a],
           "shape_changes": [], "max_abs_diff": {}, "identical": []}
    for k in a:
        if k not in b:
            continue
        x, y = as_numpy(a[k]), as_numpy(b[k])
        if x.shape != y.shape:
            out["shape_changes"].append(k)
            continue
        out["max_abs_diff"][k] = float(np.max(np.abs(x - y))) if x.size else 0.0
        if np.array_equal(x, y, equal_nan=True):
            out["identical"].append(k)
    return out


def main():
    if sys.argv[1] == "--compare":
        a = clean(at_path(torch.load(sys.argv[2]), sys.argv[3]))
        b = clean(at_path(torch.load(sys.argv[4]), sys.argv[5]))
        json.dump(compare(a, b), sys.stdout)
        return
    path, key, bins = sys.argv[1], sys.argv[2], int(sys.argv[3])
    state = clean(at_path(torch.load(path), key))
    out = collections.OrderedDict()
    for name, tensor in state.items():
        values = as_numpy(tensor).ravel()
        finite = values[np.isfinite(values)]
        row = {"nan": int(np.isnan(values).sum()), "inf": int(np.isinf(values).sum())}
        if finite.size:
            counts, edges = np.histogram(finite, bins)
            row.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                       std=float(finite.std()), counts=[int(c) for c in counts], edges=[float(e) for e in edges])
        out[name] = row
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
