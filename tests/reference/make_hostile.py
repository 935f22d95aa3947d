#!/usr/bin/python3
"""Generate hostile checkpoints and neighbouring files, and what Python itself does with them.

Runs after make_reference.py (it reads OUT/resnet18.pth) and writes into OUT/hostile/:

  dangerous pickles: real resnet18 weights plus one value whose unpickling calls a function (posix.system,
  builtins.eval/exec/getattr/__import__, runpy, pickle.loads, subprocess, nt.system, ...), at the top level,
  hidden deep inside a value, inside the state dict itself, discarded right after the call, in the legacy
  format and in a TorchScript archive; for each one that can run here, the generator checks that Python's
  torch.load (without weights_only) really runs it, so the expectation that we refuse it comes from Python;
  inert data objects training scripts store (argparse.Namespace, numpy scalars and arrays, collections types,
  OmegaConf and Lightning containers) that must still load;
  hostile text: tensor names with terminal escape sequences, strings that are not UTF-8 (which Python's
  torch.load refuses with UnicodeDecodeError), a label file that is not UTF-8;
  small files that would eat memory or time: overlapping zip entries, stride-0 views (torch.save of an
  expanded tensor), a huge head expanded from one value, a 0-class head, a TorchScript module tree that
  shares submodules, a safetensors header that expands in memory, a key with thousands of 'module.'
  prefixes, a deflate record that claims 16 GiB, a safetensors header length beyond the file, an empty
  safetensors tensor.

  hostile.json: one case per file, for tests/tst_hostile.cpp: the command line, the expected exit code, what
  the output must and must not say, and the memory and time it may take.

Usage: /usr/bin/python3 make_hostile.py --out DIR
"""

import argparse
import collections
import hashlib
import io
import json
import os
import pickle
import shlex
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

import numpy as np
import torch

SEED = 0


# --------------------------------------------------------------------------
# Pickle pieces written by hand
# --------------------------------------------------------------------------

def p_str(text):
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    return b"X" + struct.pack("<I", len(raw)) + raw


def p_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_call(callable_bytes, *args):
    """REDUCE of callable_bytes on a tuple of already-encoded arguments."""
    return callable_bytes + b"(" + b"".join(args) + b"tR"


PLACEHOLDER = "__resnet_lens_placeholder__"


def splice(pickle_bytes, fragment, placeholder=PLACEHOLDER):
    """Replaces the BINUNICODE opcode pushing `placeholder` with `fragment` (which pushes one value)."""
    needle = p_str(placeholder)
    assert pickle_bytes.count(needle) == 1, "placeholder not found exactly once"
    return pickle_bytes.replace(needle, fragment)


def rewrite_zip(path, replace):
    """Rewrites a torch.save zip with Python's zipfile, passing each record through replace(name, data)."""
    with zipfile.ZipFile(path) as z:
        records = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in records:
            z.writestr(name, replace(name, data))


def save_with_fragment(path, obj, fragment, legacy=False):
    """torch.save(obj) where the placeholder string inside obj becomes the hand-written fragment."""
    if legacy:
        buf = io.BytesIO()
        torch.save(obj, buf, _use_new_zipfile_serialization=False)
        with open(path, "wb") as f:
            f.write(splice(buf.getvalue(), fragment))
        return
    torch.save(obj, path)
    rewrite_zip(path, lambda name, data: splice(data, fragment) if name.endswith("/data.pkl") else data)


