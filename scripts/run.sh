#!/usr/bin/env bash
# Sets up and builds resnet-lens, then runs it: the desktop app when a display is available, else the CLI
# classifying a sample photo. Without weights in the torch.hub cache it first downloads torchvision's
# resnet50 (V2) weights, verified against their SHA-256; offline, it says how to give a checkpoint instead.
# Extra arguments go to the app (files or folders to open) or, without a display, to `classify`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=build/release/app
if ! "$bin/resnet-lens-cli" weights path resnet50.v2 >/dev/null 2>&1 \
    && ! "$bin/resnet-lens-cli" weights path resnet50.v1 >/dev/null 2>&1; then
    echo "No resnet50 weights in the torch.hub cache: downloading torchvision's (about 100 MB)."
    "$bin/resnet-lens-cli" weights download resnet50.v2 \
        || echo "Could not download them; open a checkpoint file instead (--weights FILE)." >&2
fi
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    exec "$bin/resnet-lens" "$@"
fi
echo "No display: classifying with resnet-lens-cli instead."
exec "$bin/resnet-lens-cli" classify "${@:-tests/data/grace_hopper.jpg}"
