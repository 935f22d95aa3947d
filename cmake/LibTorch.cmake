# Which LibTorch this build uses, after find_package(Torch). Debian's libtorch-dev (CPU only) is the
# default; CMAKE_PREFIX_PATH or Torch_DIR picks another, such as an official CUDA LibTorch or a pip torch's
# (README, "GPU build"). Sets:
#   LENS_TORCH_SYSTEM  TRUE for Debian's (installed under /usr, its libraries come from Debian packages);
#                      FALSE for one that the package has to carry (packaging/CMakeLists.txt bundles it)
#   LENS_TORCH_CUDA    TRUE when it is CUDA-enabled; the package is then named resnet-lens-cuda
# and the options that depend on it: LENS_CUDA, LENS_ONEDNN.

get_filename_component(lens_torch_prefix "${TORCH_INSTALL_PREFIX}" REALPATH)
if(lens_torch_prefix STREQUAL "/usr")
    set(LENS_TORCH_SYSTEM TRUE)
else()
    set(LENS_TORCH_SYSTEM FALSE)
endif()
if(CAFFE2_USE_CUDA OR TORCH_CUDA_LIBRARIES)
    set(LENS_TORCH_CUDA TRUE)
else()
    set(LENS_TORCH_CUDA FALSE)
endif()
message(STATUS "LibTorch ${Torch_VERSION} in ${lens_torch_prefix}: CUDA ${LENS_TORCH_CUDA}")

option(LENS_CUDA "Fail unless the LibTorch found is CUDA-enabled (a GPU build, packaged as resnet-lens-cuda)" OFF)
if(LENS_CUDA AND NOT LENS_TORCH_CUDA)
    message(FATAL_ERROR "LENS_CUDA is ON, but the LibTorch in ${lens_torch_prefix} is built without CUDA. "
        "Point CMAKE_PREFIX_PATH at a CUDA-enabled LibTorch, e.g. "
        "-DCMAKE_PREFIX_PATH=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)') "
        "(in a fresh build folder).")
endif()

# Debian's Qt and OpenCV use libstdc++'s C++11 ABI (std::string in their interfaces); a LibTorch built for
# the old ABI cannot be linked with them.
if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
    message(FATAL_ERROR "The LibTorch in ${lens_torch_prefix} uses the pre-C++11 libstdc++ ABI, which Qt and "
        "OpenCV from Debian cannot link with. Use the cxx11-ABI LibTorch from pytorch.org "
        "(libtorch-cxx11-abi-shared-with-deps-*.zip) or a pip torch 2.7 or later.")
endif()

# The CPU fast path calls oneDNN directly and shares its state with the oneDNN inside LibTorch: that is the
# same libdnnl.so for Debian's LibTorch. Other LibTorch builds carry their own copy of oneDNN, which a second
# one in the same process would clash with.
option(LENS_ONEDNN "CPU fast path on oneDNN (libdnnl-dev); default ON only with Debian's LibTorch" ${LENS_TORCH_SYSTEM})
