#!/usr/bin/python3
"""resnet-lens's forward pass (fp32 and bf16) against ONNX Runtime's, and bf16's agreement with torchvision.

In one run on this machine, resnet50, 224x224:
  1. exports the checkpoint to ONNX with torch.onnx (opset 13, a dynamic batch axis);
  2. times the forward pass alone at batch 1 and 8, interleaved over --rounds rounds: pipeline_timing
     --forward (our fused oneDNN path, fp32 and bf16 in one process) and bench/ort_forward.js (ONNX
     Runtime's CPU provider, intra-op threads = --threads, all graph optimisations), each the median of its
     runs; the table shows the median over the rounds and the ratios;
  3. classifies the test photos (tests/data, both presets) with `resnet-lens-cli classify --precision bf16`
     and compares every logit with torchvision's fp32 logits from the test reference: top-1 agreement,
     the smallest top-5 overlap, the largest logit drift (absolute, and relative to the logit range);
  4. for a larger sample, labels --photos generated ImageNet-sized JPEGs (compare.py's set: random crops of
     the test photos) with `resnet-lens-cli batch` in fp32 and in bf16 and compares the two (fp32 equals
     torchvision up to 2e-5, step 3): top-1 agreement, the smallest top-5 overlap, and at each changed top-1
     the fp32 gap between the top two logits, which says whether it was a near-tie.

ONNX Runtime comes from npm: `npm install --prefix DIR onnxruntime-node --ignore-scripts`, then
ORT_NODE_MODULES=DIR/node_modules (or install it where node finds it). Without it the ORT column is skipped.
The test reference (build/release/tests/reference) is made by `ctest --preset release -R make_reference`.

Usage: /usr/bin/python3 bench/ort_compare.py [--weights resnet50.pth] [--rounds 3] [--repeat 10] [--threads 2]
                                             [--photos 300]
Run it on a quiet machine: nothing else may compete for the cores.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "release")
CLI = os.path.join(BUILD, "app", "resnet-lens-cli")
TIMING = os.path.join(BUILD, "bench", "pipeline_timing")
REFERENCE = os.path.join(BUILD, "tests", "reference")
ORT_SCRIPT = os.path.join(ROOT, "bench", "ort_forward.js")


def export_onnx(weights, path):
    import torch
    import torchvision

    model = torchvision.models.resnet50()
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), path, opset_version=13, input_names=["input"],
                          output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def ours(weights, photo, repeat):
    out = subprocess.run([TIMING, "--weights", weights, "--forward", "--repeat", str(repeat), photo],
                         check=True, capture_output=True, text=True).stdout
    times = {}
    for precision, batch, ms in re.findall(r"forward (\w+) batch (\d+): ([\d.]+) ms", out):
        times[(precision, int(batch))] = float(ms)
    notes = [line for line in out.splitlines() if not line.startswith("forward ")]
    return times, notes


def ort(model, threads, repeat):
    if not shutil.which("node"):
        return None, "node is not installed"
    run = subprocess.run(["node", ORT_SCRIPT, model, "--threads", str(threads), "--repeat", str(repeat)],
                         capture_output=True, text=True)
    if run.returncode == 3:
        return None, run.stderr.strip()
    if run.returncode != 0:
        sys.exit(f"ONNX Runtime failed:\n{run.stderr}")
    times = {int(b): float(ms) for b, ms in re.findall(r"ort batch (\d+): ([\d.]+) ms", run.stdout)}
    return times, run.stdout.splitlines()[0]


def agreement(weights):
    """bf16 (and our fp32) against torchvision's fp32 logits on the test photos."""
    with open(os.path.join(REFERENCE, "reference.json")) as f:
        ref = json.load(f)
    photos = ref["evaluated"]["resnet50"]["photos"]
    images = ref["images_dir"]
    rows = {}
    for precision in ("fp32", "bf16"):
        for preset in ref["evaluated"]["resnet50"]["presets"]:
            files = [os.path.join(images, ref["photos"][p]["file"]) for p in photos]
            command = [CLI, "classify", "--json", "--topk", "1000", "--weights", weights, "--preset", preset,
                       "--precision", precision] + files
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                return f"{precision}: {run.stderr.strip()}"
            for photo, line in zip(photos, run.stdout.splitlines()):
                row = json.loads(line)
                logits = [0.0] * 1000
                for t in row["top"]:
                    logits[t["index"]] = t["logit"]
                expected = ref["photos"][photo][preset]["logits"]["resnet50"]
                rows.setdefault(precision, []).append((logits, expected))

    def rank(values):
        return sorted(range(len(values)), key=lambda i: values[i], reverse=True)

    lines = []
    for precision, pairs in rows.items():
        top1 = sum(rank(a)[0] == rank(e)[0] for a, e in pairs)
        overlap = min(len(set(rank(a)[:5]) & set(rank(e)[:5])) for a, e in pairs)
        drift = max(max(abs(x - y) for x, y in zip(a, e)) for a, e in pairs)
        relative = max(max(abs(x - y) for x, y in zip(a, e)) / (max(e) - min(e)) for a, e in pairs)
        lines.append(f"  {precision} vs torchvision fp32 on {len(pairs)} inputs ({len(photos)} photos x "
                     f"{len(pairs) // len(photos)} presets): top-1 equal {top1}/{len(pairs)} "
                     f"({100.0 * top1 / len(pairs):.1f}%), smallest top-5 overlap {overlap}/5, largest "
                     f"logit drift {drift:.4f} ({100 * relative:.2f}% of the logit range)")
    return "\n".join(lines)


