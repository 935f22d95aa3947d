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
/// weights), else v1. usageError tells a bad --preset or unknown name from weights that cannot be found.
Result<ResolvedWeights> resolveWeights(const Args& args, bool& usageError);

/// A checkpoint's load error as the CLI says it: a dangerous file's refusal adds how to use it anyway; a
/// weight set that is not there (or no default one) adds how to pick one.
inline std::string checkpointError(const Error& error)
{
    if (error.kind == ErrorKind::NotFound)
        return error.message + " (choose a weight set with --weights-key KEY)";
    if (error.kind != ErrorKind::Dangerous)
        return error.message;
    return error.message + " (only if you trust the file, --ignore-unsafe-objects uses its tensors anyway)";
}

/// The note a command prints when the file holds weight sets besides the one it uses; empty when not.
std::string otherWeightSetsNote(const std::vector<std::string>& others);

/// --fast-decode: JPEGs are decoded at reduced scale down to twice the resize target, so the antialiased
/// resize still downscales at least 2x.
inline int fastDecodeShortSide(const PreprocessOptions& preset)
{
    return 2 * preset.resizeShort;
}

} // namespace lens::cli