def python_runs_it(path, marker):
    """Whether Python's torch.load (weights_only=False) runs the file's code: it creates `marker`."""
    if os.path.exists(marker):
        os.remove(marker)
    subprocess.run([sys.executable, "-c", "import sys, torch; torch.load(sys.argv[1], map_location='cpu')", path],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    ran = os.path.exists(marker)
    if ran:
        os.remove(marker)
    return ran


def python_refuses(path):
    """The error Python's torch.load raises for the file (None when it loads)."""
    run = subprocess.run(
        [sys.executable, "-c",
         "import sys, torch\ntry:\n torch.load(sys.argv[1], map_location='cpu')\n"
         "except Exception as e:\n print(type(e).__name__)\n sys.exit(1)", path],
        capture_output=True, text=True, timeout=120)
    return run.stdout.strip() if run.returncode else None


# Stub modules, so that pickles name the classes real training scripts store (OmegaConf, Lightning) without
# needing those packages: pickle records a class by its module and name only.
STUBS = {
    "omegaconf/__init__.py": "",
    "omegaconf/dictconfig.py": "class DictConfig(dict):\n    pass\n",
    "omegaconf/listconfig.py": "class ListConfig(list):\n    pass\n",
    "pytorch_lightning/__init__.py": "",
    "pytorch_lightning/utilities/__init__.py": "",
    "pytorch_lightning/utilities/parsing.py": "class AttributeDict(dict):\n    pass\n",
}


class Config:
    """A training script's own settings class: Python imports its module to unpickle it."""

    def __init__(self):
        self.lr = 0.1
        self.epochs = 90


# --------------------------------------------------------------------------
# Memory and time
# --------------------------------------------------------------------------

def overlapping_zip(path, entries=1000, floats=1 << 20):
    """`entries` zip records whose local headers nest inside each other's extra fields so that every
    record's data is the same 4 MB region (valid CRCs); the pickle views each as its own storage."""
    data = np.zeros(floats, dtype=np.float32).tobytes()
    crc = zlib.crc32(data) & 0xFFFFFFFF
    names = [f"archive/data/{i}".encode() for i in range(entries)]
    # data.pkl: a state dict of `entries` tensors, storage i = record archive/data/i.
    sd = collections.OrderedDict()

    class Storage:
        def __init__(self, key):
            self.key = key

    class Fake:
        def __init__(self, key):
            self.key = key

        def __reduce_ex__(self, protocol):
            return (torch._utils._rebuild_tensor_v2,
                    (Storage(self.key), 0, (floats,), (1,), False, collections.OrderedDict()))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", torch.FloatStorage, obj.key, "cpu", floats)
            return None

    for i in range(entries):
        sd[f"t{i}"] = Fake(str(i))
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(sd)
    pkl = buf.getvalue()

    out = bytearray()
    central = bytearray()

    def local_header(name, size, crc32, extra_length):
        return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc32, size, size, len(name),
                           extra_length) + name

    def central_header(name, size, crc32, offset):
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc32, size, size, len(name),
                           0, 0, 0, 0, 0, offset) + name

    # data.pkl first, as a normal record.
    pkl_name = b"archive/data.pkl"
    central += central_header(pkl_name, len(pkl), zlib.crc32(pkl) & 0xFFFFFFFF, len(out))
    out += local_header(pkl_name, len(pkl), zlib.crc32(pkl) & 0xFFFFFFFF, 0) + pkl
    # The nested local headers, then the shared data.
    base = len(out)
    header_sizes = [30 + len(n) for n in names]
    total_headers = sum(header_sizes)
    offset = base
    for name, size in zip(names, header_sizes):
        extra = base + total_headers - offset - size
        central += central_header(name, len(data), crc, offset)
        out += local_header(name, len(data), crc, extra)
        offset += size
    out += data
    version = b"3\n"
    central += central_header(b"archive/version", len(version), zlib.crc32(version) & 0xFFFFFFFF, len(out))
    out += local_header(b"archive/version", len(version), zlib.crc32(version) & 0xFFFFFFFF, 0) + version
    count = entries + 2
    directory_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), directory_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


