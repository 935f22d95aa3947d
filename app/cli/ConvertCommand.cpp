#include "cli/Args.h"
#include "cli/Commands.h"
#include "convert/Export.h"
#include "io/Text.h"

#include <cstdio>
#include <iostream>

namespace lens::cli {

namespace {

const char* kConvertUsage
    = "usage: resnet-lens-cli convert CHECKPOINT OUT.safetensors|OUT.pth [--weights-key PATH]\n"
      "       [--dtype float32|float16|bfloat16] [--arch A] [--ignore-unsafe-objects]\n"
      "Writes one weight set of a checkpoint as a clean state dict with torchvision's key names (wrappers\n"
      "dropped, prefixes removed): safetensors (with metadata: format pt, the architecture, class names) or\n"
      "torch.save's format (.pth, .pt, .bin), which torch.load(OUT, weights_only=True) reads. --dtype casts\n"
      "the floating-point tensors as torch's .float(), .half() and .bfloat16() do. The output is written\n"
      "to a temporary file and renamed into place; it is never the input.";

std::string megabytes(std::uint64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return text;
}

} // namespace

int convertCommand(const std::vector<std::string>& words)
{
    Args args({"--weights-key", "--dtype", "--arch"}, {"--ignore-unsafe-objects", "--help"});
    if (auto exit = parseCommandLine(args, words, kConvertUsage))
        return *exit;
    if (args.positionals().size() != 2) {
        printError(std::string("give a checkpoint and an output file\n") + kConvertUsage);
        return Usage;
    }
    ExportOptions options;
    options.input = args.positionals()[0];
    options.output = args.positionals()[1];
    options.weightsKey = args.value("--weights-key", "");
    options.arch = args.value("--arch", "");
    options.allowUnsafeObjects = args.flag("--ignore-unsafe-objects");
    if (auto format = exportFormatFor(options.output); !format) {
        printError(format.message() + "\n" + kConvertUsage);
        return Usage;
    }
    if (auto name = args.value("--dtype")) {
        auto dtype = exportDtypeFor(*name);
        if (!dtype) {
            printError(dtype.message());
            return Usage;
        }
        options.dtype = *dtype;
    }

    auto result = exportWeights(options);
    if (!result)
        return failWeights(result.error());
    for (const auto& warning : result->warnings)
        printError("warning: " + warning);
    for (const auto& fix : result->fixes)
        printError("note: " + fix);
    std::cout << "wrote " << terminalSafe(result->output) << " (" << exportFormatName(result->format) << ", "
              << result->tensors << " tensors, " << megabytes(result->bytes) << ")";
    if (!result->weightsKey.empty())
        std::cout << " from '" << terminalSafe(result->weightsKey) << "'";
    std::cout << "\n";
    if (result->loadsStrictly)
        std::cout << "loads strictly into torchvision.models." << result->architecture.name
                  << "(num_classes=" << result->architecture.numClasses << ")\n";
    else
        printError("warning: " + terminalSafe(result->problem, true));
    return Success;
}

} // namespace lens::cli
