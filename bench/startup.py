#!/usr/bin/python3
"""Start-up time of resnet-lens-cli against Python's, on the same photo and checkpoint, in one run.

Times whole processes, from fork to exit (wall clock), for:
  resnet-lens-cli --help, --version, inspect CHECKPOINT, classify of one photo, batch of a folder of one photo;
  Python: `import torch`, `import torch, torchvision`, and a minimal torchvision classify script (torch.load,
  resnet50(), load_state_dict, the transforms, one forward pass, top-5) on the same photo and checkpoint;
and prints the median of --repeat interleaved runs of each, with the ratio of Python's classify to ours.
With --before OLD/resnet-lens-cli, that build's figures are printed beside ours, run interleaved with them.

Nothing else should run meanwhile: on a shared machine take a lock (flock) around the whole run.

Usage: /usr/bin/python3 bench/startup.py [--weights resnet50.pth] [--image PHOTO] [--repeat 9]
                                         [--before OLD/resnet-lens-cli]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "release", "app", "resnet-lens-cli")

CLASSIFY = """
import os, sys, torch, torchvision
from PIL import Image
from torchvision import transforms
weights, path = sys.argv[1], sys.argv[2]
torch.set_num_threads(os.cpu_count())  # every core, as resnet-lens uses
model = torchvision.models.resnet50()
model.load_state_dict(torch.load(weights))
model.eval()
preprocess = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                 transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
with torch.no_grad():
    x = preprocess(Image.open(path).convert("RGB")).unsqueeze(0)
    top = torch.softmax(model(x), 1)[0].topk(5)
for p, i in zip(top.values.tolist(), top.indices.tolist()):
    print(f"{i} {p:.4f}")
"""


def timed(command):
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr.decode(errors='replace')}")
    return seconds


def cli_commands(cli, weights, image_folder, image, out):
    return {
        "--help": [cli, "--help"],
        "--version": [cli, "--version"],
        "inspect": [cli, "inspect", weights],
        "classify 1 photo": [cli, "classify", "--weights", weights, image],
        "batch 1 photo": [cli, "batch", image_folder, "-o", out, "--weights", weights, "--quiet"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", help="resnet50 state dict (default: a seeded torchvision resnet50)")
    parser.add_argument("--image", default=os.path.join(ROOT, "tests", "data", "grace_hopper.jpg"))
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--before", help="an older resnet-lens-cli to compare with")
    parser.add_argument("--cli", default=CLI)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        weights = args.weights
        if not weights:
            import torch
            import torchvision

            torch.manual_seed(0)
            weights = os.path.join(work, "resnet50.pth")
            torch.save(torchvision.models.resnet50().state_dict(), weights)
        folder = os.path.join(work, "one")
        os.mkdir(folder)
        image = os.path.join(folder, os.path.basename(args.image))
        shutil.copy(args.image, image)
        script = os.path.join(work, "classify.py")
        with open(script, "w") as f:
            f.write(CLASSIFY)
        python = sys.executable

        runs = {}  # (who, what) -> command
        for who, cli in [("lens", args.cli)] + ([("before", args.before)] if args.before else []):
            out = os.path.join(work, who + ".csv")
            for what, command in cli_commands(cli, weights, folder, image, out).items():
                if what.startswith("batch"):
                    # a fresh output each time, not a resumed run
                    command = ["sh", "-c", 'rm -f "$0" && exec "$@"', out] + command
                runs[(who, what)] = command
        runs[("python", "import torch")] = [python, "-c", "import torch"]
        runs[("python", "import torch, torchvision")] = [python, "-c", "import torch, torchvision"]
        runs[("python", "classify 1 photo")] = [python, script, weights, image]

        for command in runs.values():  # warm the page cache, check that each works
            timed(command)
        times = {key: [] for key in runs}
        for _ in range(args.repeat):
            for key, command in runs.items():
                times[key].append(timed(command))
        median = {key: statistics.median(values) for key, values in times.items()}

        print(f"machine: {os.cpu_count()} cores; median of {args.repeat} interleaved runs, seconds (min-max)")
        print(f"checkpoint: {weights}; photo: {args.image}")
        header = f"{'command':28s} {'resnet-lens-cli':>22s}"
        if args.before:
            header += f" {'before':>22s} {'after/before':>13s}"
        print(header)

        def cell(key):
            values = times[key]
            return f"{median[key]:.3f} ({min(values):.3f}-{max(values):.3f})"

        for what in cli_commands("", "", "", "", ""):
            line = f"{what:28s} {cell(('lens', what)):>22s}"
            if args.before:
                ratio = median[("lens", what)] / median[("before", what)]
                line += f" {cell(('before', what)):>22s} {ratio:12.2f}x"
            print(line)
        print()
        for what in ["import torch", "import torch, torchvision", "classify 1 photo"]:
            print(f"python {what:21s} {cell(('python', what)):>22s}")
        print()
        lens = median[("lens", "classify 1 photo")]
        print(f"classify of one photo: Python's script takes {median[('python', 'classify 1 photo')] / lens:.2f}x "
              f"resnet-lens-cli's time; Python's bare 'import torch' {median[('python', 'import torch')] / lens:.2f}x")


if __name__ == "__main__":
    main()
