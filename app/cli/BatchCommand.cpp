#include "batch/SortInto.h"
#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/JobOptions.h"
#include "cli/WeightsOption.h"
#include "inference/Classifier.h"
#include "inference/RuntimeCheck.h"
#include "io/Text.h"
#include "jobs/BatchJob.h"
#include "jobs/CamExport.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace lens::cli {

namespace {

const char* kBatchUsage
    = "usage: resnet-lens-cli batch DIR... -o OUT.csv|OUT.jsonl [--weights W] [--weights-key PATH] [--arch "
      "A]\n"
      "       [--preset v1|v2] [--recursive] [--resume] [--batch-size N] [--topk K] [--threads N] [--shard "
      "I/N] [--device D]\n"
      "       [--precision fp32|bf16]\n"
      "       [--fast-decode] [--quiet] [--sort-into DIR [--sort-mode link|copy] [--dry-run]]\n"
      "       [--ignore-unsafe-objects] [--cam-dir DIR [--colormap NAME] [--alpha A]]\n"
      "Labels every file in the folders, one row per file (an error row for files that are not readable\n"
      "images). Rows are appended as they finish; --resume continues a run that was interrupted.\n"
      "--fast-decode decodes large JPEGs at a reduced scale (faster, no longer bit-exact with torchvision).\n"
      "--sort-into DIR links (or copies) each image labelled in this run into DIR/<top-1 label>/;\n"
      "--cam-dir DIR writes each image's top-1 activation map over the photo as DIR/<file name>.cam.png.\n"
      "--dry-run prints what it would do instead. A checkpoint whose pickle would run code when loaded in\n"
      "Python is refused; --ignore-unsafe-objects uses its tensors anyway (nothing in it is run either "
      "way).\n"
      "--precision bf16 runs bfloat16 convolutions with fp32 accumulation (faster on CPUs with AVX512_BF16 "
      "or\n"
      "AMX; the logits drift slightly); fp32, the default, is the exact mode.";

} // namespace

int batchCommand(const std::vector<std::string>& words)
{
    Args args({"-o", "--output", "--weights", "--weights-key", "--arch", "--preset", "--batch-size", "--topk",
               "--threads", "--shard", "--device", "--precision", "--sort-into", "--sort-mode", "--cam-dir",
               "--colormap", "--alpha"},
              {"--recursive", "--resume", "--quiet", "--fast-decode", "--dry-run", "--ignore-unsafe-objects",
               "--help"});
    if (auto exit = parseCommandLine(args, words, kBatchUsage))
        return *exit;
    const std::string output = args.value("-o", args.value("--output", ""));
    if (args.positionals().empty() || output.empty()) {
        printError(std::string("batch needs at least one folder and -o OUT.csv|OUT.jsonl\n") + kBatchUsage);
        return Usage;
    }
    BatchJobOptions job;
    job.roots = args.positionals();
    job.output = output;
    job.resume = args.flag("--resume");
    job.listing.recursive = args.flag("--recursive");
    auto shard = shardOption(args);
    if (!shard)
        return fail(shard.error());
    std::tie(job.listing.shardIndex, job.listing.shardCount) = *shard;
    std::error_code folderError;
    if (auto format = BatchWriter::formatFor(output);
        !format && !std::filesystem::is_directory(output, folderError)) {
        printError(format.message());
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
            printError("warning: " + warning);
    };
    if (!sortFolder.empty()) {
        if (auto usable = checkSortFolder(sortFolder); !usable) {
            printError(usable.message());
            return Failure;
        }
    }

    auto model = modelRunOptions(args);
    if (!model)
        return fail(model.error());
    job.pipeline = model->pipeline;
    job.presetName = model->weights.presetName;
    job.classifier = model->classifier;

    auto camOption = camDirOption(args);
    if (!camOption)
        return fail(camOption.error());
    const std::string& camDir = camOption->folder;
    if (!camDir.empty()) {
        job.pipeline.keepMaps = true;
        job.listing.excludeFolders.push_back(camDir); // maps are not images to label
    }
    if (!sortFolder.empty())
        job.listing.excludeFolders.push_back(sortFolder);

    auto prepared = BatchJob::prepare(job, warn);
    if (!prepared)
        return failWeights(prepared.error());
    BatchJob& run = *prepared;
    if (const std::string others = otherWeightSetsNote(run.classifier().otherWeightSets()); !others.empty())
        warn(others);

    std::optional<SortSink> sort;
    if (!sortFolder.empty()) {
        sort.emplace(sortFolder, sorting, [&](const std::string& image, const Result<Placement>& placed) {
            if (!placed)
                printError(placed.message());
            else if (sorting.mode == SortOptions::Mode::DryRun && placed->changed)
                std::cout << "would " << sortMode << " " << terminalSafe(image) << " -> "
                          << terminalSafe(placed->path) << "\n";
        });
        std::vector<std::pair<std::string, std::string>> earlier;
        for (const auto& file : run.files()) {
            const auto row = run.prior().done.find(file);
            if (row != run.prior().done.end() && !row->second.empty())
                earlier.emplace_back(file, row->second);
        }
        sort->start(earlier);
        run.addSink(*sort);
    }

    std::optional<CamSink> maps;
    if (!camDir.empty()) {
        maps.emplace(camDir, run.files(), job.pipeline.preprocess, job.pipeline.decode, camOption->overlay);
        run.addSinkBeforeOutput(*maps);
    }

    if (!quiet) {
        for (const auto& warning : runtimeWarnings(run.classifier()))
            printError("warning: " + warning);
    }
    ProgressLine line;
    BatchProgressCallback progress;
    if (!quiet && ::isatty(STDERR_FILENO))
        progress = [&](const BatchProgress& p) { line.update(p); };
    auto result = run.run(progress);
    line.finish();
    if (!result)
        return fail(result.error());
    if (!quiet) {
        const BatchProgress& p = result->progress;
        std::string before;
        if (result->doneBefore > 0)
            before += ", " + std::to_string(result->doneBefore) + " done before";
        if (result->errorRowsBefore > 0)
            before += " (the output holds " + std::to_string(result->errorRowsBefore)
                + " error rows from before)";
        if (result->skippedEntries > 0)
            before += ", " + std::to_string(result->skippedEntries) + " unreadable entries skipped";
        printError(runRate(p) + ": " + std::to_string(p.done - p.failed) + " ok, " + std::to_string(p.failed)
                   + " errors" + before + " -> " + output);
    }
    // The status describes the whole output, rows from earlier runs included, and what was left out.
    const bool complete = result->complete() && (!sort || sort->failures() == 0);
    return complete ? Success : Partial;
}

} // namespace lens::cli
