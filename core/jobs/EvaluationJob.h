#pragma once

// An evaluation run as one use case, the same for `resnet-lens-cli evaluate` and the app's Evaluate Folder:
// map the class folders (Evaluation.h), label every image of the mapped folders with a BatchJob whose output
// is the predictions file (the batch columns plus the evaluation's), then build the report from every row
// of that file (the rows of earlier runs on --resume, and this run's). The report is built from the
// records as they read back from the file, so a resumed run, a merge of shards and one run give the same
// report to the last bit.
//
// Threading: prepare() and run() block their caller, which then owns the job and its classifier; the
// progress callback and warnings are called on that thread. cancel may be set from any thread; a cancelled
// run returns the report of the rows done so far (EvaluationOutcome::summary.cancelled).

#include "Result.h"
#include "jobs/BatchJob.h"
#include "jobs/Evaluation.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lens {

struct EvaluationOptions {
    /// Folders in ImageFolder's layout: one subfolder per true class.
    std::vector<std::string> roots;
    /// Files below each class folder too (not only directly in it).
    bool recursive = false;
    /// This process's shard, 0-based, of shardCount (FileListOptions).
    int shardIndex = 0;
    int shardCount = 1;
    /// The class mapping's inputs beside the model's names (class map file, ignore unknown folders).
    std::string classMapFile;
    bool ignoreUnknown = false;
    /// The predictions file (.csv or .jsonl); "" = a temporary file, removed when the job ends (no resume).
    std::string predictions;
    /// Continue an existing predictions file.
    bool resume = false;
    /// The model, as for a batch run (ClassifierOptions::labels is --labels).
    ClassifierOptions classifier;
    /// "v1", "v2" or "custom", for the header.
    std::string presetName;
    /// Batch size, top-k of the rows, threads, preprocessing, decoding (keepLogits is set by the job).
    BatchOptions pipeline;
};

struct EvaluationOutcome {
    BatchJobSummary summary; ///< this run's rows (complete() is false when some file did not decode)
    EvaluationReport report; ///< of every row of the predictions file
};

class EvaluationJob {
public:
    /// Everything before the first image: the class mapping, the file list, the model, the predictions
    /// file. Each error names what is wrong (unknown folders by name). `warn` receives what a user should
    /// know (files outside class folders, skipped entries, repaired rows); it may be empty.
    static Result<EvaluationJob> prepare(EvaluationOptions options,
                                         const std::function<void(const std::string&)>& warn = {});

    EvaluationJob(EvaluationJob&&) noexcept;
    EvaluationJob& operator=(EvaluationJob&&) noexcept;
    ~EvaluationJob();

    const ClassMapping& mapping() const;
    /// The batch job underneath: files(), todo(), classifier().
    const BatchJob& batch() const;
    const EvaluationOptions& options() const;

    /// Labels the images still to do and builds the report. An error only when the run cannot go on (the
    /// predictions file cannot be written or read back).
    Result<EvaluationOutcome> run(const BatchProgressCallback& progress = {},
                                  const std::atomic<bool>* cancel = nullptr);

private:
    struct State;
    explicit EvaluationJob(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

} // namespace lens
