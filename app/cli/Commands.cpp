#include "cli/Commands.h"

#include "Result.h"
#include "cli/Args.h"
#include "io/Text.h"

#include <filesystem>
#include <iostream>
#include <system_error>

namespace lens::cli {
void printError(const std::string& message)
{
    // Messages quote names from files: control characters in them must not reach the terminal.
    std::cerr << "resnet-lens-cli: " << terminalSafe(message, /*keepNewlines=*/true) << std::endl;
}

int exitCodeFor(const Error& error)
{
    return error.kind == ErrorKind::Usage ? Usage : Failure;
}

int fail(const Error& error)
{
    if (error.kind == ErrorKind::Dangerous)
        printError(error.message
                   + " (only if you trust the file, --ignore-unsafe-objects uses its tensors anyway)");
    else
        printError(error.message);
    return exitCodeFor(error);
}

std::string weightsErrorMessage(const Error& error)
{
    // NotFound about a file that is there: the weight set inside it is what is missing.
    std::error_code ignored;
    if (error.kind == ErrorKind::NotFound && !error.subject.empty()
        && std::filesystem::is_regular_file(error.subject, ignored))
        return error.message + " (choose one with --weights-key KEY)";
    return error.message;
}

int failWeights(const Error& error)
{
    if (error.kind == ErrorKind::Dangerous)
        return fail(error);
    printError(weightsErrorMessage(error));
    return exitCodeFor(error);
}

std::optional<int> parseCommandLine(Args& args, const std::vector<std::string>& words, const char* usage)
{
    if (auto problem = args.parse(words); !problem.empty()) {
        printError(problem + "\n" + usage);
        return Usage;
    }
    if (args.flag("--help")) {
        std::cout << usage << "\n";
        return Success;
    }
    return std::nullopt;
}
} // namespace lens::cli
