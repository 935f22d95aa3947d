#!/usr/bin/env bash
# Renders the screenshots in docs/: the main window, the checkpoint report, Label Folder during a run and the
# About box, each at 1x and at 2x scale (QT_SCALE_FACTOR=2). The app runs under Xvfb with a window manager
# (openbox), is driven by its keyboard shortcuts as a user would drive it (xdotool), and the screen is
# captured with the window decorations (ImageMagick's import). No pretrained weights are needed: the
# checkpoint is the seeded test model that tests/reference/make_reference.py generates (its predictions are
# not meaningful labels).
# Needs: Xvfb, openbox, xdotool, ImageMagick (apt-get install xvfb openbox xdotool imagemagick).
# Evaluate Folder's confusion-matrix view (docs/evaluate.png, 1x) is made last, on class folders named after
# ImageNet classes holding copies of the test photos; --evaluate-only makes just that one.
# Usage: scripts/screenshot.sh [--evaluate-only] [PHOTO] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
evaluate_only=0
if [[ ${1:-} == --evaluate-only ]]; then
    evaluate_only=1
    shift
fi
photo=${1:-tests/data/grace_hopper.jpg}
out=${2:-docs}

for tool in Xvfb openbox xdotool import; do
    command -v "$tool" >/dev/null || { echo "screenshot.sh needs $tool" >&2; exit 1; }
done
[[ -x build/release/app/resnet-lens ]] || { cmake --preset release >/dev/null && cmake --build --preset release --target resnet-lens; }

weights=$PWD/build/release/tests/reference/resnet50.pth
tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
if [[ ! -f "$weights" ]]; then
    echo "Generating a test checkpoint (a few minutes)..."
    /usr/bin/python3 tests/reference/make_reference.py --out "$tmp/reference" --images tests/data >/dev/null
    weights=$tmp/reference/resnet50.pth
fi

