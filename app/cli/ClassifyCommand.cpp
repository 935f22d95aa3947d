#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/WeightsOption.h"
#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "io/Text.h"
#include "jobs/CamExport.h"
#include "model/ResultFormat.h"
#include "preprocess/Preprocess.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace lens::cli {

namespace {

const char* kClassifyUsage
    = "usage: resnet-lens-cli classify [--weights FILE|NAME] [--weights-key PATH] [--arch A] [--preset "
      "v1|v2]\n"
      "       [--topk K] [--device cpu|cuda] [--precision fp32|bf16] [--labels FILE] [--json] "
      "[--fast-decode] "
      "[--ignore-unsafe-objects]\n"
      "       [--cam-dir DIR [--colormap NAME] [--alpha A]] IMAGE...\n"
      "--weights takes a checkpoint file or a catalog name (resnet50.v2; see 'weights list'), default: "
      "resnet50 from the torch.hub cache. The preset defaults to the one the weights were trained with.\n"
      "--weights-key picks one weight set of a training checkpoint (model_ema, checkpoint/model; 'inspect'\n"
      "lists them).\n"
      "A checkpoint whose pickle would run code when loaded in Python is refused; --ignore-unsafe-objects\n"
      "uses its tensors anyway (nothing in it is run either way).\n"
      "--cam-dir DIR also writes, for each image, its top class's activation map over the photo as\n"
      "DIR/<file name>.cam.png (see 'cam --help').\n"
      "--precision bf16 runs bfloat16 convolutions with fp32 accumulation (faster on CPUs with AVX512_BF16 "
      "or\n"
      "AMX; the logits drift slightly); fp32, the default, is the exact mode.";

void printHuman(const std::string& path, const Classification& result)
{
    std::cout << terminalSafe(path) << "\n";
    for (const auto& score : result.top) {
        char line[64];
        std::snprintf(line, sizeof line, "%8.2f%%  %4d  ", score.probability * 100.0, score.index);
        std::cout << "  " << score.rank << "." << line << terminalSafe(score.label) << "\n";
    }
}

void printImageError(const std::string& path, const std::string& message, bool asJson)
{
    if (asJson)
        std::cout << errorJson(path, message) << std::endl;
    else
        printError(message);
}

} // namespace

int classifyCommand(const std::vector<std::string>& words)
{
    Args args({"--weights", "--weights-key", "--arch", "--preset", "--topk", "--device", "--precision",
               "--labels", "--cam-dir", "--colormap", "--alpha"},
              {"--json", "--fast-decode", "--ignore-unsafe-objects", "--help"});
    if (auto exit = parseCommandLine(args, words, kClassifyUsage))
        return *exit;
    if (args.positionals().empty()) {
        printError(std::string("no image given\n") + kClassifyUsage);
        return Usage;
    }
    int topk = 5;
    if (auto problem = args.intValue("--topk", 5, 1, 100000, topk); !problem.empty()) {
        printError(problem);
        return Usage;
    }

    auto maps = camDirOption(args);
    if (!maps)
        return fail(maps.error());
    const std::string& camDir = maps->folder;
    const bool asJson = args.flag("--json");
    auto model = loadModel(args, /*quiet=*/asJson);
    if (!model)
        return failWeights(model.error());
    const PreprocessOptions& preset = model->weights.preset;
    const Classifier& classifier = *model->classifier;
    const std::vector<std::string> camNames = camFileNames(args.positionals());

    int failures = 0;
    for (std::size_t i = 0; i < args.positionals().size(); ++i) {
        const std::string& path = args.positionals()[i];
        DecodeOptions decode;
        if (args.flag("--fast-decode"))
            decode.reduceToShortSide = fastDecodeShortSide(preset);
        auto image = decodeImage(path, decode);
        if (!image) {
            printImageError(path, image.message(), asJson);
            ++failures;
            continue;
        }
        const std::vector<float> input = modelInput(*image, preset);
        auto results = classifier.classify(input.data(), 1, preset.crop, topk, !camDir.empty());
        if (!results) {
            printImageError(path, path + ": " + results.message(), asJson);
            ++failures;
            continue;
        }
        if (!camDir.empty()) {
            const Classification& result = results->front();
            auto map = classifier.activationMap(result.lastStage, result.top.front().index);
            Result<void> written = map
                ? writeCamOverlay(path, *map, preset, decode, maps->overlay,
                                  (std::filesystem::path(camDir) / camNames[i]).string())
                : Result<void>(map.error());
            if (!written)
                printError("warning: " + written.message());
        }
        if (asJson)
            std::cout << classificationJson(path, results->front().top) << std::endl;
        else
            printHuman(path, results->front());
    }
    if (failures == 0)
        return Success;
    return failures == static_cast<int>(args.positionals().size()) ? Failure : Partial;
}

} // namespace lens::cli
