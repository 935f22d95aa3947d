#!/usr/bin/env bash
# Builds the engine's LibTorch-facing part (no OpenCV, no Qt) against the LibTorch inside a CUDA-enabled
# Python torch, and runs cuda_check on a reference made by that same torch. For a machine with an NVIDIA GPU;
# the regular test suite does not need one. Usage: tests/cuda/run_cuda_check.sh [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work/obj"
python=${PYTHON:-python3}
torch_dir=$("$python" -c "import os, torch; print(os.path.dirname(torch.__file__))")
abi=$("$python" -c "import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))")

"$python" "$root/tests/cuda/make_reference.py" "$work/ref"
cmake -DINPUT="$root/resources/imagenet_classes.txt" -DOUTPUT="$work/imagenet_classes.cpp" \
      -DSYMBOL=kImagenetClassesText -P "$root/cmake/EmbedText.cmake"

# The engine without its downloads or the oneDNN fast path: the layers' folders (core/CMakeLists.txt), so a
# new source file in them is built here too.
sources=()
for dir in checkpoint inference io labels model tensor; do
    for file in "$root"/core/$dir/*.cpp; do
        [[ $file == */FusedResNet.cpp ]] || sources+=("${file#"$root"/}")
    done
done
sources+=(tests/cuda/cuda_check.cpp)
# One program: LibTorch's side of inference (inference/ModuleRuntime.h) is linked in, not loaded.
flags=(-std=c++17 -O2 -D_GLIBCXX_USE_CXX11_ABI="$abi" -I"$root/core" -DLENS_MODULE_DIR='"."'
       -DLENS_LIBTORCH_VERSION="\"$("$python" -c "import torch; print(torch.__version__)")\""
       -isystem "$torch_dir/include" -isystem "$torch_dir/include/torch/csrc/api/include")
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    'g++ "$@" -c "'"$root"'/{}" -o "'"$work"'/obj/$(echo {} | tr / _).o"' _ "${flags[@]}"
g++ "${flags[@]}" -c "$work/imagenet_classes.cpp" -o "$work/obj/labels_text.o"
g++ -o "$work/cuda_check" "$work"/obj/*.o -L"$torch_dir/lib" -Wl,-rpath,"$torch_dir/lib" \
    -Wl,--no-as-needed -ltorch -ltorch_cuda -ltorch_cpu -lc10_cuda -lc10 -Wl,--as-needed -lpthread -ldl
"$work/cuda_check" "$work/ref"
