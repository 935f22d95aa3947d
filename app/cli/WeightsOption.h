#pragma once

// --weights and --preset, shared by the commands that run a model.

#include "Result.h"
#include "cli/Args.h"
#include "preprocess/Preprocess.h"

#include <string>
#include <vector>

namespace lens::cli {

struct ResolvedWeights {
    std::string path; ///< checkpoint file
    std::string presetName; ///< "v1" or "v2"
    PreprocessOptions preset;
};

/// --weights FILE or a catalog NAME (resnet50.v2, which must be in the torch.hub cache), else the default
/// weights found in that cache; --preset, else the weights' own preset when known (v2 for torchvision's V2
/// weights), else v1. A bad --preset or an unknown name is a Usage error.
Result<ResolvedWeights> resolveWeights(const Args& args);

/// An error reading a checkpoint's weights as the CLI says it: when the file exists but the weight set asked
/// for (or a default one) is not in it, how to pick one is added.
std::string weightsErrorMessage(const Error& error);

/// fail() with weightsErrorMessage().
int failWeights(const Error& error);

/// The note a command prints when the file holds weight sets besides the one it uses; empty when not.
std::string otherWeightSetsNote(const std::vector<std::string>& others);

/// --fast-decode: JPEGs are decoded at reduced scale down to twice the resize target, so the antialiased
/// resize still downscales at least 2x.
inline int fastDecodeShortSide(const PreprocessOptions& preset)
{
    return 2 * preset.resizeShort;
}

} // namespace lens::cli