# A folder of photos, large enough for Label Folder to be caught mid-run.
mkdir -p "$tmp/photos"
for i in $(seq -w 1 40); do
    for f in tests/data/*.jpg tests/data/*.png; do cp "$f" "$tmp/photos/${i}_$(basename "$f")"; done
done
cp "$photo" "$tmp/photos/$(basename "$photo")"
mkdir -p "$out"

# shoot SCALE SUFFIX: one app session on its own display, captured in each state.
shoot() {
    local scale=$1 suffix=$2 display=":$((70 + $1))" home="$tmp/home$1"
    # The window opens at 1400 x 900; the screen leaves room for openbox's frame around it.
    local width=$((1440 * scale)) height=$((940 * scale))
    mkdir -p "$home/Documents"
    Xvfb "$display" -screen 0 "${width}x${height}x24" -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    export DISPLAY=$display
    for _ in $(seq 100); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
    openbox >/dev/null 2>&1 &
    pids+=($!)
    sleep 1
    HOME=$home XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" XDG_DOCUMENTS_DIR="$home/Documents" \
        QT_SCALE_FACTOR=$scale TORCH_HOME="$home/torch" \
        build/release/app/resnet-lens --weights "$weights" --preset v1 "$tmp/photos/$(basename "$photo")" \
        >/dev/null 2>&1 &
    local app=$!
    pids+=($app)
    local window
    window=$(xdotool search --sync --onlyvisible --name "ResNet Lens" | head -1)
    xdotool windowactivate --sync "$window"
    sleep 12 # the model loads, the photo is classified, the thumbnails are made
    import -window root "$out/main-$suffix.png"

    xdotool key --window "$window" ctrl+r # View > Checkpoint Report
    sleep 2
    import -window root "$out/report-$suffix.png"
    xdotool key --window "$window" ctrl+r

    xdotool key --window "$window" ctrl+b # File > Label Folder..., with the open folder
    local panel
    panel=$(xdotool search --sync --onlyvisible --name "Label Folder" | head -1)
    xdotool windowactivate --sync "$panel"
    xdotool windowfocus --sync "$panel"
    sleep 2
    xdotool key --clearmodifiers alt+s # Start
    sleep 6
    import -window root "$out/label-folder-$suffix.png"
    xdotool key alt+c Escape # Cancel, close

    xdotool windowactivate --sync "$window"
    xdotool key --window "$window" alt+h a # Help > About
    sleep 2
    import -window root "$out/about-$suffix.png"

    kill "$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
}

# shoot_evaluate: File > Evaluate Folder... on labelled folders, then its confusion matrix with the images
# of a cell listed.
shoot_evaluate() {
    local display=":79" home="$tmp/home-evaluate"
    mkdir -p "$home/Documents" "$home/.config/resnet-lens"
    # The fine-tuned 10-class checkpoint and its class folders that tests/reference/make_evaluation.py
    # makes from the test photos (meaningful predictions); without them, ImageNet-named class folders and
    # the seeded resnet50.
    local evaluation=$PWD/build/release/tests/reference/evaluation eval_weights=$weights
    if [[ -f $evaluation/class_to_idx10.pth && -d $evaluation/tencls ]]; then
        cp -r "$evaluation/tencls" "$tmp/val"
        eval_weights=$evaluation/class_to_idx10.pth
    else
        local class i
        for class in tabby espresso military_uniform missile space_shuttle; do mkdir -p "$tmp/val/$class"; done
        for i in $(seq -w 1 4); do
            cp tests/data/chelsea.png "$tmp/val/tabby/${i}_chelsea.png"
            cp tests/data/coffee.png "$tmp/val/espresso/${i}_coffee.png"
            cp tests/data/grace_hopper.jpg "$tmp/val/military_uniform/${i}_grace_hopper.jpg"
            cp tests/data/rocket.jpg "$tmp/val/missile/${i}_rocket.jpg"
            cp tests/data/astronaut.png "$tmp/val/space_shuttle/${i}_astronaut.png"
        done
    fi
    # The panel's folder and predictions file, as a user's last session left them.
    printf '[evaluate]\nfolders=%s\npredictions=%s\n' "$tmp/val" "$home/Documents/val-predictions.csv" \
        >"$home/.config/resnet-lens/resnet-lens.conf"
    Xvfb "$display" -screen 0 1440x940x24 -nolisten tcp >/dev/null 2>&1 &
    pids+=($!)
    export DISPLAY=$display
    for _ in $(seq 100); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
    openbox >/dev/null 2>&1 &
    pids+=($!)
    sleep 1
    HOME=$home XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" XDG_DOCUMENTS_DIR="$home/Documents" \
        TORCH_HOME="$home/torch" build/release/app/resnet-lens --weights "$eval_weights" --preset v1 >/dev/null 2>&1 &
    local app=$!
    pids+=($app)
    local window panel
    window=$(xdotool search --sync --onlyvisible --name "ResNet Lens" | head -1)
    xdotool windowactivate --sync "$window"
    sleep 8 # the model loads
    xdotool key --window "$window" ctrl+e # File > Evaluate Folder...
    panel=$(xdotool search --sync --onlyvisible --name "Evaluate Folder" | head -1)
    xdotool windowactivate --sync "$panel"
    sleep 1
    xdotool key alt+s # Start
    sleep 25
    xdotool key alt+m # the Confusion Matrix tab
    sleep 1
    xdotool key Return # list the images of the first cell
    sleep 4
    import -window root "$out/evaluate.png"
    convert "$out/evaluate.png" -colors 256 PNG8:"$out/evaluate.png"
    kill "$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
    echo "Wrote $out/evaluate.png"
}

if [[ $evaluate_only == 0 ]]; then
    shoot 1 1x
    shoot 2 2x
    # Palette PNGs: a fraction of the size, and screenshots lose nothing visible.
    for f in "$out"/{main,report,label-folder,about}-{1x,2x}.png; do
        convert "$f" -colors 256 PNG8:"$f"
    done
    echo "Wrote $out/{main,report,label-folder,about}-{1x,2x}.png"
fi
shoot_evaluate
