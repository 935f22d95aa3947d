#!/usr/bin/python3
"""Class activation maps of resnet-lens-cli cam against torchvision's (the layer4 hook maps the test reference holds):
the largest difference relative to each map's range, and how far mean(map) + fc.bias is from the logit.

Usage: /usr/bin/python3 bench/cam_agreement.py   (after the test suite has made build/release/tests/reference)"""
import json, os, subprocess, tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
ref_dir = "build/release/tests/reference"
ref = json.load(open(f"{ref_dir}/reference.json"))
worst = 0; worst_inv = 0
with tempfile.TemporaryDirectory() as t:
    for c in ref["cams"]:
        out = os.path.join(t, "m.npy")
        ck = f"{ref_dir}/{ref['checkpoints'][c['checkpoint']]}"
        subprocess.run(["build/release/app/resnet-lens-cli", "cam", f"tests/data/{c['photo']}", "-o", out,
                        "--weights", ck, "--preset", c["preset"], "--rank", str(c["rank"])], check=True, capture_output=True)
        ours = np.load(out); theirs = np.load(f"{ref_dir}/{c['map']}")
        rel = np.abs(ours - theirs).max() / (theirs.max() - theirs.min())
        inv = abs(ours.astype(np.float64).mean() + c["bias"] - c["logit"]) / max(1, abs(c["logit"]))
        worst = max(worst, rel); worst_inv = max(worst_inv, inv)
print(f"{len(ref['cams'])} maps: max |ours - torchvision| = {worst:.2e} of the map's range; max |mean + bias - logit| = {worst_inv:.2e} (relative)")
