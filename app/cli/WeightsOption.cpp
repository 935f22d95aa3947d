#include "cli/WeightsOption.h"

#include "cli/Commands.h"
#include "cli/JobOptions.h"
#include "inference/RuntimeCheck.h"
#include "jobs/CamExport.h"
#include "labels/Labels.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <charconv>
#include <filesystem>
#include <system_error>

namespace lens::cli {

namespace {

bool looksLikeCheckpointFile(const std::string& value)
{
    if (value.find('/') != std::string::npos)
        return true;
    for (const std::string ext : {".pth", ".pt", ".bin", ".ckpt", ".tar", ".safetensors"}) {
        if (value.size() > ext.size() && value.compare(value.size() - ext.size(), ext.size(), ext) == 0)
            return true;
    }
    return false;
}

} // namespace

Result<ResolvedWeights> resolveWeights(const Args& args)
{
    ResolvedWeights resolved;
    std::string presetName = args.value("--preset", "");
    std::string weightsPreset;
    if (auto value = args.value("--weights")) {
        // An existing file (its preset known when it is a catalog file), else a catalog name, which must be
        // in the cache.
        std::error_code error;
        if (std::filesystem::exists(*value, error) || looksLikeCheckpointFile(*value)) {
            resolved.path = *value;
            if (const WeightsInfo* known
                = weightsByFileName(std::filesystem::path(*value).filename().string()))
                weightsPreset = known->preset;
        } else {
            auto weights = weightsByName(*value);
            if (!weights)
                return Error {weights.message() + "; or give a checkpoint file", ErrorKind::Usage, *value};
            auto path = findCached(*weights);
            if (!path)
                return Error {weights->name + " is not downloaded yet (looked for " + cachePath(*weights)
                              + "); get it with 'resnet-lens-cli weights download " + weights->name + "'"};
            resolved.path = *path;
            weightsPreset = weights->preset;
        }
    } else if (auto found = findDefaultWeights()) {
        resolved.path = found->path;
        weightsPreset = found->preset;
    } else {
        return Error {defaultWeightsHint()};
    }
    if (presetName.empty())
        presetName = weightsPreset;
    resolved.presetName = presetName.empty() ? "v1" : presetName;
    auto preset = presetByName(resolved.presetName);
    if (!preset)
        return preset.error();
    resolved.preset = *preset;
    return resolved;
}

Result<OverlayOptions> overlayOptions(const Args& args)
{
    OverlayOptions overlay;
    if (auto name = args.value("--colormap")) {
        auto colormap = colormapByName(*name);
        if (!colormap)
            return Error {"unknown colormap '" + *name + "' (expected one of " + colormapNames() + ")",
                          ErrorKind::Usage, *name};
        overlay.colormap = *colormap;
    }
    if (auto text = args.value("--alpha")) {
        float alpha = -1;
        const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), alpha);
        if (error != std::errc() || end != text->data() + text->size() || !(alpha >= 0 && alpha <= 1))
            return Error {"--alpha takes a number from 0 to 1, not '" + *text + "'", ErrorKind::Usage, *text};
        overlay.alpha = alpha;
    }
    return overlay;
}

Result<CamDirOption> camDirOption(const Args& args)
{
    CamDirOption option;
    option.folder = args.value("--cam-dir", "");
    auto overlay = overlayOptions(args);
    if (!overlay)
        return overlay.error();
    option.overlay = *overlay;
    if (!option.folder.empty()) {
        if (auto usable = prepareCamFolder(option.folder); !usable)
            return usable.error();
    }
    return option;
}

Result<Precision> precisionOption(const Args& args)
{
    const std::string name = args.value("--precision", "fp32");
    if (auto precision = precisionByName(name))
        return *precision;
    return Error {"--precision takes fp32 or bf16, not '" + name + "'", ErrorKind::Usage, name};
}

Result<LoadedModel> loadModel(const Args& args, bool quiet)
{
    LoadedModel model;
    auto weights = resolveWeights(args);
    if (!weights)
        return weights.error();
    model.weights = std::move(*weights);
    auto options = classifierOptions(args, model.weights);
    if (!options)
        return options.error();
    auto classifier = Classifier::create(*options);
    if (!classifier)
        return classifier.error();
    model.classifier = std::move(*classifier);
    for (const auto& warning : runtimeWarnings(*model.classifier))
        printError("warning: " + warning);
    for (const auto& warning : model.classifier->warnings())
        printError("warning: " + warning);
    if (!quiet) {
        for (const auto& fix : model.classifier->fixes())
            printError("note: " + fix);
        if (const std::string others = otherWeightSetsNote(model.classifier->otherWeightSets());
            !others.empty())
            printError("note: " + others);
    }
    return model;
}

std::string otherWeightSetsNote(const std::vector<std::string>& others)
{
    if (others.empty())
        return {};
    std::string keys;
    for (std::size_t i = 0; i < others.size() && i < 8; ++i)
        keys += (i ? ", '" : "'") + (others[i].empty() ? std::string("(the whole file)") : others[i]) + "'";
    if (others.size() > 8)
        keys += " and " + std::to_string(others.size() - 8) + " more";
    return "the file also holds the weight set" + std::string(others.size() == 1 ? " " : "s ") + keys
        + " (choose one with --weights-key)";
}

} // namespace lens::cli
