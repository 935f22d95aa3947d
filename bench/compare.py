#!/usr/bin/python3
"""Throughput of resnet-lens against the Python/torchvision way, on the same photos and checkpoint, in one run.

Runs, for each photo set:
  (a) tutorial  Python + torchvision one image at a time: PIL open, the transforms, model(x) under no_grad;
  (b) tuned     a DataLoader worker, batch 8, torch.jit.freeze + optimize_for_inference;
  (c) lens      resnet-lens-cli batch (default settings);
  (d) lens fast resnet-lens-cli batch --fast-decode (JPEGs decoded at reduced scale; not bit-exact),
  (e) before    with --before CLI: another resnet-lens-cli (an older build) run as (c), to show a change's effect,
  (f) lens bf16 resnet-lens-cli batch --precision bf16 (where the CPU has AVX512_BF16 or AMX; opt-in),
and prints images/s (model loading and warm-up excluded for all), peak RSS, and the ratios between them. The
tuned script's DataLoader worker is a second process: its peak RSS is printed on its own line (RSS counts the
pages it shares with the main process, so the two do not add up). Each
is run --repeat times, interleaved, and the median images/s is reported: runs of a few seconds on a shared
machine vary by several percent.

Photo sets are generated from tests/data: "imagenet" (about 500x375 JPEGs, like ImageNet's) and "camera"
(4000x3000 JPEGs). Python uses every core (torch.set_num_threads), as resnet-lens does; LibTorch's own default
counts physical cores and can pick fewer.

For the camera set it also measures the fast mode's drift from the exact path: the largest logit difference
(relative to each image's logit range) and how often top-1 and the top-5 set agree.

Usage: /usr/bin/python3 bench/compare.py [--weights resnet50.pth] [--imagenet 160] [--camera 8] [--runs a,b,c,d,f]
                                         [--repeat 3] [--before OLD/resnet-lens-cli]
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "release", "app", "resnet-lens-cli")
PHOTOS = ["grace_hopper.jpg", "chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg", "hubble_deep_field.jpg"]

COMMON = r'''
import json, os, sys, time
import torch, torchvision
from PIL import Image
from torchvision import transforms
weights, folder = sys.argv[1], sys.argv[2]
torch.set_num_threads(os.cpu_count())
model = torchvision.models.resnet50()
model.load_state_dict(torch.load(weights))
model.eval()
tf = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                         transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
'''

TUTORIAL = COMMON + r'''
start = time.perf_counter()
with torch.no_grad():
    for f in files:
        x = tf(Image.open(f).convert("RGB")).unsqueeze(0)
        top = model(x).softmax(1).topk(5)
print(json.dumps({"images": len(files), "seconds": time.perf_counter() - start}))
'''

TUNED = COMMON + r'''
class Photos(torch.utils.data.Dataset):
    def __len__(self):
        return len(files)
    def __getitem__(self, i):
        return tf(Image.open(files[i]).convert("RGB"))
with torch.no_grad():
    fast = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
    for _ in range(2):
        fast(torch.randn(8, 3, 224, 224))  # compile and warm up, like loading the model
    loader = torch.utils.data.DataLoader(Photos(), batch_size=8, num_workers=1)
    start = time.perf_counter()
    for x in loader:
        top = fast(x).softmax(1).topk(5)
    seconds = time.perf_counter() - start
    del loader  # ends the worker, so that its peak RSS is on record
import resource
worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"images": len(files), "seconds": seconds, "worker_rss_mib": worker}))
'''


def make_set(folder, count, size, seed):
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    for i in range(count):
        img = Image.open(os.path.join(ROOT, "tests", "data", PHOTOS[i % len(PHOTOS)])).convert("RGB")
        w, h = size if rng.random() < 0.7 else size[::-1]
        # A random crop of the photo's aspect, scaled to the target size: every file differs.
        scale = rng.uniform(0.7, 1.0)
        cw, ch = int(img.width * scale), int(img.height * scale)
        x, y = rng.randint(0, img.width - cw), rng.randint(0, img.height - ch)
        img = img.crop((x, y, x + cw, y + ch)).resize((w, h), Image.BICUBIC)
        img.save(os.path.join(folder, f"{i:04d}.jpg"), quality=90)


def bf16_available(weights):
    """Whether resnet-lens-cli runs --precision bf16 here (it refuses, exit 2, where the CPU lacks it)."""
    photo = os.path.join(ROOT, "tests", "data", "grace_hopper.jpg")
    done = subprocess.run([CLI, "classify", "--precision", "bf16", "--weights", weights, photo],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode == 0


def measure(kind, weights, folder, work, before_cli=None):
    if kind in ("a", "b"):
        script = os.path.join(work, f"{kind}.py")
        with open(script, "w") as f:
            f.write(TUTORIAL if kind == "a" else TUNED)
        command = [sys.executable, script, weights, folder]
    else:
        out = os.path.join(work, f"lens-{os.path.basename(folder)}-{time.time_ns()}.csv")
        command = [before_cli if kind == "e" else CLI, "batch", folder, "-o", out, "--weights", weights]
        if kind == "d":
            command.append("--fast-decode")
        if kind == "f":
            command += ["--precision", "bf16"]
    before = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - before
    out, err = process.stdout.read().decode(), process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        sys.exit(f"{' '.join(command)} failed:\n{err}")
    rss = usage.ru_maxrss / 1024
    if kind in ("a", "b"):
        result = json.loads(out.strip().splitlines()[-1])
        return result["images"] / result["seconds"], rss, wall, result.get("worker_rss_mib", 0)
    match = re.search(r"\(([\d.]+) img/s\)", err)
    return float(match.group(1)), rss, wall, 0


def drift(weights, folder):
    """How far --fast-decode moves the logits from the exact path."""
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    logits = {}
    for fast in (False, True):
        command = [CLI, "classify", "--json", "--topk", "1000", "--weights", weights] + files
        if fast:
            command.insert(2, "--fast-decode")
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            row = json.loads(line)
            logits.setdefault(row["path"], {})[fast] = {t["index"]: t["logit"] for t in row["top"]}
    worst, top1, top5 = 0.0, 0, 0
    for path, both in logits.items():
        exact, fast = both[False], both[True]
        spread = max(exact.values()) - min(exact.values())
        worst = max(worst, max(abs(exact[i] - fast[i]) for i in exact) / spread)
        rank = lambda d: sorted(d, key=d.get, reverse=True)
        top1 += rank(exact)[0] == rank(fast)[0]
        top5 += set(rank(exact)[:5]) == set(rank(fast)[:5])
    n = len(logits)
    print(f"  fast-decode drift: max |logit difference| = {worst:.4f} of the logit range; "
          f"top-1 same on {top1}/{n}, top-5 set same on {top5}/{n}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="resnet50 state dict (default: a seeded torchvision resnet50)")
    parser.add_argument("--imagenet", type=int, default=160, help="ImageNet-sized photos (0 to skip)")
    parser.add_argument("--camera", type=int, default=8, help="4000x3000 photos (0 to skip)")
    parser.add_argument("--runs", default="a,b,c,d,f",
                        help="which of a (tutorial), b (tuned), c (lens), d (lens --fast-decode), f (lens bf16; "
                             "left out where the CPU cannot run bf16)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved; the median is shown")
    parser.add_argument("--before", help="another resnet-lens-cli (e.g. an older build), measured as run e")
    args = parser.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"build first: {CLI} is missing (cmake --preset release && cmake --build --preset release)")

    with tempfile.TemporaryDirectory() as work:
        weights = args.weights
        calibrated = os.path.join(ROOT, "build", "release", "tests", "reference", "resnet50.pth")
        if not weights and os.path.exists(calibrated):
            weights = calibrated  # the test reference: BatchNorm calibrated on photos, so outputs differ per image
        if not weights:
            import torch
            import torchvision
            torch.manual_seed(0)
            weights = os.path.join(work, "resnet50.pth")
            torch.save(torchvision.models.resnet50().state_dict(), weights)
        sets = []
        if args.imagenet:
            sets.append(("imagenet 500x375", os.path.join(work, "imagenet"), args.imagenet, (500, 375)))
        if args.camera:
            sets.append(("camera 4000x3000", os.path.join(work, "camera"), args.camera, (4000, 3000)))
        names = {"a": "tutorial Python", "b": "tuned Python", "c": "resnet-lens", "d": "lens fast-decode",
                 "e": "lens before", "f": "lens bf16"}
        kinds = args.runs.split(",") + (["e"] if args.before else [])
        if "f" in kinds and not bf16_available(weights):
            print("bf16: this CPU cannot run it (no AVX512_BF16 or AMX); run f left out")
            kinds.remove("f")
        print(f"machine: {os.cpu_count()} cores; torch threads = cores; model resnet50 fp32")
        for label, folder, count, size in sets:
            make_set(folder, count, size, seed=count)
            runs = {kind: [] for kind in kinds}
            for _ in range(max(1, args.repeat)):
                for kind in runs:
                    runs[kind].append(measure(kind, weights, folder, work, args.before))
            results = {}
            for kind, measured in runs.items():
                rates = sorted(m[0] for m in measured)
                results[kind] = (rates[len(rates) // 2], max(m[1] for m in measured),
                                 sorted(m[2] for m in measured)[len(measured) // 2])
            worker = max((m[3] for m in runs.get("b", [])), default=0)
            print(f"\n{label}, {count} photos, median of {max(1, args.repeat)} runs")
            print(f"  {'':16s} {'img/s':>7s} {'peak RSS MiB':>13s} {'wall s':>7s}")
            for kind, (rate, rss, wall) in results.items():
                print(f"  {names[kind]:16s} {rate:7.2f} {rss:13.0f} {wall:7.1f}")
            if worker:
                print(f"  (tuned Python's DataLoader worker process: peak RSS {worker:.0f} MiB)")
            for ours in ("c", "d", "f"):
                for kind in ("a", "b"):
                    if ours in results and kind in results:
                        print(f"  {names[ours]} / {names[kind]}: {results[ours][0] / results[kind][0]:.2f}x")
            if "c" in results and "f" in results:
                print(f"  lens bf16 / resnet-lens: {results['f'][0] / results['c'][0]:.2f}x")
            if "c" in results and "e" in results:
                print(f"  resnet-lens / lens before: {results['c'][0] / results['e'][0]:.2f}x")
            if size[0] >= 2000 and "c" in results and "d" in results:
                drift(weights, folder)


if __name__ == "__main__":
    main()
