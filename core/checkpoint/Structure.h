#pragma once

// What a checkpoint's pickle holds, as a user wants to see it, and where its weights are. Training scripts
// save much more than the weights: {"epoch": 12, "model": ..., "model_ema": ..., "optimizer": ...,
// "args": Namespace(...)}. This walks the inert value tree of the restricted unpickler (nothing is ever run)
// and describes it:
// - the structure: every container with its keys, scalars and strings with their values, inert Python
//   objects with their recorded fields, each group of tensors summarised (count, elements, dtypes) rather
//   than listed, an optimizer's state dict summarised (param groups and their hyperparameters, state tensors
//   per kind such as momentum_buffer or exp_avg);
// - the weight sets: every sub-tree that is a state dict (a dict of named tensors), each named by its key
//   path. An optimizer's per-parameter state ({"momentum_buffer": tensor}) is part of the optimizer, never
//   a weight set, and neither is anything inside a Python object that would run code when loaded.
//
// Key paths name a value by the keys leading to it, joined with '/': "model_ema", "checkpoint/model",
// "optimizer_states/0". A dict's string key is written as it is, with '~' written "~0" and '/' written "~1"
// (as in JSON Pointer, RFC 6901); an integer key, a list or tuple index in decimal; any other key as its
// Python repr. The empty path is the whole file.
//
// Bounds (the tree may be a DAG with exponentially many paths, or hold millions of values): at most
// kMaxStructureNodes nodes are described, at most kMaxChildrenShown children per container (the rest are
// counted); the weight-set search takes at most kMaxSearchVisits steps (containers entered and children
// looked at) and lists at most kMaxWeightSets sets, whose paths are at most kMaxKeyPathLength bytes. Work
// and memory are linear in the document's size plus these bounds. LibTorch-free, so it is fuzzed with the
// unpickler.
//
// Threading: the functions are reentrant; results are plain values.

#include "Result.h"
#include "checkpoint/Pickle.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lens {

constexpr std::size_t kMaxStructureNodes = 5000;
constexpr std::size_t kMaxChildrenShown = 200;
constexpr std::size_t kMaxSearchVisits = 1000000;
constexpr std::size_t kMaxWeightSets = 1000;
constexpr std::size_t kMaxKeyPathLength = 1024;

/// A scalar from the file, typed for JSON and written as Python writes it for text.
struct ScalarValue {
    enum class Type { None, Bool, Int, Float, String, Other };
    Type type = Type::Other;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0;
    std::string text; ///< String: the text itself (not escaped for terminals)
    std::string repr; ///< Python repr, bounded: 12, 0.1, 'run-7', True, None, (0.9, 0.999)
    /// A tuple or list of scalars (betas (0.9, 0.999), milestones [30, 60]): its items, at most
    /// kMaxChildrenShown of them; the type is then Other.
    std::vector<ScalarValue> items;
    bool isSequence = false;
};

/// Tensors described together: a weight set, a list of tensors, one kind of optimizer state.
struct TensorGroup {
    std::int64_t tensors = 0;
    std::int64_t elements = 0; ///< saturates at INT64_MAX
    /// Count per dtype ("float32", "int64"; a storage type this reader does not know keeps its storage
    /// name, "ComplexFloatStorage"), in order of first appearance.
    std::vector<std::pair<std::string, std::int64_t>> dtypes;
};

/// An optimizer's state dict ({"state": {...}, "param_groups": [...]}), summarised.
struct OptimizerSummary {
    /// Which optimizer its state looks like: "SGD with momentum", "SGD without momentum", "Adam or AdamW",
    /// "RMSprop", "Adagrad", "Adadelta"; empty when not recognised.
    std::string guess;
    struct ParamGroup {
        std::int64_t params = 0; ///< parameters in the group
        /// Every other entry of the group (lr, momentum, betas, ...), in file order.
        std::vector<std::pair<std::string, ScalarValue>> hyperparameters;
    };
    std::vector<ParamGroup> groups; ///< at most kMaxChildrenShown; groupCount has them all
    std::size_t groupCount = 0;
    std::size_t stateEntries = 0; ///< parameters that have state
    struct StateKind {
        std::string name; ///< "momentum_buffer", "exp_avg", "exp_avg_sq", "step"
        TensorGroup tensors;
        std::int64_t scalars = 0; ///< entries of this kind that are plain numbers (a float "step")
        std::int64_t others = 0; ///< entries of this kind that are neither (None: SGD without momentum)
    };
    std::vector<StateKind> kinds; ///< first appearance order
};

