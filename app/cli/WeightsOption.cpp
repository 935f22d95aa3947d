#include "cli/WeightsOption.h"

#include "cli/Commands.h"
#include "weights/Catalog.h"
#include "weights/HubCache.h"

#include <filesystem>

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
