#include "EngineLoader.h"

#include "cli/Commands.h"
#include "cli/EngineModule.h"
#include "io/ModuleFiles.h"

#include <dlfcn.h>
#include <filesystem>
#include <system_error>

namespace lens::cli {

int runEngineCommand(const std::string& command, const std::vector<std::string>& words)
{
    std::string problems;
    const std::filesystem::path folder = folderOfBinary(nullptr);
    for (const std::filesystem::path& candidate : moduleCandidates(folder, kEngineModuleName)) {
        std::error_code error;
        if (!std::filesystem::exists(candidate, error))
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
