#include "inference/RuntimeCheck.h"

#include "inference/Classifier.h"
#include "inference/ModuleRuntime.h"
#include "inference/Threads.h"

#include <filesystem>
#if LENS_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>
#endif
#include <fstream>
#include <thread>

namespace lens {

LibraryVersions libraryVersions()
{
    LibraryVersions out;
    const ModuleRuntime* runtime = loadedModuleRuntime();
    out.libtorch = runtime ? runtime->version() : LENS_LIBTORCH_VERSION;
#if LENS_ONEDNN
    const dnnl_version_t* dnnl = dnnl_version();
    out.onednn
        = std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) + "." + std::to_string(dnnl->patch);
#endif
    return out;
}

std::string loadedBlasLibrary()
{
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos)
            continue;
        const std::string path = line.substr(slash);
        const std::string name = std::filesystem::path(path).filename().string();
        // LibTorch calls BLAS through libblas.so.3, whichever implementation that name resolves to (Debian's
        // alternatives); an OpenBLAS loaded beside it, e.g. for LAPACK, does not serve those calls.
        if (name.rfind("libblas.so", 0) == 0) {
            std::error_code error;
            const auto resolved = std::filesystem::canonical(path, error);
            return error ? path : resolved.string();
        }
    }
    return {};
}

std::vector<std::string> runtimeWarnings(const Classifier& classifier)
{
    std::vector<std::string> warnings;
    if (classifier.deviceName() != "cpu")
        return warnings;
    // Only LibTorch's modules call BLAS (the fast path's oneDNN has its own kernels). Debian's alternatives:
    // /usr/lib/<triplet>/blas/libblas.so.3 is the reference (netlib) implementation.
    const std::string blas
        = classifier.engineName().rfind("plain", 0) == 0 ? loadedBlasLibrary() : std::string();
    if (!blas.empty() && blas.find("openblas") == std::string::npos && blas.find("mkl") == std::string::npos
        && blas.find("blis") == std::string::npos)
        warnings.push_back("LibTorch is using the reference BLAS (" + blas
                           + "), which is about 10 times slower; install libopenblas0-pthread");
    const unsigned cores = std::thread::hardware_concurrency();
    if (inferenceThreads() == 1 && cores > 1)
        warnings.push_back("inference runs on 1 thread although this machine has " + std::to_string(cores)
                           + " cores (is OMP_NUM_THREADS=1 set?)");
    return warnings;
}

} // namespace lens
