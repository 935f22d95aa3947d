#pragma once

// The options of the commands that run a model over many files (batch, evaluate), parsed in one place:
// --batch-size, --topk, --threads, --fast-decode, --shard, the model (--weights-key, --arch, --device,
// --labels, --ignore-unsafe-objects), and the progress line both draw on stderr.

#include "Result.h"
#include "cli/Args.h"
#include "cli/WeightsOption.h"
#include "inference/Classifier.h"
#include "jobs/BatchRunner.h"

#include <chrono>
#include <string>
#include <utility>

namespace lens::cli {

/// --shard I/N, (0, 1) when not given; a bad value is a Usage error.
Result<std::pair<int, int>> shardOption(const Args& args);

/// The classifier of --weights (resolved), --weights-key, --arch, --device, --labels (read here) and
/// --ignore-unsafe-objects.
Result<ClassifierOptions> classifierOptions(const Args& args, const ResolvedWeights& weights);

/// Everything a model run over many files takes from the command line: --batch-size, --topk and --threads
/// (a bad value is a Usage error naming it, told before any checkpoint is looked for), resolveWeights(), its
/// preprocessing with --fast-decode, and classifierOptions().
struct ModelRunOptions {
    ResolvedWeights weights;
    BatchOptions pipeline;
    ClassifierOptions classifier;
};
Result<ModelRunOptions> modelRunOptions(const Args& args);

/// A progress line on stderr ("12/40 files  8.1 img/s  0 errors  ETA 3s"), redrawn at most 4 times a second.
class ProgressLine {
public:
    void update(const BatchProgress& p);
    /// Ends the line, when one was drawn.
    void finish();

private:
    std::chrono::steady_clock::time_point m_last {};
    bool m_shown = false;
};

/// "40 files in 5s (8.1 img/s)": the rate of a finished run.
std::string runRate(const BatchProgress& p);

} // namespace lens::cli
