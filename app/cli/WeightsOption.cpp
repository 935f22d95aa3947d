#include "cli/WeightsOption.h"

#include "weights/HubCache.h"

namespace lens::cli {

Result<ResolvedWeights> resolveWeights(const Args& args, bool& usageError)
{
    usageError = false;
    ResolvedWeights resolved;
    std::string presetName = args.value("--preset", "");
    if (auto weights = args.value("--weights")) {
        resolved.path = *weights;
    } else if (auto found = findDefaultWeights()) {
        resolved.path = found->path;
        if (presetName.empty())
            presetName = found->preset;
    } else {
        return Error {defaultWeightsHint()};
    }
    resolved.presetName = presetName.empty() ? "v1" : presetName;
    auto preset = presetByName(resolved.presetName);
    if (!preset) {
        usageError = true;
        return preset.error();
    }
    resolved.preset = *preset;
    return resolved;
}

} // namespace lens::cli
