#pragma once

// The outcome of matching a checkpoint's keys against a model: every key, by status. Free of LibTorch so
// that the GUI can show it.

#include "Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

struct ShapeMismatch {
    std::string key;
    std::vector<std::int64_t> expected; ///< the model's shape
    std::vector<std::int64_t> actual; ///< the checkpoint's shape
};

struct LoadReport {
    std::vector<std::string> matched; ///< loaded into the model
    std::vector<std::string> missing; ///< the model has them, the checkpoint does not (initial values kept)
    std::vector<std::string> unexpected; ///< the checkpoint has them, the model does not
    std::vector<ShapeMismatch> mismatched; ///< both have them with different shapes (not loaded)
    std::vector<std::string> converted; ///< loaded after a dtype conversion (e.g. float16 -> float32)

    /// True when every model key was loaded (num_batches_tracked is optional) and nothing was left over.
    bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
    /// One paragraph naming every key that did not load, for error messages.
    std::string describeProblems() const;
};

enum class LoadMode {
    Strict, ///< refuse unless every key matches; the model is left untouched on refusal
    Partial, ///< load what matches, report the rest
};

std::string shapeToString(const std::vector<std::int64_t>& shape);

/// The error of a Strict load whose report is incomplete: every bad key, named after sourceName.
Error strictMismatchError(const LoadReport& report, const std::string& sourceName);

} // namespace lens
