#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/WeightsOption.h"
#include "image/ImageDecoder.h"
#include "io/Npy.h"
#include "jobs/CamExport.h"
#include "preprocess/Preprocess.h"

#include <filesystem>
#include <iostream>

namespace lens::cli {

namespace {

const char* kCamUsage
    = "usage: resnet-lens-cli cam IMAGE -o OUT.npy|OUT.png|OUT.jpg [--weights FILE|NAME] [--weights-key "
      "PATH]\n"
      "       [--arch A] [--preset v1|v2] [--class K | --rank R] [--colormap NAME] [--alpha A] [--device "
      "cpu|cuda]\n"
      "       [--precision fp32|bf16] [--labels FILE] [--ignore-unsafe-objects]\n"
      "The class activation map of one class (default --rank 1, the top class; --class K by index): where "
      "in\n"
      "the picture the model found it. OUT.npy: the raw map, float32 of the last stage's shape (7x7 for a "
      "224\n"
      "crop), signed and unscaled. OUT.png/.jpg: the map over the photo as displayed, within the centre "
      "crop\n"
      "the model saw (--colormap viridis, inferno, magma, plasma, turbo or jet; --alpha 0..1, default 0.5).\n"
      "--precision bf16 runs bfloat16 convolutions with fp32 accumulation (faster on CPUs with AVX512_BF16 "
      "or\n"
      "AMX; the logits drift slightly); fp32, the default, is the exact mode.";

bool endsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size()
        && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

int camCommand(const std::vector<std::string>& words)
{
    Args args({"--weights", "--weights-key", "--arch", "--preset", "--device", "--precision", "--labels",
               "-o", "--class", "--rank", "--colormap", "--alpha"},
              {"--ignore-unsafe-objects", "--help"});
    if (auto exit = parseCommandLine(args, words, kCamUsage))
        return *exit;
    if (args.positionals().size() != 1) {
        printError(std::string("give one image\n") + kCamUsage);
        return Usage;
    }
    const std::string image = args.positionals().front();
    const std::string output = args.value("-o", "");
    std::string lower = output;
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool raw = endsWith(lower, ".npy");
    if (!raw && !endsWith(lower, ".png") && !endsWith(lower, ".jpg") && !endsWith(lower, ".jpeg")) {
        printError(std::string("-o takes OUT.npy (the raw map) or OUT.png / OUT.jpg (the overlay)\n")
                   + kCamUsage);
        return Usage;
    }
    if (args.value("--class") && args.value("--rank")) {
        printError("give --class or --rank, not both");
        return Usage;
    }
    int rank = 1;
    if (auto problem = args.intValue("--rank", 1, 1, 100000, rank); !problem.empty()) {
        printError(problem);
        return Usage;
    }
    int classIndex = -1;
    if (auto problem = args.intValue("--class", -1, 0, 100000, classIndex); !problem.empty()) {
        printError(problem);
        return Usage;
    }
    auto overlay = overlayOptions(args);
    if (!overlay)
        return fail(overlay.error());

    auto model = loadModel(args, /*quiet=*/false);
    if (!model)
        return failWeights(model.error());
    const PreprocessOptions& preset = model->weights.preset;
    const Classifier& classifier = *model->classifier;
    auto rgb = decodeImage(image);
    if (!rgb)
        return fail(rgb.error());
    const std::vector<float> input = modelInput(*rgb, preset);
    const int classes = static_cast<int>(classifier.labels().size());
    if (classIndex >= classes || rank > classes) {
        printError("the model has " + std::to_string(classes) + " classes");
        return Usage;
    }
    auto results = classifier.classify(input.data(), 1, preset.crop, rank, /*keepLastStage=*/true);
    if (!results)
        return fail(Error {image + ": " + results.message()});
    const Classification& result = results->front();
    if (classIndex < 0)
        classIndex = result.top[static_cast<std::size_t>(rank - 1)].index;
    auto map = classifier.activationMap(result.lastStage, classIndex);
    if (!map)
        return fail(map.error());

    if (raw) {
        auto written = writeNpyFloat32(output, {map->height, map->width}, map->values);
        if (!written)
            return fail(written.error());
    } else {
        auto written = writeCamOverlay(image, *map, preset, {}, *overlay, output);
        if (!written)
            return fail(written.error());
    }
    const float logit = result.logits[static_cast<std::size_t>(classIndex)];
    std::cout << "class " << classIndex << " (" << classifier.labels()[static_cast<std::size_t>(classIndex)]
              << "), logit " << logit << ": " << output << "\n";
    return Success;
}

} // namespace lens::cli
