#pragma once

// Checks of how inference will run on this machine, for settings that cost a lot of speed without any other
// sign: the reference BLAS instead of OpenBLAS under LibTorch's modules, or a single thread on a multi-core
// machine.

#include <string>
#include <vector>

namespace lens {

class Classifier;

/// Each problem of the classifier's run in words, with its fix; empty when all is well.
std::vector<std::string> runtimeWarnings(const Classifier& classifier);

/// The versions of the libraries that classify (for an About box and bug reports).
struct LibraryVersions {
    std::string libtorch; ///< e.g. "1.13.1": the one loaded, else the one built against
    std::string onednn; ///< the oneDNN the fast path calls, e.g. "2.6.0"; "" when LibTorch's own is used
};
LibraryVersions libraryVersions();

/// The library behind libblas.so.3 in this process (resolved path), or "" when none is mapped (LibTorch,
/// which calls it, is not loaded).
std::string loadedBlasLibrary();

} // namespace lens
