#!/usr/bin/env bash
# Sets up and builds resnet-lens with its test dependencies, then runs the whole test suite.
# Extra arguments go to ctest (e.g. -L unit for the quick tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
ctest --preset release "$@"
