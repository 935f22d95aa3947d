#pragma once

// Reading checkpoint files into named tensors, with no Python and no LibTorch: the file is sniffed
// (torch.save zip, legacy torch.save, safetensors, TorchScript), its pickle is read by the restricted
// unpickler (nothing in a file is ever executed or imported), tensors are viewed in the file's raw storages
// after every declared size has been checked against the file, and the weights are unwrapped from common
// training-script containers. A TorchScript archive is read the same way: its pickled module tree gives the
// parameters and buffers, and its code is never compiled or run. Storages of legacy and safetensors files
// stay in the file's memory mapping; a zip's are read into memory (its entries are CRC-checked).
//
// Threading: readCheckpoint() is reentrant; a Checkpoint is a value (its tensors share their storages).

#include "Result.h"
#include "checkpoint/PickleSafety.h"
#include "model/Architecture.h"
#include "tensor/TensorData.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

/// A checkpoint's weights, ready to be matched against a model.
struct Checkpoint {
    std::string path;
    std::string format; ///< e.g. "torch.save zip"
    std::vector<NamedTensor> tensors; ///< the state dict, in file order, after unwrapping and prefix removal
    std::vector<std::string> fixes; ///< what was done to find them, in words ("weights found under 'model'")
    std::vector<std::string> labels; ///< class names stored in the checkpoint, if any
    std::vector<std::string> warnings; ///< things a user should know (e.g. ignored Python objects)
    /// What loading the file in Python would do that may run code (see PickleSafety.h); only ever non-empty
    /// when ReadOptions::allowUnsafeObjects let the file be read.
    std::vector<PickleDanger> dangers;
    /// Why `tensors` is empty, when ReadOptions::allowNoWeights let a file without a state dict be read.
    std::string problem;
};

struct ReadOptions {
    /// Read a file whose pickle would run code when loaded in Python (its dangers are then listed in
    /// Checkpoint::dangers and warnings). Off: such a file is refused, naming what it would call.
    bool allowUnsafeObjects = false;
    /// Return a Checkpoint without tensors (Checkpoint::problem says why) for a file that holds no state
    /// dict, instead of an error: for the inspector, which shows what such a file holds.
    bool allowNoWeights = false;
};

/// Reads a checkpoint. Errors name the file and say what is wrong in words a user understands; a pickled
/// Python object instead of a state dict is reported with its class and the fix.
///
/// Bounds: only regular files are read; every size a file declares is checked against the file before
/// memory is allocated; tensors may view at most kMaxViewFactor times the elements their storages hold
/// (plus kViewSlack), so stride-0 views cannot expand a small file into a huge one; a TorchScript module
/// tree is walked along at most kMaxModulePaths paths.
Result<Checkpoint> readCheckpoint(const std::string& path, const ReadOptions& options = {});

/// The keys, shapes and dtypes of tensors, for matchStateDict() and detection.
ShapeList keyShapes(const std::vector<NamedTensor>& tensors);

constexpr std::int64_t kMaxViewFactor = 8;
constexpr std::int64_t kViewSlack = std::int64_t(1) << 24;
constexpr std::size_t kMaxModulePaths = 100000;

} // namespace lens