def deflate_claim(path, claimed=16 << 30):
    """A torch.save-style zip whose storage record is deflate-compressed and claims `claimed` bytes."""
    floats = claimed // 4

    class Storage:
        pass

    class Fake:
        def __reduce_ex__(self, protocol):
            return (torch._utils._rebuild_tensor_v2,
                    (Storage(), 0, (floats,), (1,), False, collections.OrderedDict()))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", torch.FloatStorage, "0", "cpu", floats)
            return None

    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(collections.OrderedDict(w=Fake()))
    pkl = buf.getvalue()
    payload = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressed = payload.compress(b"\0" * (1 << 20)) + payload.flush()

    out = bytearray()
    central = bytearray()

    def add(name, data, size, crc, method):
        nonlocal out, central
        offset = len(out)
        zip64 = size >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if zip64 else b""
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0, crc,
                           0xFFFFFFFF if zip64 else len(data), 0xFFFFFFFF if zip64 else size, len(name),
                           len(extra)) + name + extra + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0, crc,
                               0xFFFFFFFF if zip64 else len(data), 0xFFFFFFFF if zip64 else size, len(name),
                               len(extra), 0, 0, 0, 0, offset) + name + extra

    add(b"archive/data.pkl", pkl, len(pkl), zlib.crc32(pkl) & 0xFFFFFFFF, 0)
    add(b"archive/data/0", compressed, claimed, 0, 8)
    add(b"archive/version", b"3\n", 2, zlib.crc32(b"3\n") & 0xFFFFFFFF, 0)
    directory_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(central), directory_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


def shared_module_archive(path, levels):
    """A TorchScript-style archive (constants.pkl and code/ beside data.pkl) whose module tree uses each
    level's submodule twice: 2**levels paths to one tensor, in a few kilobytes. Written as TorchScript's
    pickler writes modules: class, NEWOBJ, then BUILD with the attribute dict."""
    put = lambda i: b"r" + struct.pack("<I", i)
    get = lambda i: b"j" + struct.pack("<I", i)
    tensor = (p_global("torch._utils", "_rebuild_tensor_v2") + b"("
              + b"(" + p_str("storage") + p_global("torch", "FloatStorage") + p_str("0") + p_str("cpu") + b"K\x04tQ"
              + b"K\x00(K\x04t(K\x01t\x89" + p_global("collections", "OrderedDict") + b")RtR")
    module = lambda attributes: (p_global("__torch__", "M") + b")\x81}(" + attributes + p_str("training")
                                 + b"\x89ub")
    data = b"\x80\x02" + module(p_str("weight") + tensor) + put(0)
    for i in range(1, levels + 1):
        data += module(p_str("a") + get(i - 1) + p_str("b") + get(i - 1)) + put(i)
    data += b"."
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/constants.pkl", pickle.dumps((), protocol=2))
        z.writestr("archive/code/__torch__.py", "class M(Module):\n  pass\n")
        z.writestr("archive/data/0", np.zeros(4, dtype=np.float32).tobytes())
        z.writestr("archive/version", "3\n")


def write_safetensors(path, header_bytes, data=b""):
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        f.write(data)


# --------------------------------------------------------------------------

