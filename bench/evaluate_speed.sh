#!/usr/bin/env bash
# Throughput of `resnet-lens-cli evaluate` against `batch` on the same labelled folder, checkpoint and
# settings, in one run: the two are interleaved REPEAT times and the median images/s of each is printed, with
# the ratio evaluate/batch (1.00 = the same speed; the goal is at least 0.95). Each rate is over the whole
# command: loading the model, labelling, and for evaluate reading the predictions back and writing the report.
# Usage: bench/evaluate_speed.sh [IMAGES] [REPEAT]   (default 240 images, 3 repeats; needs a release build)
# Weights: $WEIGHTS (default: the resnet50 of the test reference, build/release/tests/reference/resnet50.pth,
# else a seeded torchvision resnet50). Run it alone: `flock /tmp/lens-build.lock bench/evaluate_speed.sh`
# on a shared machine, so that no build runs meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/release/app/resnet-lens-cli
images=${1:-240}
repeat=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

weights=${WEIGHTS:-build/release/tests/reference/resnet50.pth}
if [[ ! -f "$weights" ]]; then
    weights=$work/resnet50.pth
    /usr/bin/python3 -c "import torch, torchvision; torch.manual_seed(0); \
torch.save(torchvision.models.resnet50().state_dict(), '$weights')"
fi

# ImageFolder's layout: four class folders of ImageNet-sized JPEGs (500x375 and 375x500, as ImageNet's).
/usr/bin/python3 - "$work/set" "$images" <<'EOF'
import os, sys
from PIL import Image
out, count = sys.argv[1], int(sys.argv[2])
photos = ["grace_hopper.jpg", "chelsea.png", "coffee.png", "rocket.jpg"]
for i in range(count):
    name = photos[i % len(photos)]
    folder = os.path.join(out, ["military uniform", "tabby", "espresso", "missile"][i % len(photos)])
    os.makedirs(folder, exist_ok=True)
    img = Image.open(os.path.join("tests/data", name)).convert("RGB")
    size = (500, 375) if (i // len(photos)) % 2 == 0 else (375, 500)
    img.resize(size, Image.BICUBIC).save(os.path.join(folder, f"{i:05d}.jpg"), quality=90)
EOF

rate() { # command... -> images/s over the whole command (loading the model and writing the report included)
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || [[ $? -eq 3 ]]
    end=$(date +%s.%N)
    awk -v n="$images" -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", n / (e - s)}'
}
batch_rates=()
evaluate_rates=()
for ((r = 0; r < repeat; r++)); do
    rm -f "$work/batch.csv" "$work/predictions.csv" "$work/report.json"
    batch_rates+=("$(rate "$cli" batch "$work/set" --recursive -o "$work/batch.csv" --weights "$weights")")
    evaluate_rates+=("$(rate "$cli" evaluate "$work/set" --predictions "$work/predictions.csv" \
        -o "$work/report.json" --weights "$weights")")
    echo "run $((r + 1)): batch ${batch_rates[-1]} img/s, evaluate ${evaluate_rates[-1]} img/s"
done
median() { printf "%s\n" "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
b=$(median "${batch_rates[@]}")
e=$(median "${evaluate_rates[@]}")
echo "$images images, $(basename "$weights"), median of $repeat: batch $b img/s, evaluate $e img/s," \
    "ratio evaluate/batch $(awk -v e="$e" -v b="$b" 'BEGIN {printf "%.3f", e / b}')"
