#include "cli/Args.h"
#include "cli/Commands.h"
#include "image/ImageDecoder.h"
#include "io/Npy.h"
#include "preprocess/Preprocess.h"

#include <iostream>

namespace lens::cli {

namespace {
const char* kPreprocessUsage
    = "usage: resnet-lens-cli preprocess IMAGE -o OUT.npy [--preset v1|v2]\n"
      "Writes the model's input tensor: float32, shape (1, 3, 224, 224), RGB, normalised.";
}

int preprocessCommand(const std::vector<std::string>& words)
{
    Args args({"-o", "--output", "--preset"}, {"--help"});
    if (auto exit = parseCommandLine(args, words, kPreprocessUsage))
        return *exit;
    const std::string output = args.value("-o", args.value("--output", ""));
    if (args.positionals().size() != 1 || output.empty()) {
        printError(std::string("preprocess takes one IMAGE and -o OUT.npy\n") + kPreprocessUsage);
        return Usage;
    }
    auto preset = presetByName(args.value("--preset", "v1"));
    if (!preset) {
        printError(preset.message());
        return Usage;
    }
    auto image = decodeImage(args.positionals().front());
    if (!image)
        return fail(image.error());
    const PreprocessedImage input = preprocess(*image, *preset);
    auto written = writeNpyFloat32(output, {1, 3, preset->crop, preset->crop}, input.chw);
    if (!written)
        return fail(written.error());
    return Success;
}

} // namespace lens::cli
