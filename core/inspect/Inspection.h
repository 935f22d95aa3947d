#pragma once

// What is in a checkpoint and whether it loads: the whole file as a tree, every weight set in it with the
// architecture it fits and its verdict, and for one weight set every tensor with its statistics, how its
// keys match that architecture, and the fixes applied on the way. Also histograms of a tensor's values and
// the comparison of two checkpoints. Free of LibTorch so that the CLI and the GUI compile quickly.
//
// Threading: the functions are reentrant; results are plain values. compareCheckpoints() and
// compareTensorSets() call their progress callback on the calling thread.

#include "Result.h"
#include "checkpoint/PickleSafety.h"
#include "checkpoint/Structure.h"
#include "model/Architecture.h"
#include "model/LoadReport.h"
#include "tensor/TensorData.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
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
    /// The weight set to inspect, by key path (checkpoint/Structure.h); empty = the one loaders read by
    /// default.
    std::string weightsKey;
};

enum class LoadVerdict {
    Strict, ///< every key matches (after the automatic fixes)
    Partial, ///< some keys match; the rest are listed in the report
    Failed, ///< it cannot be loaded (no architecture, nothing matches, or --strict and not complete)
    Dangerous, ///< loading it in Python would run code (see dangers); refused unless unsafe objects are
               ///< allowed
};

const char* loadVerdictName(LoadVerdict verdict); ///< "strict", "partial", "failed", "dangerous"

/// One weight set of a file, judged on its own from its keys and shapes (no tensor data is read).
struct WeightSetReport {
    std::string key; ///< key path; "" for the whole file
    TensorGroup group;
    bool isDefault = false; ///< the one loaders read when no key is given
    bool inspected = false; ///< the one the inspection's tensors come from
    bool architectureFound = false;
    ResNetSpec architecture; ///< meaningful when architectureFound
    LoadVerdict verdict = LoadVerdict::Failed;
    std::string problem; ///< why it does not load strictly; empty when it does
};

/// What a file holds, known without reading any tensor data: quick even for a 500 MB checkpoint.
struct CheckpointOverview {
    std::string path;
    std::string format;
    std::vector<PickleDanger> dangers;
    std::vector<std::string> warnings;
    Structure structure;
    std::vector<std::pair<std::string, std::string>> metadata; ///< safetensors "__metadata__"
    std::vector<WeightSetReport> weightSets;
    bool weightSetsIncomplete = false; ///< the search stopped at a bound; there may be more
    std::string defaultProblem; ///< why loaders find no weights by default; empty when they do
};

struct Inspection {
    std::string path;
    std::string format;
    std::vector<TensorSummary> tensors; ///< file order, after unwrapping and prefix removal
    std::int64_t totalElements = 0; ///< sum of numel over all tensors
    std::vector<std::string> fixes;
    std::vector<std::string> warnings;
    /// What loading the file in Python would do that may run code; first in every report.
    std::vector<PickleDanger> dangers;
    /// The weight set inspected (its key path; "" for the whole file), and every weight set of the file.
    std::string weightsKey;
    std::vector<WeightSetReport> weightSets;
    bool weightSetsIncomplete = false;
    /// The whole file as a tree.
    Structure structure;
    std::vector<std::pair<std::string, std::string>> metadata; ///< safetensors "__metadata__"

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

/// Reads and inspects a checkpoint. An unreadable file, or a weightsKey that names no weight set, is an
/// error; a readable one that does not fit a model is an Inspection with verdict Failed.
Result<Inspection> inspectCheckpoint(const InspectOptions& options);

/// Opens a checkpoint (also one that would run code in Python: nothing is run) and describes it without
/// reading tensor data: its structure and its weight sets, each judged (options.arch and loadMode apply to
/// options.weightsKey's set, the others are detected). options.path names the file.
Result<CheckpointOverview> overviewCheckpoint(const InspectOptions& options);
class CheckpointFile;
CheckpointOverview overviewCheckpoint(const CheckpointFile& file, const InspectOptions& options);

/// Statistics of one tensor (a pass over its elements).
TensorSummary summarizeTensor(const NamedTensor& tensor);

/// A histogram of a tensor's finite values, as numpy.histogram(values[isfinite(values)], bins) makes it:
/// `bins` equal bins from the smallest to the largest finite value (the last one closed), or around the
/// value (+-0.5) when all are equal.
struct Histogram {
    std::vector<double> edges; ///< bins + 1 edges; empty when no value is finite
    std::vector<std::int64_t> counts;
    std::int64_t finite = 0;
    std::int64_t nan = 0;
    std::int64_t inf = 0;
};
Histogram tensorHistogram(const TensorData& tensor, int bins);

struct ShapeChange {
    std::string key;
    std::vector<std::int64_t> first;
    std::vector<std::int64_t> second;
};

struct TensorDifference {
    std::string key;
    double maxAbsDiff = 0; ///< max |a - b| over elements, computed in float64; NaN when either holds a NaN
    bool identical = false; ///< every element equal (NaN where the other has NaN), whatever the dtypes
    std::string firstDtype;
    std::string secondDtype;
};

/// Two checkpoints compared key by key (after unwrapping and prefix removal of each).
struct Comparison {
    std::string first;
    std::string second;
    std::vector<std::string> onlyInFirst; ///< first's order
    std::vector<std::string> onlyInSecond; ///< second's order
    std::vector<ShapeChange> shapeChanges;
    std::vector<TensorDifference> differences; ///< every common key with the same shape, first's order
    std::size_t identical = 0; ///< differences that are identical
    std::string firstKey; ///< the weight sets compared, by key path
    std::string secondKey;
};

/// Called after each common tensor with (done, total); returning false stops the comparison.
using CompareProgress = std::function<bool(std::size_t done, std::size_t total)>;

struct CompareOptions {
    std::string first;
    std::string second;
    std::string firstKey; ///< weight set of each, by key path; empty = the default one
    std::string secondKey;
};

/// Compares the tensors of two checkpoints. Like inspectCheckpoint() it reads files that would run code in
/// Python too (nothing is run; their dangers are reported by the inspection). A stopped comparison is an
/// error of kind Cancelled.
Result<Comparison> compareCheckpoints(const CompareOptions& options, const CompareProgress& progress = {});
inline Result<Comparison> compareCheckpoints(const std::string& first, const std::string& second)
{
    return compareCheckpoints(CompareOptions {first, second, {}, {}});
}

/// The same for two sets of tensors already read (their paths name them in the result).
Result<Comparison> compareTensorSets(const std::string& first, const std::vector<NamedTensor>& a,
                                     const std::string& second, const std::vector<NamedTensor>& b,
                                     const CompareProgress& progress = {});

} // namespace lens