/// One node of a checkpoint's structure.
struct StructureNode {
    enum class Kind {
        Dict,
        List,
        Tuple,
        Set,
        Object, ///< a Python object, with its recorded fields as children
        Global, ///< a class or function the file names but does not call
        Scalar, ///< value holds it (None, bool, int, float, str, bytes)
        Tensor, ///< one tensor where other values sit beside it: value.repr "float32 [64, 3, 7, 7]"
        Tensors, ///< a container of tensors only (not a state dict): group summarises them
        Weights, ///< a state dict: a weight set, selectable by its path; group summarises it
        Optimizer, ///< an optimizer's state dict: optimizer summarises it
    };
    Kind kind = Kind::Scalar;
    std::string key; ///< in its parent, for display (cut to 120 bytes); empty for the root
    std::string path; ///< key path from the root (see above)
    std::string type; ///< "dict", "list", "tuple", "set", "int", "float", "str", "bytes", "bool", "None",
                      ///< "tensor", or the class name of an object ("argparse.Namespace")
    ScalarValue value; ///< Scalar and Tensor
    std::vector<std::int64_t> shape; ///< Tensor
    std::string dtype; ///< Tensor: "float32" (an unknown storage type: its storage name)
    TensorGroup group; ///< Tensors and Weights
    OptimizerSummary optimizer; ///< Optimizer
    std::size_t childCount = 0; ///< children in the file; `children` may hold fewer
    std::vector<StructureNode> children;
};

const char* structureKindName(StructureNode::Kind kind); ///< "dict", "list", ..., "weights", "optimizer"

struct Structure {
    StructureNode root;
    std::size_t nodes = 0; ///< nodes described
    bool truncated = false; ///< kMaxStructureNodes was reached: some containers show no children
};

/// Describes the document's value tree.
Structure describeStructure(const PickleDocument& document);

/// One state dict inside a document.
struct WeightSetLocation {
    std::string path; ///< key path; "" when the whole file is the state dict
    const PickleValue* dict = nullptr; ///< the state dict (a Dict of tensors), owned by the document
    TensorGroup group;
};

struct WeightSetSearch {
    std::vector<WeightSetLocation> sets; ///< depth-first, in file order
    /// A bound stopped the search (kMaxSearchVisits, kMaxWeightSets, kMaxKeyPathLength): there may be more.
    bool incomplete = false;
};

/// Every state dict in the document, also inside inert objects (an argparse.Namespace) but never inside an
/// optimizer's state or an object that would run code when loaded.
WeightSetSearch findWeightSets(const PickleDocument& document);

/// A dict of named tensors: string keys, at least one tensor, and otherwise only Python objects (which
/// only a file read with unsafe objects allowed brings this far; they are skipped when the tensors are
/// taken).
bool isStateDict(const PickleValue* value);

/// An optimizer's state dict: a dict with a "state" dict and a "param_groups" list of dicts with "params".
bool isOptimizerState(const PickleValue* value);

/// The value at a key path, or nullptr when no value has that path.
const PickleValue* resolveKeyPath(const PickleValue& root, std::string_view path);

/// The path segment for a key (a dict key value) or an index, escaped as described above.
std::string keySegment(const PickleValue& key);
std::string indexSegment(std::size_t index);

/// A path segment's text with its escapes undone ("a~1b" -> "a/b").
std::string unescapeSegment(std::string_view segment);

/// The summary of tensors' count, elements and dtypes.
void addToGroup(TensorGroup& group, const TensorRef& tensor);

/// "122 tensors, 11,689,512 elements (float32 102, int64 20)"
std::string describeGroup(const TensorGroup& group);

/// A value as a ScalarValue (for anything not scalar, type Other with its bounded repr).
ScalarValue scalarValue(const PickleValue& value);

} // namespace lens
