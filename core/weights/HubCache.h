#pragma once

// The torch.hub checkpoint cache, found exactly as torch finds it, so that weights Python already
// downloaded are used without a network.

#include <optional>
#include <string>

namespace lens {

/// $TORCH_HOME/hub/checkpoints, else $XDG_CACHE_HOME/torch/hub/checkpoints, else
/// ~/.cache/torch/hub/checkpoints.
std::string hubCheckpointsDir();

/// The default weights: torchvision's resnet50 in the cache, V2 preferred, then V1.
struct DefaultWeights {
    std::string path;
    std::string preset; ///< "v2" or "v1": the preset those weights were trained with
};
std::optional<DefaultWeights> findDefaultWeights();

/// How to get the default weights, for messages when none are cached.
std::string defaultWeightsHint();

} // namespace lens
