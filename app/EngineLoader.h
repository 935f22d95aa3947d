#pragma once

// Loads resnet-lens-engine.so (cli/EngineModule.h) and runs one of its commands. Call from the main thread,
// once: the module stays loaded until the process ends.

#include <string>
#include <vector>

namespace lens::cli {

/// The command's exit code; Failure, with a message on stderr, when the module cannot be found or loaded.
int runEngineCommand(const std::string& command, const std::vector<std::string>& words);

} // namespace lens::cli
