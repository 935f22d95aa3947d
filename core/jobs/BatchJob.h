#pragma once

// A labelling run as one use case, the same for `resnet-lens-cli batch`, the app's Label Folder and the
// commands built on it (evaluate, class activation maps): check and lock the output, list the files (minus
// the output and the files kept beside it), create the classifier, open the output or resume it (its
// header must match this run), skip the files already done, then run the pipeline, handing every row that
// was written to the job's other sinks. The front ends only turn options into BatchJobOptions and show
// progress and results.
//
// Threading: prepare() and run() block their caller, which then owns the job and its classifier; sinks,
// the progress callback and warnings are called on that thread. cancel may be set from any thread.

#include "Result.h"
#include "batch/BatchWriter.h"
#include "batch/FileList.h"
#include "inference/Classifier.h"
#include "jobs/BatchRunner.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lens {

struct BatchJobOptions {
    /// Folders (or single files) to label.
    std::vector<std::string> roots;
    /// Recursion and shard of the file list (FileListOptions::exclude is filled by the job).
    FileListOptions listing;
    /// The CSV or JSON Lines output.
    std::string output;
    /// Continue an existing output (after a crash, a kill, a cancel); otherwise an existing one is refused.
    bool resume = false;
    /// The model.
    ClassifierOptions classifier;
    /// The preprocessing preset's name for the output's header ("v1", "v2", "custom").
    std::string presetName;
    /// Batch size, top-k, decode threads, preprocessing, decoding.
    BatchOptions pipeline;
    /// Columns the output has after the batch columns, and their values for each row (RunInfo).
    std::vector<std::string> extraColumns;
    ExtraCells extraCells;
};

/// What a finished (or cancelled) run did, beside the counts of this run.
struct BatchJobSummary {
    BatchProgress progress; ///< this run's rows
    std::size_t listed = 0; ///< files listed
    std::size_t doneBefore = 0; ///< of which the output already held a row
    std::size_t errorRowsBefore = 0; ///< error rows the output held before this run
    std::size_t skippedEntries = 0; ///< unreadable folders and links skipped while listing
    bool cancelled = false;

    /// The whole output labels every listed file without an error, and nothing was skipped: exit 0.
    bool complete() const
    {
        return !cancelled && progress.failed == 0 && errorRowsBefore == 0 && skippedEntries == 0;
    }
};

class BatchJob {
public:
    /// Everything before the first image: each step's error names what is wrong. `warn` receives what a user
    /// should know (skipped folders, repaired output lines); it may be empty.
    static Result<BatchJob> prepare(BatchJobOptions options,
                                    const std::function<void(const std::string&)>& warn = {});
    /// The same with a classifier made already (options.classifier then only names it), for a use case
    /// that needs the model before it knows what to list (an evaluation's class folders).
    static Result<BatchJob> prepare(BatchJobOptions options, std::unique_ptr<Classifier> classifier,
                                    const std::function<void(const std::string&)>& warn = {});

    BatchJob(BatchJob&&) noexcept;
    BatchJob& operator=(BatchJob&&) noexcept;
    ~BatchJob();

    const Classifier& classifier() const;
    /// Every listed file, and those this run labels (the rest the output already holds).
    const std::vector<std::string>& files() const;
    const std::vector<std::string>& todo() const;
    /// What the output held before this run (path -> top-1 label, "" for error rows).
    const PriorRows& prior() const;
    const BatchJobOptions& options() const;

    /// Adds a sink that sees every row after the output has it (the job does not own it; it must outlive
    /// run()).
    void addSink(RowSink& sink);
    /// Adds a sink that sees every row before the output has it, for what must exist for every row the
    /// output holds (such as its map image): a run killed between the two redoes the row when resumed.
    void addSinkBeforeOutput(RowSink& sink);

    /// Labels todo(); an error only when the run cannot go on (the output or a sink cannot be written).
    Result<BatchJobSummary> run(const BatchProgressCallback& progress = {},
                                const std::atomic<bool>* cancel = nullptr);

private:
    struct State;
    explicit BatchJob(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

} // namespace lens
