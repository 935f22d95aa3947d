#pragma once

// Reading checkpoint files into named tensors, with no Python and no LibTorch: the file is sniffed
// (torch.save zip, legacy torch.save, safetensors, TorchScript), its pickle is read by the restricted
// unpickler (nothing in a file is ever executed or imported), tensors are viewed in the file's raw storages
// after every declared size has been checked against the file, and the weights are unwrapped from common
// training-script containers. A TorchScript archive is read the same way: its pickled module tree gives the
// parameters and buffers, and its code is never compiled or run. Storages of legacy and safetensors files
// stay in the file's memory mapping; a zip's are read into memory (its entries are CRC-checked).
//
// Two ways in: openCheckpoint() parses a file once and keeps it (a CheckpointFile), so that its structure
// can be shown, its weight sets listed and any of them read; readCheckpoint() reads one weight set in one
// call. A training checkpoint holds several weight sets ("model", "model_ema", "teacher/state_dict"), each
// named by its key path (checkpoint/Structure.h); without a key the first of the documented wrapper keys
// is taken, as before.
//
// Threading: openCheckpoint() and readCheckpoint() are reentrant. A CheckpointFile is immutable and cheap to
// copy (copies share the parsed file); its const members may be called from several threads at once. A
// Checkpoint is a value (its tensors share their storages).

#include "Result.h"
#include "checkpoint/PickleSafety.h"
#include "checkpoint/Structure.h"
#include "model/Architecture.h"
#include "tensor/TensorData.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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
    /// The key path of the weight set read ("" when the whole file is the state dict).
    std::string weightsKey;
    /// The file's other weight sets, by key path: what else could be read with ReadOptions::weightsKey.
    std::vector<std::string> otherWeightSets;
};

struct ReadOptions {
    /// Read a file whose pickle would run code when loaded in Python (its dangers are then listed in
    /// Checkpoint::dangers and warnings). Off: such a file is refused, naming what it would call.
    bool allowUnsafeObjects = false;
    /// Return a Checkpoint without tensors (Checkpoint::problem says why) for a file that holds no state
    /// dict, instead of an error: for the inspector, which shows what such a file holds.
    bool allowNoWeights = false;
    /// The weight set to read, by key path ("model_ema", "checkpoint/model"; see checkpoint/Structure.h);
    /// empty: the whole file when it is a state dict, else the first of state_dict, model,
    /// model_state_dict, state_dict_ema, model_ema, net, module, network, params, weights that holds one.
    std::string weightsKey;
};

/// One weight set of a file: a state dict somewhere inside it.
struct WeightSet {
    std::string key; ///< key path; "" for the whole file
    TensorGroup group; ///< its tensors' count, elements and dtypes
    bool isDefault = false; ///< the one read when no key is given
};

/// The names (after prefix removal), shapes and dtypes of a weight set, known without reading its data.
struct WeightShapes {
    std::string key;
    ShapeList shapes;
    std::vector<std::string> fixes;
};

/// A checkpoint file, parsed and kept: its structure, its weight sets, and their tensors on request.
class CheckpointFile {
public:
    const std::string& path() const;
    const std::string& format() const; ///< e.g. "torch.save zip"
    /// What loading the file in Python would do that may run code; only ever non-empty when
    /// ReadOptions::allowUnsafeObjects let the file be opened.
    const std::vector<PickleDanger>& dangers() const;
    /// About the file as a whole: allowed unsafe objects, ignored Python data objects, an unreadable
    /// byteorder record.
    const std::vector<std::string>& warnings() const;
    /// safetensors only: the header's "__metadata__" entries, in header order.
    const std::vector<std::pair<std::string, std::string>>& metadata() const;

    /// The file as a tree (a safetensors file: one Weights node).
    Structure structure() const;
    /// Every weight set, in file order (a TorchScript archive has one: its module tree's tensors).
    const std::vector<WeightSet>& weightSets() const;
    /// A bound of findWeightSets() stopped the search: the file may hold more weight sets.
    bool weightSetsIncomplete() const;
    /// The key path read when none is given; nullopt when the default order finds none (defaultProblem()).
    const std::optional<std::string>& defaultWeightsKey() const;
    /// Why there is no default weight set, naming the file ("x.pth: holds no state dict ...").
    const std::string& defaultProblem() const;

    /// A weight set's names, shapes and dtypes (key empty: the default), without reading tensor data.
    Result<WeightShapes> shapes(const std::string& key = {}) const;
    /// Reads a weight set's tensors (key empty: the default). Errors name the file; an unknown key or one
    /// that is not a state dict is an error that lists the file's weight sets.
    Result<Checkpoint> weights(const std::string& key = {}) const;

    struct Impl;

private:
    friend Result<CheckpointFile> openCheckpoint(const std::string& path, const ReadOptions& options);
    explicit CheckpointFile(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

/// Opens and parses a checkpoint (ReadOptions::allowNoWeights and weightsKey do not apply: the file
/// opens whatever weights it holds; a file whose pickle would run code opens only with
/// allowUnsafeObjects). Bounds as for readCheckpoint().
Result<CheckpointFile> openCheckpoint(const std::string& path, const ReadOptions& options = {});

/// Reads a checkpoint. Errors name the file and say what is wrong in words a user understands; a pickled
/// Python object instead of a state dict is reported with its class and the fix.
///
/// Bounds: only regular files are read; every size a file declares is checked against the file before
/// memory is allocated; tensors may view at most kMaxViewFactor times the elements their storages hold
/// (plus kViewSlack), so stride-0 views cannot expand a small file into a huge one; a TorchScript module
/// tree is walked along at most kMaxModulePaths paths.
/// Opens the file and reads the weight set options.weightsKey names.
Result<Checkpoint> readCheckpoint(const std::string& path, const ReadOptions& options = {});

/// The keys, shapes and dtypes of tensors, for matchStateDict() and detection.
ShapeList keyShapes(const std::vector<NamedTensor>& tensors);

constexpr std::int64_t kMaxViewFactor = 8;
constexpr std::int64_t kViewSlack = std::int64_t(1) << 24;
constexpr std::size_t kMaxModulePaths = 100000;

} // namespace lens
