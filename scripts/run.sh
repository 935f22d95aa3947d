#!/usr/bin/env bash
# Sets up and builds resnet-lens, then runs it: the desktop app when a display is available, else the CLI
# classifying the bundled photos. Extra arguments go to the app (files or folders to open).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=build/release/app
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
    exec "$bin/resnet-lens" "$@"
fi
echo "No display: classifying the sample photos with resnet-lens-cli instead."
exec "$bin/resnet-lens-cli" classify "${@:-tests/data/grace_hopper.jpg}"
