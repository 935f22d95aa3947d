#!/usr/bin/env bash
# Installs the Debian 12 packages resnet-lens needs (only those missing), then configures and builds it.
# Usage: scripts/setup.sh [--tests]   (--tests adds what the test suite needs: python3-torchvision, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config libtorch-dev qt6-base-dev libopencv-dev
          libopenblas0-pthread libdnnl-dev ocl-icd-opencl-dev libcurl4-openssl-dev libssl-dev python3
          libjpeg62-turbo-dev zlib1g-dev libtiff-dev libwebp-dev libopenjp2-7-dev liblcms2-dev)
if [[ "${1:-}" == "--tests" ]]; then
    packages+=(python3 python3-torch python3-torchvision python3-numpy python3-pil libjpeg-turbo-progs clang-14 libclang-rt-14-dev
              xvfb xauth appstream desktop-file-utils)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake --preset release >/dev/null
cmake --build --preset release
