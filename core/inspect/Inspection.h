#pragma once

// What is in a checkpoint and whether it loads: every tensor with its statistics, the architecture it fits,
// how its keys match that architecture, and the fixes applied on the way. Also the comparison of two
// checkpoints. Free of LibTorch so that the CLI and the GUI compile quickly.
//
// Threading: the functions are reentrant; results are plain values.

#include "Result.h"
#include "checkpoint/PickleSafety.h"
#include "model/Architecture.h"
#include "model/LoadReport.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

/// One tensor of a checkpoint. Statistics are over its finite elements (NaN and +-Inf are counted, not
/// included); std is the population standard deviation (ddof = 0, numpy's default). Booleans count as 0/1.
struct TensorSummary {
    std::string name;
    std::vector<std::int64_t> shape;
    std::string dtype; ///< torch name: "float32", "float16", "bfloat16", "float64", "int64", "bool", ...
    std::int64_t numel = 0;
    bool hasStats = false; ///< false when no element is finite (then min..std are 0)
    double min = 0;
    double max = 0;
    double mean = 0;
    double std = 0;
    std::int64_t nanCount = 0;
    std::int64_t infCount = 0;
};

struct InspectOptions {
    /// Checkpoint file (any format readCheckpoint() reads).
    std::string path;
    /// Architecture name; empty = detect it from the keys and shapes.
    std::string arch;
    /// Strict: anything but a complete match is a failure. Partial: a partial match is reported as such.
    LoadMode loadMode = LoadMode::Partial;
    /// Class names from a --labels file; empty = the checkpoint's, else ImageNet's (1000), else "class i".
    std::vector<std::string> labels;
    /// A file whose pickle would run code in Python is inspected either way; set, its verdict is the
    /// loading verdict instead of Dangerous (the dangers are still listed).
    bool ignoreUnsafeObjects = false;
};

enum class LoadVerdict {
    Strict, ///< every key matches (after the automatic fixes)
    Partial, ///< some keys match; the rest are listed in the report
    Failed, ///< it cannot be loaded (no architecture, nothing matches, or --strict and not complete)
    Dangerous, ///< loading it in Python would run code (see dangers); refused unless unsafe objects are
               ///< allowed
};

const char* loadVerdictName(LoadVerdict verdict); ///< "strict", "partial", "failed", "dangerous"

struct Inspection {
    std::string path;
    std::string format;
    std::vector<TensorSummary> tensors; ///< file order, after unwrapping and prefix removal
    std::int64_t totalElements = 0; ///< sum of numel over all tensors
    std::vector<std::string> fixes;
    std::vector<std::string> warnings;
    /// What loading the file in Python would do that may run code; first in every report.
    std::vector<PickleDanger> dangers;

    bool architectureFound = false;
    ResNetSpec architecture; ///< meaningful when architectureFound
    std::int64_t parameterCount = 0; ///< learnable parameters of that architecture (0 when not found)
    std::string labelSource; ///< "checkpoint", "file", "imagenet" or "generic"
    std::vector<std::string> labels;

    LoadReport report; ///< keys against the architecture (empty when not found)
    LoadVerdict verdict = LoadVerdict::Failed;
    /// Why it does not load strictly, or why it fails; empty when it loads strictly.
    std::string problem;
};

/// The verdict's reason for a user: for Dangerous the refusal (dangerRefusal), followed by the loading
/// problem if there is one; else the loading problem.
std::string verdictProblem(const Inspection& inspection);

/// Reads and inspects a checkpoint. An unreadable file is an error; a readable one that does not fit a
/// model is an Inspection with verdict Failed.
Result<Inspection> inspectCheckpoint(const InspectOptions& options);

struct ShapeChange {
    std::string key;
    std::vector<std::int64_t> first;
    std::vector<std::int64_t> second;
};

struct TensorDifference {
    std::string key;
    double maxAbsDiff = 0; ///< max |a - b| over elements, computed in float64; NaN when either holds a NaN
};

/// Two checkpoints compared key by key (after unwrapping and prefix removal of each).
struct Comparison {
    std::string first;
    std::string second;
    std::vector<std::string> onlyInFirst; ///< first's order
    std::vector<std::string> onlyInSecond; ///< second's order
    std::vector<ShapeChange> shapeChanges;
    std::vector<TensorDifference> differences; ///< every common key with the same shape, first's order
};

/// Compares the tensors of two checkpoints. Like inspectCheckpoint() it reads files that would run code in
/// Python too (nothing is run; their dangers are reported by the inspection).
Result<Comparison> compareCheckpoints(const std::string& first, const std::string& second);

} // namespace lens
