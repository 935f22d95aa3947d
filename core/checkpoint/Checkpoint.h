#pragma once

// Reading checkpoint files into named tensors, with no Python: the file is sniffed (torch.save zip, legacy
// torch.save, safetensors, TorchScript), its pickle is read by the restricted unpickler (nothing in a file is
// ever executed or imported), tensors are materialised from the file's raw storages after every declared
// size has been checked against the file, and the weights are unwrapped from common training-script
// containers. A TorchScript archive is read the same way: its pickled module tree gives the parameters and
// buffers, and its code is never compiled or run. Includes LibTorch.

#include "Result.h"

#include <ATen/core/Tensor.h>
#include <string>
#include <vector>

namespace lens {

struct NamedTensor {
    std::string name;
    at::Tensor tensor;
};

/// A checkpoint's weights, ready to be matched against a model.
struct Checkpoint {
    std::string path;
    std::string format; ///< e.g. "torch.save zip"
    std::vector<NamedTensor> tensors; ///< the state dict, in file order, after unwrapping and prefix removal
    std::vector<std::string> fixes; ///< what was done to find them, in words ("weights found under 'model'")
    std::vector<std::string> labels; ///< class names stored in the checkpoint, if any
    std::vector<std::string> warnings; ///< things a user should know (e.g. ignored Python objects)
};

/// Reads a checkpoint. Errors name the file and say what is wrong in words a user understands; a pickled
/// Python object instead of a state dict is reported with its class and the fix.
Result<Checkpoint> readCheckpoint(const std::string& path);

} // namespace lens
