#pragma once

// The torch.hub checkpoint cache, found exactly as torch finds it, so that weights Python already
// downloaded are used without a network, and weights downloaded here are found by Python.
//
// Threading: safe from any thread; the environment is read on every call (nothing is cached).

#include <optional>
#include <string>

namespace lens {

struct WeightsInfo;

/// $TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/hub/checkpoints, else
/// ~/.cache/torch/hub/checkpoints (a leading '~' is expanded, as torch does).
std::string hubCheckpointsDir();

/// Where the weights live in the cache: hubCheckpointsDir()/<file name>, whether or not they are there.
std::string cachePath(const WeightsInfo& weights);

/// The cached file if it exists. Like torch.hub, an existing file is trusted without re-hashing.
std::optional<std::string> findCached(const WeightsInfo& weights);

/// The default weights: torchvision's resnet50 in the cache, V2 preferred, then V1 (also the pre-1.6 V1
/// file, resnet50-19c8e357.pth).
struct DefaultWeights {
    std::string path;
    std::string preset; ///< "v2" or "v1": the preset those weights were trained with
    std::string name; ///< catalog name: "resnet50.v2" or "resnet50.v1"
};
std::optional<DefaultWeights> findDefaultWeights();

/// How to get the default weights, for messages when none are cached.
std::string defaultWeightsHint();

} // namespace lens
