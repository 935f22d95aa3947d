#pragma once

// The sub-commands of resnet-lens-cli. Each takes the words after its name and returns the exit code:
// 0 success, 1 usage error, 2 failure, 3 partial success (some inputs failed).

#include <optional>
#include <string>
#include <vector>

namespace lens {
struct Error;
}

namespace lens::cli {

enum ExitCode { Success = 0, Usage = 1, Failure = 2, Partial = 3 };

int classifyCommand(const std::vector<std::string>& words);
int preprocessCommand(const std::vector<std::string>& words);
int batchCommand(const std::vector<std::string>& words);
int weightsCommand(const std::vector<std::string>& words);
int inspectCommand(const std::vector<std::string>& words);
int camCommand(const std::vector<std::string>& words);
int convertCommand(const std::vector<std::string>& words);
int evaluateCommand(const std::vector<std::string>& words);

/// Prints "resnet-lens-cli: <message>" on stderr.
void printError(const std::string& message);

/// The exit code for an error of the engine, from its kind: Usage for the caller's mistakes, else Failure.
int exitCodeFor(const Error& error);

/// Prints the error (a dangerous file's refusal says how to use it anyway) and returns exitCodeFor(error).
int fail(const Error& error);

/// An error reading a checkpoint's weights as the CLI says it: when the file exists but the weight set asked
/// for (or a default one) is not in it, how to pick one is added.
std::string weightsErrorMessage(const Error& error);

/// fail() with weightsErrorMessage().
int failWeights(const Error& error);

class Args;

/// Parses a command's words into args. Returns the exit code when the command ends here: Usage after printing
/// a parse error with the usage, Success after printing the usage for --help; nothing when it goes on.
std::optional<int> parseCommandLine(Args& args, const std::vector<std::string>& words, const char* usage);

} // namespace lens::cli
