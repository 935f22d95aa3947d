#pragma once

// --weights and --preset, shared by the commands that run a model.

#include "Result.h"
#include "cli/Args.h"
#include "preprocess/Preprocess.h"

#include <string>

namespace lens::cli {

struct ResolvedWeights {
    std::string path; ///< checkpoint file
    std::string presetName; ///< "v1" or "v2"
    PreprocessOptions preset;
};

/// --weights FILE, else the default weights in the torch.hub cache; --preset, else the weights' own preset
/// (v2 for torchvision's V2 weights), else v1. usageError tells a bad --preset from missing weights.
Result<ResolvedWeights> resolveWeights(const Args& args, bool& usageError);

} // namespace lens::cli
