#!/usr/bin/env bash
# Renders docs/inspector.png and docs/inspector-compare.png: the app's checkpoint inspector under Xvfb with
# a window manager (openbox), driven by keyboard (xdotool), captured with ImageMagick's import. The
# checkpoint is the training-style one the test suite generates (tests/reference/make_training.py).
# Needs: xvfb, openbox, xdotool, imagemagick. Usage: scripts/inspector_screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source=build/release/tests/reference/training/torchvision_style.pth
[[ -f "$source" ]] || { echo "run the test suite's make_training fixture first (ctest -R make_training)"; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/runs"
file=$tmp/runs/checkpoint_epoch12.pth
cp "$source" "$file"

display=:57
Xvfb $display -screen 0 1600x1000x24 -nolisten tcp &
sleep 1
export DISPLAY=$display XDG_CONFIG_HOME=$tmp/config XDG_CACHE_HOME=$tmp/cache
openbox &
sleep 1
build/release/app/resnet-lens --weights "$file" &
sleep 8
key() { xdotool key --clearmodifiers "$@"; sleep "${pause:-1}"; }
type_path() { xdotool type --delay 5 "$1"; sleep 1; xdotool key Return; }

# File > Inspect Checkpoint…: the file dialog takes the path.
key ctrl+i
type_path "$file"
sleep 8
# The Tensors tab, sorted as opened, with a tensor selected for its histogram.
xdotool search --name "Checkpoint Inspector" windowactivate --sync windowsize 1500 920 windowmove 40 30
sleep 1
xdotool mousemove 200 178 click 1
sleep 3
import -window root "$tmp/inspector.png"
# Compare With… the same file: its other weight set (model_ema) is offered.
key ctrl+d
type_path "$file"
sleep 2
xdotool key Return
sleep 10
import -window root "$tmp/compare.png"
mkdir -p docs
convert "$tmp/inspector.png" -crop 1520x960+30+0 +repage docs/inspector.png
convert "$tmp/compare.png" -crop 1520x960+30+0 +repage docs/inspector-compare.png
echo "Wrote docs/inspector.png and docs/inspector-compare.png"
