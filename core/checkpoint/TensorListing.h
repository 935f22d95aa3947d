#pragma once

// The tensors of a checkpoint as plain data (name, shape, dtype), for views that list them. Free of
// LibTorch.

#include "Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

struct TensorInfo {
    std::string name; ///< after unwrapping and prefix removal, as matched against the model
    std::vector<std::int64_t> shape;
    std::string dtype; ///< e.g. "float32", "float16", "int64"
};

/// Reads the checkpoint (see readCheckpoint) and lists its tensors in file order.
Result<std::vector<TensorInfo>> listCheckpointTensors(const std::string& path);

} // namespace lens
