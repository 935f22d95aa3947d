#include "inference/ModuleRuntime.h"

#include "io/ModuleFiles.h"

#include <atomic>
#include <dlfcn.h>
#include <mutex>
#include <system_error>

// Defined where resnet-lens-torch.so (or its sources) are linked into the program itself, as the test suites
// and the GPU check do; null elsewhere, where the library is loaded from its file.
extern "C" const lens::ModuleRuntime* resnet_lens_torch_runtime() __attribute__((weak));

namespace lens {

namespace {

std::atomic<const ModuleRuntime*> g_loaded {nullptr};

Result<const ModuleRuntime*> load()
{
    if (resnet_lens_torch_runtime)
        return resnet_lens_torch_runtime();
    std::string problems;
    // This function's own binary: the engine module, or the executable that links the engine.
    const auto self = reinterpret_cast<const void*>(&loadedModuleRuntime);
    for (const std::filesystem::path& candidate : moduleCandidates(folderOfBinary(self), kTorchModuleName)) {
        std::error_code error;
        if (!std::filesystem::exists(candidate, error))
            continue;
        // RTLD_LOCAL keeps LibTorch's symbols out of the process's namespace; it is never unloaded.
        void* library = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!library) {
            problems += std::string("; ") + ::dlerror();
            continue;
        }
        auto entry = reinterpret_cast<TorchRuntimeEntry>(::dlsym(library, kTorchEntrySymbol));
        if (!entry) {
            problems += "; " + candidate.string() + " has no " + kTorchEntrySymbol;
            continue;
        }
        return entry();
    }
    return Error {std::string("cannot load LibTorch's part of the engine, ") + kTorchModuleName
                      + " (is the installation complete?)"
                      + (problems.empty() ? std::string(": not found next to the program") : problems),
                  ErrorKind::Failed, kTorchModuleName};
}

} // namespace

Result<const ModuleRuntime*> moduleRuntime()
{
    static std::mutex mutex;
    static std::optional<Result<const ModuleRuntime*>> result;
    std::lock_guard lock(mutex);
    if (!result) {
        result = load();
        if (*result)
            g_loaded = **result;
    }
    return *result;
}

const ModuleRuntime* loadedModuleRuntime()
{
    return g_loaded;
}

} // namespace lens