def stamp_of(out_dir):
    digest = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        digest.update(f.read())
    st = os.stat(os.path.join(out_dir, "resnet18.pth"))
    digest.update(f"{st.st_size} {st.st_mtime_ns} {torch.__version__}".encode())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="the reference folder written by make_reference.py")
    args = parser.parse_args()
    t0 = time.time()
    torch.set_num_threads(2)
    out_dir = os.path.abspath(args.out)
    hostile = os.path.join(out_dir, "hostile")
    os.makedirs(hostile, exist_ok=True)
    stamp_file = os.path.join(hostile, "stamp")
    stamp = stamp_of(out_dir)
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        print(f"hostile files in {hostile} are up to date")
        return
    p = lambda name: os.path.join(hostile, name)
    sd = torch.load(os.path.join(out_dir, "resnet18.pth"))
    marker = p("pwned")
    photo = "grace_hopper.jpg"
    cases = []

    def case(name, args, exit_code, says=(), not_says=(), stdout_says=(), max_rss_mb=700, max_seconds=30,
             json_output=False, python=None):
        cases.append({"name": name, "args": args, "exit": exit_code, "says": list(says),
                      "not_says": list(not_says), "stdout_says": list(stdout_says), "max_rss_mb": max_rss_mb,
                      "max_seconds": max_seconds, "json": json_output, "python": python})

    touch = "touch " + shlex.quote(marker)

    # ---- dangerous pickles: Python runs them (checked), we refuse them by default, naming the call
    dangerous = []

    def danger(file, obj, fragment, callable_name, shown, legacy=False, runs_here=True):
        path = p(file)
        save_with_fragment(path, obj, fragment, legacy=legacy)
        runs = python_runs_it(path, marker) if runs_here else None
        if runs_here:
            assert runs, f"{file}: Python's torch.load did not run the payload; the generator is wrong"
        dangerous.append({"file": file, "callable": callable_name, "shown": shown, "python_runs_it": runs})

    with_extra = lambda: collections.OrderedDict(list(sd.items()) + [("extra", PLACEHOLDER)])
    system = p_call(p_global("posix", "system"), p_str(touch))
    danger("system_extra_key.pth", with_extra(), system, "posix.system", "posix.system('touch ")
    danger("system_legacy.pth", with_extra(), system, "posix.system", "posix.system('touch ", legacy=True)
    danger("eval.pth", {"state_dict": sd, "hook": PLACEHOLDER},
           p_call(p_global("builtins", "eval"), p_str(f"__import__('os').system({touch!r})")), "builtins.eval",
           "builtins.eval(\"__import__('os').system(")
    danger("exec.pth", {"state_dict": sd, "hook": PLACEHOLDER},
           p_call(p_global("builtins", "exec"), p_str(f"import os; os.system({touch!r})")), "builtins.exec",
           "builtins.exec(\"import os; os.system(")
    getattr_chain = p_call(p_call(p_global("builtins", "getattr"),
                                  p_call(p_global("builtins", "__import__"), p_str("os")), p_str("system")),
                           p_str(touch))
    danger("getattr_import.pth", {"model": sd, "x": PLACEHOLDER}, getattr_chain, "builtins.getattr",
           "builtins.getattr(builtins.__import__('os'), 'system')('touch ")
    danger("runpy.pth", {"model": sd, "x": PLACEHOLDER},
           p_call(p_global("runpy", "_run_code"), p_str(f"import os; os.system({touch!r})"), b"}"), "runpy._run_code",
           "runpy._run_code(")
    inner = b"\x80\x02" + p_call(p_global("posix", "system"), p_str(touch)) + b"."
    assert len(inner) < 256
    danger("pickle_loads.pth", {"model": sd, "x": PLACEHOLDER},
           p_call(p_global("pickle", "loads"), b"C" + bytes([len(inner)]) + inner), "pickle.loads",
           "pickle.loads(b'")
    danger("subprocess.pth", {"model": sd, "x": PLACEHOLDER},
           p_call(p_global("subprocess", "check_call"), b"(" + p_str("touch") + p_str(marker) + b"l"),
           "subprocess.check_call", "subprocess.check_call(['touch', ")
    deep = {"state_dict": sd, "meta": {"history": [1, 2, {"notes": ["fine", {"x": PLACEHOLDER}]}]}}
    danger("hidden_deep.pth", deep, system, "posix.system", "posix.system('touch ")
    in_sd = collections.OrderedDict(sd)
    in_sd["layer1.0.conv1.weight"] = PLACEHOLDER
    danger("inside_state_dict.pth", in_sd, system, "posix.system", "posix.system('touch ")
    # The call's result is thrown away at once (POP): Python still makes the call.
    danger("discarded_call.pth", {"model": sd, "x": PLACEHOLDER}, system + b"0N", "posix.system",
           "posix.system('touch ")
    danger("only_a_call.pth", PLACEHOLDER, system, "posix.system", "posix.system('touch ")
    danger("nt_system.pth", {"model": sd, "x": PLACEHOLDER}, p_call(p_global("nt", "system"), p_str("calc.exe")),
           "nt.system", "nt.system('calc.exe')", runs_here=False)
    # TorchScript: the module tree's pickle calls os.system too.
    model = __import__("torchvision").models.resnet18()
    model.load_state_dict(sd)
    torch.jit.script(model.eval()).save(p("script_system.pt"))

    def add_to_script(name, data):
        if not name.endswith("/data.pkl") or name.endswith("constants.pkl"):
            return data
        assert data.endswith(b".")
        return data[:-1] + system + b"0."  # call it, drop the result, then STOP with the module tree

    rewrite_zip(p("script_system.pt"), add_to_script)
    dangerous.append({"file": "script_system.pt", "callable": "posix.system", "shown": "posix.system('touch ",
                      "python_runs_it": None})

    for d in dangerous:
        for command in (["inspect", p(d["file"])],
                        ["classify", "--weights", p(d["file"]), "PHOTO"]):
            case(f"{command[0]} refuses {d['file']}", command, 2, says=[d["callable"], "nothing was run"])
        case(f"inspect --json lists the danger of {d['file']}", ["inspect", "--json", p(d["file"])], 2,
             stdout_says=[d["callable"]], json_output=True)

    folder = p("one_photo")
    os.makedirs(folder, exist_ok=True)
    __import__("PIL.Image").Image.new("RGB", (64, 48), (200, 30, 40)).save(os.path.join(folder, "red.png"))
    case("batch refuses a dangerous file", ["batch", folder, "-o", "OUTPUT", "--weights", p("eval.pth")], 2,
         says=["builtins.eval", "nothing was run", "--ignore-unsafe-objects"])
    case("batch --ignore-unsafe-objects labels with a dangerous file's tensors",
         ["batch", folder, "-o", "OUTPUT", "--weights", p("eval.pth"), "--ignore-unsafe-objects"], 0)

    # Opting in: the tensors of a dangerous file are used.
    case("--ignore-unsafe-objects loads a dangerous file's tensors",
         ["classify", "--ignore-unsafe-objects", "--weights", p("system_extra_key.pth"), "PHOTO"], 0,
         says=["posix.system"])

    # ---- inert objects training scripts store: still load, with a warning
    stub_dir = tempfile.mkdtemp()
    for rel, text in STUBS.items():
        os.makedirs(os.path.dirname(os.path.join(stub_dir, rel)), exist_ok=True)
        with open(os.path.join(stub_dir, rel), "w") as f:
            f.write(text)
    sys.path.insert(0, stub_dir)
    import omegaconf.dictconfig
    import omegaconf.listconfig
    import pytorch_lightning.utilities.parsing
    inert = {
        "args": argparse.Namespace(lr=0.1, epochs=90, arch="resnet18"),
        "best_acc": np.float64(71.5), "step": np.int64(1200), "mask": np.arange(4),
        "counts": collections.Counter(a=2), "queue": collections.deque([1, 2]),
        "groups": collections.defaultdict(list, {"a": [1]}),
        "cfg": omegaconf.dictconfig.DictConfig(lr=0.1), "milestones": omegaconf.listconfig.ListConfig([30, 60]),
        "hparams": pytorch_lightning.utilities.parsing.AttributeDict(batch_size=256),
    }
    torch.save({"state_dict": sd, **inert}, p("inert_objects.pth"))
    case("inert objects still load", ["classify", "--weights", p("inert_objects.pth"), "PHOTO"], 0,
         not_says=["nothing was run"])
    case("inspect names inert objects as warnings", ["inspect", p("inert_objects.pth")], 0,
         stdout_says=["argparse.Namespace"], not_says=["dangerous"])
    Config.__module__ = "train"
    sys.modules["train"] = sys.modules[__name__]
    torch.save({"state_dict": sd, "config": Config()}, p("user_class.pth"))
    case("a training script's own class is refused by default", ["classify", "--weights", p("user_class.pth"),
                                                                 "PHOTO"], 2, says=["train.Config", "nothing was run"])
    case("a training script's own class loads when allowed",
         ["classify", "--ignore-unsafe-objects", "--weights", p("user_class.pth"), "PHOTO"], 0)

    # ---- hostile text
    escape_key = "\x1b]0;pwned\x07\x1b[2J\x1b[32m  loads:         strict\x1b[0m"
    torch.save(collections.OrderedDict(list(sd.items()) + [(escape_key, torch.ones(1))]), p("escape_key.pth"))
    for command in (["inspect", p("escape_key.pth")], ["classify", "--weights", p("escape_key.pth"), "PHOTO"]):
        case(f"{command[0]} escapes control characters in names", command, 2 if command[0] == "classify" else 3,
             not_says=["\x1b", "\x07"], says=["\\x1b"])
    bad_key = collections.OrderedDict(list(sd.items()) + [(PLACEHOLDER, torch.ones(1))])
    save_with_fragment(p("not_utf8_key.pth"), bad_key, p_str(b"extra.\xff\xfe"))
    bad_classes = {"model": sd, "classes": [PLACEHOLDER] + [f"c{i}" for i in range(999)]}
    save_with_fragment(p("not_utf8_class.pth"), bad_classes, p_str(b"caf\xe9"))
    bad_global = with_extra()
    save_with_fragment(p("not_utf8_global.pth"), bad_global, p_call(b"cpos\xffix\nsystem\n", p_str("ls")))
    for file in ("not_utf8_key.pth", "not_utf8_class.pth", "not_utf8_global.pth"):
        refusal = python_refuses(p(file))
        assert refusal in ("UnicodeDecodeError", "UnpicklingError", "ModuleNotFoundError"), (file, refusal)
        case(f"inspect refuses {file} as Python does", ["inspect", "--json", p(file)], 2,
             says=["UTF-8"], json_output=True, python=refusal)
    header = b'{"ok":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"bad\xff":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
    write_safetensors(p("not_utf8_name.safetensors"), header + b" " * (-len(header) % 8), b"\0" * 8)
    case("inspect refuses a safetensors name that is not UTF-8", ["inspect", "--json", p("not_utf8_name.safetensors")],
         2, says=["UTF-8"], json_output=True)
    with open(p("labels_latin1.txt"), "wb") as f:
        f.write(b"\n".join(b"caf\xe9 %d" % i for i in range(1000)) + b"\n")
    case("a label file that is not UTF-8 is refused",
         ["classify", "--weights", os.path.join(out_dir, "resnet18.pth"), "--labels", p("labels_latin1.txt"), "PHOTO"],
         2, says=["labels_latin1.txt", "UTF-8", "line 1"])

    # ---- memory and time
    overlapping_zip(p("overlapping_entries.pth"))
    case("overlapping zip entries are refused", ["inspect", p("overlapping_entries.pth")], 2, says=["overlap"],
         max_rss_mb=400)
    torch.save({"w": torch.zeros(1).expand(1 << 29)}, p("stride0.pth"))
    case("stride-0 views are refused", ["inspect", p("stride0.pth")], 2, says=["stride0.pth", "elements"],
         max_rss_mb=400)
    big_head = collections.OrderedDict(sd)
    big_head["fc.weight"] = torch.zeros(1).expand(10 ** 6, 512)
    big_head["fc.bias"] = torch.zeros(1).expand(10 ** 6)
    torch.save(big_head, p("expanded_head.pth"))
    case("a head expanded from one value is refused", ["classify", "--weights", p("expanded_head.pth"), "PHOTO"], 2,
         says=["expanded_head.pth"], max_rss_mb=500)
    real_big = collections.OrderedDict(sd)
    real_big["fc.weight"] = torch.zeros(200_001, 1)
    real_big["fc.bias"] = torch.zeros(200_001)
    # a real head of 200,001 classes (fc.weight of the wrong width, so it stays small): refused by its size
    torch.save(real_big, p("huge_head.pth"))
    case("a head beyond the class limit is refused", ["inspect", p("huge_head.pth")], 2, says=["classes"],
         max_rss_mb=500)
    zero = collections.OrderedDict(sd)
    zero["fc.weight"] = torch.zeros(0, 512)
    zero["fc.bias"] = torch.zeros(0)
    torch.save(zero, p("zero_classes.pth"))
    case("a 0-class head is refused by inspect", ["inspect", p("zero_classes.pth")], 2, says=["0 classes"])
    case("a 0-class head is refused by classify", ["classify", "--weights", p("zero_classes.pth"), "PHOTO"], 2,
         says=["0 classes"])
    shared_module_archive(p("shared_modules_20.pt"), 20)
    shared_module_archive(p("shared_modules_60.pt"), 60)
    for file in ("shared_modules_20.pt", "shared_modules_60.pt"):
        case(f"a TorchScript tree of shared submodules is bounded ({file})", ["inspect", p(file)], 2,
             says=[file], max_rss_mb=400, max_seconds=15)
    numbers = b"0," * (30 << 20)
    header = b'{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":[' + numbers + b'0]}}'
    write_safetensors(p("expanding_header.safetensors"), header + b" " * (-len(header) % 8), b"\0" * 4)
    case("a safetensors header that expands in memory is bounded", ["inspect", p("expanding_header.safetensors")],
         2, says=["expanding_header.safetensors"], max_rss_mb=600, max_seconds=30)
    prefixed = collections.OrderedDict(("module." * 300_000 + k, v) for k, v in list(sd.items())[:3])
    torch.save(prefixed, p("many_prefixes.pth"))
    case("a key with many 'module.' prefixes is handled in linear time", ["inspect", "--json", p("many_prefixes.pth")],
         2, max_seconds=10, json_output=True)
    deflate_claim(p("deflate_16gib.pth"))
    case("a deflate record claiming 16 GiB is refused before allocating", ["inspect", p("deflate_16gib.pth")], 2,
         says=["compressed"], not_says=["allocate"], max_rss_mb=400)
    with open(p("bad_header_length.safetensors"), "wb") as f:
        body = b'{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
        f.write(struct.pack("<Q", 10 ** 9) + body + b"\0" * 4)
    case("a safetensors header length beyond the file is named", ["inspect", p("bad_header_length.safetensors")],
         2, says=["safetensors", "header length"])
    empty = b'{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    write_safetensors(p("empty_tensor.safetensors"), empty + b" " * (-len(empty) % 8), b"\0" * 4)
    case("an empty safetensors tensor reads", ["inspect", "--json", p("empty_tensor.safetensors")], 2,
         stdout_says=['"name": "e"'], json_output=True)

    # ---- files that are not regular files
    fifo = p("fifo.pth")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    resnet18 = os.path.join(out_dir, "resnet18.pth")
    case("a FIFO as the checkpoint is refused", ["classify", "--weights", fifo, "PHOTO"], 2,
         says=["fifo.pth", "not a regular file"], max_seconds=10)
    case("a FIFO given to inspect is refused", ["inspect", fifo], 2, says=["fifo.pth", "not a regular file"],
         max_seconds=10)
    case("a FIFO as --against is refused", ["inspect", resnet18, "--against", fifo], 2,
         says=["fifo.pth", "not a regular file"], max_seconds=10)
    case("a FIFO as the label file is refused", ["classify", "--weights", resnet18, "--labels", fifo, "PHOTO"], 2,
         says=["fifo.pth", "not a regular file"], max_seconds=10)
    case("/dev/zero as the label file is refused", ["classify", "--weights", resnet18, "--labels", "/dev/zero",
                                                   "PHOTO"], 2, says=["/dev/zero", "not a regular file"],
         max_rss_mb=400, max_seconds=10)
    case("a FIFO as the preprocess output is refused", ["preprocess", "PHOTO", "-o", fifo], 2,
         says=["fifo.pth", "not a regular file"], max_seconds=10)
    full = p("full.npy")
    if not os.path.lexists(full):
        os.symlink("/dev/full", full)
    case("a link to /dev/full as the preprocess output is refused", ["preprocess", "PHOTO", "-o", full], 2,
         says=["full.npy", "not a regular file"], max_seconds=10)

    result = {"generator": "tests/reference/make_hostile.py", "cases": cases, "dangerous": dangerous,
              "photo": photo}
    with open(p("hostile.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(stamp_file, "w") as f:
        f.write(stamp)
    print(f"wrote {len(cases)} hostile cases into {hostile} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
