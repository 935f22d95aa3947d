#include "EngineLoader.h"

#include "cli/Commands.h"
#include "cli/EngineModule.h"
#include "io/ModuleFiles.h"

namespace lens::cli {

int runEngineCommand(const std::string& command, const std::vector<std::string>& words)
{
    auto entry = loadModuleSymbol(folderOfBinary(nullptr), kEngineModuleName, kEngineEntrySymbol);
    if (!entry) {
        printError("cannot load the inference engine " + std::string(kEngineModuleName) + ", which '"
                   + command + "' needs (is the installation complete?): " + entry.message());
        return Failure;
    }
    return reinterpret_cast<EngineEntry>(*entry)(command, words);
}

} // namespace lens::cli
