#pragma once

// The sub-commands of resnet-lens-cli. Each takes the words after its name and returns the exit code:
// 0 success, 1 usage error, 2 failure, 3 partial success (some inputs failed).

#include <string>
#include <vector>

namespace lens::cli {

enum ExitCode { Success = 0, Usage = 1, Failure = 2, Partial = 3 };

int classifyCommand(const std::vector<std::string>& words);
int preprocessCommand(const std::vector<std::string>& words);
int batchCommand(const std::vector<std::string>& words);
int weightsCommand(const std::vector<std::string>& words);
int inspectCommand(const std::vector<std::string>& words);

/// Prints "resnet-lens-cli: <message>" on stderr.
void printError(const std::string& message);

} // namespace lens::cli
