#pragma once

// Strict and partial loading of a state dict into a model, with a report of every key.

#include "checkpoint/Checkpoint.h"
#include "model/LoadReport.h"

#include <cstdint>
#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace lens {

/// Compares tensors against model's parameters and buffers and, for Partial or a complete match, copies
/// them in. In Strict mode an incomplete match returns an error naming each bad key and changes nothing.
Result<LoadReport> loadStateDict(torch::nn::Module& model, const std::vector<NamedTensor>& tensors,
                                 LoadMode mode, const std::string& sourceName);

/// "converted 122 tensors from float16 to float32": the fix to report for `converted` keys of `tensors`.
std::string describeConversion(const std::vector<NamedTensor>& tensors,
                               const std::vector<std::string>& converted);

} // namespace lens
