#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/WeightsOption.h"
#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "inference/RuntimeCheck.h"
#include "io/Text.h"
#include "labels/Labels.h"
#include "model/ResultFormat.h"
#include "preprocess/Preprocess.h"

#include <cstdio>
#include <iostream>

namespace lens::cli {

namespace {

const char* kClassifyUsage
    = "usage: resnet-lens-cli classify [--weights FILE|NAME] [--weights-key PATH] [--arch A] [--preset "
      "v1|v2] "
      "[--topk K]\n"
      "       [--device cpu|cuda] [--labels FILE] [--json] [--fast-decode] [--ignore-unsafe-objects] "
      "IMAGE...\n"
      "--weights takes a checkpoint file or a catalog name (resnet50.v2; see 'weights list'), default: "
      "resnet50 from the torch.hub cache. The preset defaults to the one the weights were trained with.\n"
      "--weights-key picks one weight set of a training checkpoint (model_ema, checkpoint/model; 'inspect'\n"
      "lists them).\n"
      "A checkpoint whose pickle would run code when loaded in Python is refused; --ignore-unsafe-objects\n"
      "uses its tensors anyway (nothing in it is run either way).";

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
    Args args({"--weights", "--weights-key", "--arch", "--preset", "--topk", "--device", "--labels"},
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

    auto weights = resolveWeights(args);
    if (!weights)
        return fail(weights.error());
    const PreprocessOptions& preset = weights->preset;
    ClassifierOptions options;
    options.weights = weights->path;
    options.weightsKey = args.value("--weights-key", "");
    options.arch = args.value("--arch", "");
    options.device = args.value("--device", "cpu");
    options.allowUnsafeObjects = args.flag("--ignore-unsafe-objects");
    if (auto labelFile = args.value("--labels")) {
        auto labels = readLabelFile(*labelFile);
        if (!labels)
            return fail(labels.error());
        options.labels = *labels;
    }

    auto classifier = Classifier::create(options);
    if (!classifier)
        return failWeights(classifier.error());
    for (const auto& warning : runtimeWarnings())
        printError("warning: " + warning);

    const bool asJson = args.flag("--json");
    for (const auto& warning : (*classifier)->warnings())
        printError("warning: " + warning);
    if (!asJson) {
        for (const auto& fix : (*classifier)->fixes())
            printError("note: " + fix);
        if (const std::string others = otherWeightSetsNote((*classifier)->otherWeightSets()); !others.empty())
            printError("note: " + others);
    }
    int failures = 0;
    for (const auto& path : args.positionals()) {
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
        auto results = (*classifier)->classify(input.data(), 1, preset.crop, topk);
        if (!results) {
            printImageError(path, path + ": " + results.message(), asJson);
            ++failures;
            continue;
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
