#include "inference/ModuleRuntime.h"

#include "io/ModuleFiles.h"

#include <atomic>
#include <mutex>

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
    // This function's own binary: the engine module, or the executable that links the engine.
    const auto self = reinterpret_cast<const void*>(&loadedModuleRuntime);
    auto entry = loadModuleSymbol(folderOfBinary(self), kTorchModuleName, kTorchEntrySymbol);
    if (!entry)
        return Error {std::string("cannot load LibTorch's part of the engine, ") + kTorchModuleName
                          + " (is the installation complete?): " + entry.message(),
                      ErrorKind::Failed, kTorchModuleName};
    return reinterpret_cast<TorchRuntimeEntry>(*entry)();
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
