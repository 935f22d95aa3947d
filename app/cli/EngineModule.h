#pragma once

// The commands that run a model (classify, batch, cam, preprocess) live in a module, resnet-lens-engine.so,
// which resnet-lens-cli loads only when one of them is asked for: loading LibTorch and running its static
// initialisers takes most of half a second, which --help, --version, inspect, convert and weights then do
// not pay. Loading it late also lets the CLI choose OpenMP's wait policy before libgomp reads it
// (OpenMpSetup.h). This header is the contract between the two: the module exports one C symbol.

#include <string>
#include <vector>

namespace lens::cli {

/// The module's file name, and where it lies relative to the executable's folder when installed (in the
/// build tree it lies beside the executable).
inline constexpr const char* kEngineModuleName = "resnet-lens-engine.so";
/// The exported function: runs command (one of isEngineCommand()'s) with the words after it and returns its
/// exit code (Commands.h). Called once per process, on the main thread.
inline constexpr const char* kEngineEntrySymbol = "resnet_lens_engine_command";
using EngineEntry = int (*)(const std::string& command, const std::vector<std::string>& words);

inline bool isEngineCommand(const std::string& command)
{
    return command == "classify" || command == "batch" || command == "cam" || command == "preprocess"
        || command == "evaluate";
}

} // namespace lens::cli
