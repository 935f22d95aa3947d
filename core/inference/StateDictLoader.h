#pragma once

// Strict and partial loading of a checkpoint's tensors into a model's parameters and buffers, by
// matchStateDict()'s rule, with a report of every key. Includes LibTorch.

#include "Result.h"
#include "model/LoadReport.h"
#include "tensor/TensorData.h"

#include <string>
#include <vector>

namespace torch::nn {
class Module;
}

namespace lens {

/// Compares tensors against model's parameters and buffers and, for Partial or a complete match, copies
/// them in (converting dtypes). In Strict mode an incomplete match returns an error (ErrorKind::Mismatch)
/// naming each bad key and changes nothing.
Result<LoadReport> loadStateDict(torch::nn::Module& model, const std::vector<NamedTensor>& tensors,
                                 LoadMode mode, const std::string& sourceName);

} // namespace lens
