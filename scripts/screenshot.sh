#!/usr/bin/env bash
# Renders docs/screenshot.png: the desktop app under Xvfb with a sample photo and a checkpoint, captured once
# the first prediction is on screen. No pretrained weights are needed: the checkpoint is the seeded test
# model that tests/reference/make_reference.py generates (its predictions are not meaningful labels).
# Usage: scripts/screenshot.sh [PHOTO] [OUT.png] [more options of resnet-lens, e.g. --map]
set -euo pipefail
cd "$(dirname "$0")/.."
photo=${1:-tests/data/grace_hopper.jpg}
out=${2:-docs/screenshot.png}
shift $(($# < 2 ? $# : 2))

[[ -x build/release/app/resnet-lens ]] || { cmake --preset release >/dev/null && cmake --build --preset release; }

weights=build/release/tests/reference/resnet50.pth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ ! -f "$weights" ]]; then
    echo "Generating a test checkpoint (a few minutes)..."
    /usr/bin/python3 tests/reference/make_reference.py --out "$tmp/reference" --images tests/data >/dev/null
    weights=$tmp/reference/resnet50.pth
fi

# A fresh settings location, so the screenshot neither uses nor changes the user's settings.
mkdir -p "$(dirname "$out")"
XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
    xvfb-run -a -s "-screen 0 1400x900x24" \
    build/release/app/resnet-lens --weights "$weights" --preset v1 --screenshot "$tmp/shot.png" "$@" "$photo"
cp "$tmp/shot.png" "$out"
echo "Wrote $out"
