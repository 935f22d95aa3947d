#include "EngineLoader.h"

#include "cli/Commands.h"
#include "cli/EngineModule.h"

#include <dlfcn.h>
#include <filesystem>
#include <system_error>

namespace lens::cli {

namespace {

/// Where the module may lie: beside the executable (the build tree), then where it is installed.
std::vector<std::filesystem::path> moduleCandidates()
{
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error)
        return {kEngineModuleName}; // the dynamic loader's own search path
    const std::filesystem::path folder = self.parent_path();
    return {folder / kEngineModuleName, folder / LENS_ENGINE_DIR / kEngineModuleName};
}

} // namespace

int runEngineCommand(const std::string& command, const std::vector<std::string>& words)
{
    std::string problems;
    for (const std::filesystem::path& candidate : moduleCandidates()) {
        std::error_code error;
        if (candidate.has_parent_path() && !std::filesystem::exists(candidate, error))
            continue;
        // Lazy binding, as for the libraries an executable links; RTLD_LOCAL keeps the module's symbols (and
        // LibTorch's) out of the executable's namespace.
        void* module = ::dlopen(candidate.c_str(), RTLD_LAZY | RTLD_LOCAL);
        if (!module) {
            problems += std::string("\n  ") + ::dlerror();
            continue;
        }
        auto entry = reinterpret_cast<EngineEntry>(::dlsym(module, kEngineEntrySymbol));
        if (!entry) {
            problems += "\n  " + candidate.string() + ": no " + kEngineEntrySymbol;
            continue;
        }
        return entry(command, words);
    }
    printError("cannot load the inference engine " + std::string(kEngineModuleName) + ", which '" + command
               + "' needs (is the installation complete?)"
               + (problems.empty() ? std::string(": not found next to the program") : problems));
    return Failure;
}

} // namespace lens::cli
