#include "cli/Args.h"
#include "cli/Commands.h"
#include "image/ImageDecoder.h"
#include "inference/Classifier.h"
#include "io/Json.h"
#include "labels/Labels.h"
#include "preprocess/Preprocess.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace lens::cli {

namespace {

const char* kClassifyUsage
    = "usage: resnet-lens-cli classify [--weights FILE|NAME] [--arch A] [--preset v1|v2] [--topk K] "
      "[--device cpu|cuda] [--labels FILE] [--json] IMAGE...\n"
      "--weights takes a checkpoint file or a catalog name (resnet50.v2; see 'weights list'), default: "
      "resnet50 "
      "from the torch.hub cache. The preset defaults to the one the weights were trained with.";

struct WeightsChoice {
    std::string path;
    std::string preset; ///< empty: not known
};

bool looksLikeCheckpointFile(const std::string& value)
{
    if (value.find('/') != std::string::npos)
        return true;
    for (const char* extension : {".pth", ".pt", ".bin", ".ckpt", ".tar", ".safetensors"}) {
        const std::string ext = extension;
        if (value.size() > ext.size() && value.compare(value.size() - ext.size(), ext.size(), ext) == 0)
            return true;
    }
    return false;
}

// --weights: an existing file (its preset known when it is a catalog file), else a catalog name, which must
// be in the cache.
Result<WeightsChoice> resolveWeightsArgument(const std::string& value)
{
    std::error_code error;
    if (std::filesystem::exists(value, error) || looksLikeCheckpointFile(value)) {
        const WeightsInfo* known = weightsByFileName(std::filesystem::path(value).filename().string());
        return WeightsChoice {value, known ? known->preset : ""};
    }
    auto weights = weightsByName(value);
    if (!weights)
        return Error {weights.message() + "; or give a checkpoint file"};
    if (auto path = findCached(*weights))
        return WeightsChoice {*path, weights->preset};
    return Error {weights->name + " is not downloaded yet (looked for " + cachePath(*weights)
                  + "); get it with 'resnet-lens-cli weights download " + weights->name + "'"};
}

void printHuman(const std::string& path, const Classification& result)
{
    std::cout << path << "\n";
    for (const auto& score : result.top) {
        char line[64];
        std::snprintf(line, sizeof line, "%8.2f%%  %4d  ", score.probability * 100.0, score.index);
        std::cout << "  " << score.rank << "." << line << score.label << "\n";
    }
}

void printJson(const std::string& path, const Classification& result)
{
    JsonWriter json;
    json.beginObject().key("path").value(path).key("top").beginArray();
    for (const auto& score : result.top) {
        json.beginObject()
            .key("rank")
            .value(score.rank)
            .key("index")
            .value(score.index)
            .key("label")
            .value(score.label)
            .key("probability")
            .value(static_cast<double>(score.probability))
            .key("logit")
            .value(static_cast<double>(score.logit))
            .endObject();
    }
    json.endArray().endObject();
    std::cout << json.str() << std::endl;
}

void printImageError(const std::string& path, const std::string& message, bool asJson)
{
    if (asJson) {
        JsonWriter json;
        json.beginObject().key("path").value(path).key("error").value(message).endObject();
        std::cout << json.str() << std::endl;
    } else {
        printError(message);
    }
}

} // namespace

int classifyCommand(const std::vector<std::string>& words)
{
    Args args({"--weights", "--arch", "--preset", "--topk", "--device", "--labels"}, {"--json", "--help"});
    if (auto problem = args.parse(words); !problem.empty()) {
        printError(problem + "\n" + kClassifyUsage);
        return Usage;
    }
    if (args.flag("--help")) {
        std::cout << kClassifyUsage << "\n";
        return Success;
    }
    if (args.positionals().empty()) {
        printError(std::string("no image given\n") + kClassifyUsage);
        return Usage;
    }
    int topk = 5;
    if (auto problem = args.intValue("--topk", 5, 1, 100000, topk); !problem.empty()) {
        printError(problem);
        return Usage;
    }

    ClassifierOptions options;
    std::string presetName = args.value("--preset", "");
    if (auto weights = args.value("--weights")) {
        auto resolved = resolveWeightsArgument(*weights);
        if (!resolved) {
            printError(resolved.message());
            return resolved.message().rfind("unknown weights", 0) == 0 ? Usage : Failure;
        }
        options.weights = resolved->path;
        if (presetName.empty())
            presetName = resolved->preset;
    } else if (auto found = findDefaultWeights()) {
        options.weights = found->path;
        if (presetName.empty())
            presetName = found->preset;
    } else {
        printError(defaultWeightsHint());
        return Failure;
    }
    auto preset = presetByName(presetName.empty() ? "v1" : presetName);
    if (!preset) {
        printError(preset.message());
        return Usage;
    }
    options.arch = args.value("--arch", "");
    options.device = args.value("--device", "cpu");
    if (auto labelFile = args.value("--labels")) {
        auto labels = readLabelFile(*labelFile);
        if (!labels) {
            printError(labels.message());
            return Failure;
        }
        options.labels = *labels;
    }

    auto classifier = Classifier::create(options);
    if (!classifier) {
        printError(classifier.message());
        return Failure;
    }

    const bool asJson = args.flag("--json");
    int failures = 0;
    for (const auto& path : args.positionals()) {
        auto image = decodeImage(path);
        if (!image) {
            printImageError(path, image.message(), asJson);
            ++failures;
            continue;
        }
        const PreprocessedImage input = preprocess(*image, *preset);
        auto results = (*classifier)->classify(input.chw.data(), 1, preset->crop, topk);
        if (!results) {
            printImageError(path, path + ": " + results.message(), asJson);
            ++failures;
            continue;
        }
        if (asJson)
            printJson(path, results->front());
        else
            printHuman(path, results->front());
    }
    if (failures == 0)
        return Success;
    return failures == static_cast<int>(args.positionals().size()) ? Failure : Partial;
}

} // namespace lens::cli
