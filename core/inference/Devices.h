#pragma once

// Which compute devices LibTorch can use here. Free of LibTorch in its interface; asking loads it
// (inference/ModuleRuntime.h).
// Thread-safe.

#include <string>

namespace lens {

struct CudaStatus {
    bool available = false; ///< "cuda" can be passed as ClassifierOptions::device
    std::string reason; ///< why not, in words, when unavailable; the GPU count when available
};

/// Whether this LibTorch build has CUDA support and sees at least one GPU.
CudaStatus cudaStatus();

} // namespace lens
