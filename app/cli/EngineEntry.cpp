// The entry point of resnet-lens-engine.so (EngineModule.h).

#include "cli/Commands.h"
#include "cli/EngineModule.h"

#include <exception>

extern "C" __attribute__((visibility("default"))) int
resnet_lens_engine_command(const std::string& command, const std::vector<std::string>& words)
{
    using namespace lens::cli;
    try {
        if (command == "classify")
            return classifyCommand(words);
        if (command == "batch")
            return batchCommand(words);
        if (command == "cam")
            return camCommand(words);
        if (command == "preprocess")
            return preprocessCommand(words);
        if (command == "evaluate")
            return evaluateCommand(words);
    } catch (const std::exception& e) {
        // Core returns errors as values; this is the last line of defence against a crash.
        printError(std::string("internal error: ") + e.what());
        return Failure;
    }
    printError("the inference engine has no command '" + command + "'");
    return Usage;
}
