#pragma once

// NumPy .npy files (format version 1.0), little-endian float32, C order: what `numpy.load` reads.

#include "Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

/// Writes data (product of shape elements) as a '<f4' array. The file is written to a temporary name and
/// renamed into place, so a failed write never leaves a half-written file at path.
Result<void> writeNpyFloat32(const std::string& path, const std::vector<std::int64_t>& shape,
                             const std::vector<float>& data);

/// Reads a '<f4' C-order .npy file (as written by numpy.save).
struct NpyArray {
    std::vector<std::int64_t> shape;
    std::vector<float> data;
};
Result<NpyArray> readNpyFloat32(const std::string& path);

} // namespace lens