def batch_agreement(weights, count, work):
    """fp32 against bf16 on `count` generated photos, both labelled by resnet-lens-cli batch."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from compare import make_set

    folder = os.path.join(work, "photos")
    make_set(folder, count, (500, 375), seed=count)
    tops = {}
    for precision in ("fp32", "bf16"):
        out = os.path.join(work, f"{precision}.jsonl")
        run = subprocess.run([CLI, "batch", folder, "-o", out, "--weights", weights, "--topk", "5", "--quiet",
                              "--precision", precision], capture_output=True, text=True)
        if run.returncode not in (0, 3):  # 3: some files failed, the rest labelled
            return f"  bf16 vs fp32 on generated photos skipped ({precision}): {run.stderr.strip()}"
        with open(out) as f:
            rows = [json.loads(line) for line in f]
        tops[precision] = {r["path"]: r["top"] for r in rows if r.get("status") == "ok"}
    same, overlap, gaps = 0, 5, []
    for path, top in tops["fp32"].items():
        other = tops["bf16"][path]
        if top[0]["index"] == other[0]["index"]:
            same += 1
        else:
            gaps.append(top[0]["logit"] - top[1]["logit"])
        overlap = min(overlap, len({t["index"] for t in top} & {t["index"] for t in other}))
    n = len(tops["fp32"])
    return (f"  bf16 vs fp32 on {n} generated photos: top-1 equal {same}/{n} ({100.0 * same / n:.1f}%), smallest "
            f"top-5 overlap {overlap}/5; fp32 top-2 logit gap where top-1 changed: "
            + (", ".join(f"{g:.3f}" for g in sorted(gaps)) or "none"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="resnet50 state dict (default: the test reference's resnet50)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is shown")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per engine and batch in a round")
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime's intra-op threads")
    parser.add_argument("--photos", type=int, default=300, help="generated photos for bf16's agreement (0: skip)")
    args = parser.parse_args()
    for path in (CLI, TIMING):
        if not os.path.exists(path):
            sys.exit(f"build first: {path} is missing (cmake --build --preset release --target "
                     f"resnet-lens-cli pipeline_timing)")
    weights = args.weights or os.path.join(REFERENCE, "resnet50.pth")
    if not os.path.exists(weights):
        sys.exit(f"{weights} is missing: give --weights or run ctest --preset release -R make_reference")
    photo = os.path.join(ROOT, "tests", "data", "grace_hopper.jpg")

    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "resnet50.onnx")
        export_onnx(weights, model)
        rounds_ours, rounds_ort, ort_note, notes, cores = [], [], "", [], []
        for _ in range(args.rounds):
            times, notes = ours(weights, photo, args.repeat)
            rounds_ours.append(times)
            cores += [line.split(": ")[1] for line in notes if line.startswith("cores used")]
            times, ort_note = ort(model, args.threads, args.repeat)
            if times is None:
                print(f"ONNX Runtime skipped: {ort_note}")
            else:
                rounds_ort.append(times)

    for note in [n for n in notes if not n.startswith("cores used")] + ([ort_note] if rounds_ort else []):
        print(note)
    # Well under the core count: something else ran meanwhile, and the times are inflated.
    print(f"cores resnet-lens used while timing, per round: {', '.join(cores)} of {os.cpu_count()}")
    print(f"forward pass, resnet50, 224x224, ms per image, median of {args.rounds} rounds of {args.repeat} runs:")
    header = "| batch | resnet-lens fp32 | resnet-lens bf16 | ONNX Runtime fp32 | bf16 speed-up | fp32 / ORT |"
    print(header)
    print("|---|---|---|---|---|---|")
    for batch in (1, 8):
        fp32 = statistics.median(r[("fp32", batch)] for r in rounds_ours)
        bf16s = [r[("bf16", batch)] for r in rounds_ours if ("bf16", batch) in r]
        bf16 = statistics.median(bf16s) if bf16s else None
        onnx = statistics.median(r[batch] for r in rounds_ort) if rounds_ort else None
        cells = [f"{fp32:.2f}", f"{bf16:.2f}" if bf16 else "n/a", f"{onnx:.2f}" if onnx else "n/a",
                 f"{fp32 / bf16:.2f}x" if bf16 else "n/a", f"{fp32 / onnx:.2f}" if onnx else "n/a"]
        print(f"| {batch} | " + " | ".join(cells) + " |")
        # The same ratios within each round (the engines ran side by side), whose median resists a machine
        # that changes speed between rounds.
        within = []
        if bf16s:
            within.append("bf16 speed-up " + ", ".join(
                f"{r[('fp32', batch)] / r[('bf16', batch)]:.2f}x" for r in rounds_ours if ("bf16", batch) in r))
        if rounds_ort:
            within.append("fp32 / ORT " + ", ".join(
                f"{a[('fp32', batch)] / b[batch]:.2f}" for a, b in zip(rounds_ours, rounds_ort)))
        if within:
            print("    per round: " + "; ".join(within))
        spread = ", ".join(f"{r[('fp32', batch)]:.2f}" for r in rounds_ours)
        print(f"    rounds: fp32 {spread}" + (f"; bf16 {', '.join(f'{t:.2f}' for t in bf16s)}" if bf16s else "")
              + (f"; ort {', '.join(f'{r[batch]:.2f}' for r in rounds_ort)}" if rounds_ort else ""))
    if os.path.exists(os.path.join(REFERENCE, "reference.json")):
        print("bf16 agreement:")
        print(agreement(weights))
    else:
        print("bf16 agreement skipped: no test reference (ctest --preset release -R make_reference)")
    if args.photos:
        with tempfile.TemporaryDirectory() as work:
            print(batch_agreement(weights, args.photos, work))


if __name__ == "__main__":
    main()
