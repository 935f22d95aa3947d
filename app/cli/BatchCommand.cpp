#include "batch/BatchRunner.h"
#include "batch/FileList.h"
#include "batch/SortInto.h"
#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/WeightsOption.h"
#include "inference/Classifier.h"
#include "inference/RuntimeCheck.h"
#include "io/Text.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace lens::cli {

namespace {

const char* kBatchUsage
    = "usage: resnet-lens-cli batch DIR... -o OUT.csv|OUT.jsonl [--weights W] [--weights-key PATH] [--arch "
      "A]\n"
      "       [--preset v1|v2]\n"
      "       [--recursive] [--resume] [--batch-size N] [--topk K] [--threads N] [--shard I/N] [--device D]\n"
      "       [--fast-decode] [--quiet] [--sort-into DIR [--sort-mode link|copy] [--dry-run]]\n"
      "       [--ignore-unsafe-objects]\n"
      "Labels every file in the folders, one row per file (an error row for files that are not readable\n"
      "images). Rows are appended as they finish; --resume continues a run that was interrupted.\n"
      "--fast-decode decodes large JPEGs at a reduced scale (faster, no longer bit-exact with torchvision).\n"
      "--sort-into DIR links (or copies) each image labelled in this run into DIR/<top-1 label>/;\n"
      "--dry-run prints what it would do instead. A checkpoint whose pickle would run code when loaded in\n"
      "Python is refused; --ignore-unsafe-objects uses its tensors anyway (nothing in it is run either way).";

std::string clock(double seconds)
{
    const long s = static_cast<long>(seconds + 0.5);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

// A progress line on stderr, redrawn at most 4 times a second.
class ProgressLine {
public:
    void update(const BatchProgress& p)
    {
        const auto now = std::chrono::steady_clock::now();
        if (p.done < p.total && now - m_last < std::chrono::milliseconds(250))
            return;
        m_last = now;
        const double rate = p.seconds > 0 ? p.done / p.seconds : 0;
        const std::string eta = rate > 0 ? clock((p.total - p.done) / rate) : "?";
        std::fprintf(stderr, "\r  %zu/%zu files  %.1f img/s  %zu errors  ETA %s   ", p.done, p.total, rate,
                     p.failed, eta.c_str());
        std::fflush(stderr);
        m_shown = true;
    }
    void finish()
    {
        if (m_shown)
            std::fputc('\n', stderr);
    }

private:
    std::chrono::steady_clock::time_point m_last {};
    bool m_shown = false;
};

} // namespace

int batchCommand(const std::vector<std::string>& words)
{
    Args args({"-o", "--output", "--weights", "--weights-key", "--arch", "--preset", "--batch-size", "--topk",
               "--threads", "--shard", "--device", "--sort-into", "--sort-mode"},
              {"--recursive", "--resume", "--quiet", "--fast-decode", "--dry-run", "--ignore-unsafe-objects",
               "--help"});
    if (auto exit = parseCommandLine(args, words, kBatchUsage))
        return *exit;
    const std::string output = args.value("-o", args.value("--output", ""));
    if (args.positionals().empty() || output.empty()) {
        printError(std::string("batch needs at least one folder and -o OUT.csv|OUT.jsonl\n") + kBatchUsage);
        return Usage;
    }
    BatchOptions options;
    for (const auto& problem : {args.intValue("--batch-size", 8, 1, 1024, options.batchSize),
                                args.intValue("--topk", 5, 1, 1000, options.topk),
                                args.intValue("--threads", 0, 0, 256, options.decodeThreads)}) {
        if (!problem.empty()) {
            printError(problem);
            return Usage;
        }
    }
    FileListOptions listing;
    listing.recursive = args.flag("--recursive");
    listing.exclude = batchOutputFiles(output);
    if (auto shard = args.value("--shard")) {
        auto parsed = parseShard(*shard);
        if (!parsed) {
            printError(parsed.message());
            return Usage;
        }
        std::tie(listing.shardIndex, listing.shardCount) = *parsed;
    }
    std::error_code folderError;
    if (auto format = BatchWriter::formatFor(output);
        !format && !std::filesystem::is_directory(output, folderError)) {
        printError(terminalSafe(format.message()));
        return Usage;
    }
    SortOptions sorting;
    const std::string sortFolder = args.value("--sort-into", "");
    const std::string sortMode = args.value("--sort-mode", "link");
    if (sortMode != "link" && sortMode != "copy") {
        printError("--sort-mode must be link or copy, got '" + sortMode + "'");
        return Usage;
    }
    sorting.mode = args.flag("--dry-run") ? SortOptions::Mode::DryRun
        : sortMode == "copy"              ? SortOptions::Mode::Copy
                                          : SortOptions::Mode::Link;
    const bool quiet = args.flag("--quiet");
    const auto warn = [&](const std::string& warning) {
        if (!quiet)
            printError("warning: " + terminalSafe(warning));
    };

    // Before anything slow: a second run on the same output, or an output that cannot be one, fails at once.
    const bool resume = args.flag("--resume");
    auto lock = BatchOutputLock::acquire(output, resume);
    if (!lock) {
        printError(terminalSafe(lock.message()));
        return Failure;
    }
    if (!sortFolder.empty()) {
        if (auto usable = checkSortFolder(sortFolder); !usable) {
            printError(terminalSafe(usable.message()));
            return Failure;
        }
    }

    bool usageError = false;
    auto weights = resolveWeights(args, usageError);
    if (!weights) {
        printError(weights.message());
        return usageError ? Usage : Failure;
    }
    options.preprocess = weights->preset;
    if (args.flag("--fast-decode"))
        options.decode.reduceToShortSide = fastDecodeShortSide(options.preprocess);

    auto listed = listFiles(args.positionals(), listing);
    if (!listed) {
        printError(terminalSafe(listed.message()));
        return Failure;
    }
    const std::vector<std::string>& files = listed->files;
    for (const auto& warning : listed->warnings)
        warn(warning);

    ClassifierOptions classifierOptions;
    classifierOptions.weights = weights->path;
    classifierOptions.weightsKey = args.value("--weights-key", "");
    classifierOptions.arch = args.value("--arch", "");
    classifierOptions.device = args.value("--device", "cpu");
    classifierOptions.allowUnsafeObjects = args.flag("--ignore-unsafe-objects");
    auto classifier = Classifier::create(classifierOptions);
    if (!classifier) {
        printError(checkpointError(classifier.error()));
        return Failure;
    }

    if (const std::string others = otherWeightSetsNote((*classifier)->otherWeightSets()); !others.empty())
        warn(others);
    // A weight set picked by key is part of which weights the output was written with.
    const std::string weightsName = classifierOptions.weightsKey.empty()
        ? weights->path
        : weights->path + "#" + (*classifier)->weightsKey();
    RunInfo run {(*classifier)->architecture().name, weightsName, weights->presetName,
                 (*classifier)->deviceName(), options.topk};
    PriorRows prior;
    auto writer = BatchWriter::open(std::move(*lock), run, prior);
    if (!writer) {
        printError(terminalSafe(writer.message()));
        return Failure;
    }
    for (const auto& note : prior.notes)
        warn(note);
    std::vector<std::string> todo;
    for (const auto& file : files) {
        if (!prior.done.count(file))
            todo.push_back(file);
    }

    int sortFailures = 0;
    const auto place = [&](const std::string& path, const std::string& label) {
        auto placed = sortInto(sortFolder, path, label, sorting);
        if (!placed) {
            printError(terminalSafe(placed.message()));
            ++sortFailures;
        } else if (sorting.mode == SortOptions::Mode::DryRun && placed->changed) {
            std::cout << "would " << sortMode << " " << terminalSafe(path) << " -> "
                      << terminalSafe(placed->path) << "\n";
        }
    };
    if (!sortFolder.empty()) {
        if (sorting.mode != SortOptions::Mode::DryRun)
            removeLeftoverCopies(sortFolder);
        // Files labelled before: finish what an interrupted run left undone (placing is idempotent).
        for (const auto& file : files) {
            const auto row = prior.done.find(file);
            if (row != prior.done.end() && !row->second.empty())
                place(file, row->second);
        }
        options.onRow = [&](const BatchRow& row) {
            if (row.error.empty() && !row.top.empty())
                place(row.path, row.top.front().label);
        };
    }

    if (!quiet) {
        for (const auto& warning : runtimeWarnings())
            printError("warning: " + warning);
    }
    ProgressLine line;
    BatchProgressCallback progress;
    if (!quiet && ::isatty(STDERR_FILENO))
        progress = [&](const BatchProgress& p) { line.update(p); };
    auto result = runBatch(**classifier, todo, *writer, options, progress);
    line.finish();
    if (!result) {
        printError(terminalSafe(result.message()));
        return Failure;
    }
    if (!quiet) {
        const double rate = result->seconds > 0 ? result->done / result->seconds : 0;
        std::string before;
        if (files.size() > todo.size())
            before += ", " + std::to_string(files.size() - todo.size()) + " done before";
        if (prior.errorRows > 0)
            before += " (the output holds " + std::to_string(prior.errorRows) + " error rows from before)";
        if (!listed->warnings.empty())
            before += ", " + std::to_string(listed->warnings.size()) + " unreadable entries skipped";
        std::fprintf(stderr, "resnet-lens-cli: %zu files in %s (%.1f img/s): %zu ok, %zu errors%s -> %s\n",
                     result->done, clock(result->seconds).c_str(), rate, result->done - result->failed,
                     result->failed, before.c_str(), terminalSafe(output).c_str());
    }
    // The status describes the whole output, rows from earlier runs included, and what was left out.
    const bool complete
        = result->failed == 0 && prior.errorRows == 0 && sortFailures == 0 && listed->warnings.empty();
    return complete ? Success : Partial;
}

} // namespace lens::cli
