#pragma once

// The rows of a batch run, and what receives them. Every labelled file gives one row, handed in turn to
// each sink of the run: the output's writer first, then whatever else the run feeds (sorting into folders,
// an evaluation, maps saved as images). LibTorch-free.

#include "Result.h"
#include "model/Classification.h"

#include <string>
#include <vector>

namespace lens {

/// One file's row, as it was just written to the output.
struct BatchRow {
    std::string path;
    std::string error; ///< empty when the file was classified
    std::vector<ClassScore> top; ///< best first; empty on error
    std::vector<float> logits; ///< every class, when the run keeps them (BatchOptions::keepLogits)
};

/// Receives every row in turn. An error stops the run; rows already written stay.
class RowSink {
public:
    virtual ~RowSink() = default;
    virtual Result<void> write(const BatchRow& row) = 0;
    /// After the last row of a run that was not stopped by an error (also after a cancel).
    virtual Result<void> finish() { return {}; }
};

} // namespace lens
