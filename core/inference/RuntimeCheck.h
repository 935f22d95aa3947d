#pragma once

// Checks of how LibTorch will run on this machine, for settings that cost a lot of speed without any other
// sign: the reference BLAS instead of OpenBLAS, or a single thread on a multi-core machine.

#include <string>
#include <vector>

namespace lens {

/// Each problem in words, with its fix; empty when all is well.
std::vector<std::string> runtimeWarnings();

/// The library behind libblas.so.3 in this process (resolved path), or "" when none is mapped.
std::string loadedBlasLibrary();

} // namespace lens
