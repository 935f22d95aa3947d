#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/JobOptions.h"
#include "cli/WeightsOption.h"
#include "inference/RuntimeCheck.h"
#include "io/AtomicFile.h"
#include "io/FileChecks.h"
#include "io/Text.h"
#include "jobs/EvaluationJob.h"
#include "jobs/EvaluationPlots.h"

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace lens::cli {

namespace {

const char* kEvaluateUsage
    = "usage: resnet-lens-cli evaluate DIR... [-o REPORT.json] [--predictions OUT.csv|OUT.jsonl]\n"
      "       [--confusion OUT.csv] [--plots DIR] [--weights W] [--weights-key PATH] [--arch A]\n"
      "       [--preset v1|v2] [--labels FILE] [--class-map FILE] [--ignore-unknown] [--recursive]\n"
      "       [--topk K] [--batch-size N] [--threads N] [--resume] [--shard I/N] [--device D] "
      "[--fast-decode]\n"
      "       [--precision fp32|bf16] [--ignore-unsafe-objects] [--quiet]\n"
      "       resnet-lens-cli evaluate --merge PRED.csv|PRED.jsonl... -o REPORT.json [--confusion OUT.csv]\n"
      "       [--plots DIR] [--quiet]\n"
      "Evaluates the model on folders in ImageFolder's layout (one subfolder per true class): top-1 and "
      "top-k\n"
      "accuracy with 95% Wilson intervals, per-class precision, recall and F1, the confusion matrix, the\n"
      "expected calibration error (15 bins) and the mean negative log-likelihood. A folder's class is the\n"
      "checkpoint's class of that name, else the --class-map line for it (folder<TAB>index or\n"
      "folder<TAB>class name), else the model's class of that name (ignoring case, '_' and spaces), else\n"
      "ImageFolder's rule (sorted folder names are the classes 0..N-1; needs exactly N folders). Folders "
      "that\n"
      "map to no class are an error unless --ignore-unknown. Files that do not decode are error rows, "
      "counted\n"
      "and listed. --predictions keeps one row per image (the batch row plus the true class); --resume\n"
      "continues it, --shard I/N evaluates one shard, --merge rebuilds the report from the shards' files.\n"
      "--precision bf16 runs bfloat16 convolutions (see batch).\n"
      "Exit 0 when every file was evaluated, 3 when some did not decode.";

Result<void> writeOutputs(const EvaluationReport& report, const Args& args)
{
    if (auto path = args.value("-o", args.value("--output", "")); !path.empty()) {
        if (auto written = writeFileAtomically(path, reportJson(report)); !written)
            return written;
    }
    if (auto path = args.value("--confusion", ""); !path.empty()) {
        if (auto written = writeFileAtomically(path, confusionCsv(report)); !written)
            return written;
    }
    if (auto folder = args.value("--plots", ""); !folder.empty()) {
        if (auto written = writeEvaluationPlots(report, folder); !written)
            return written;
    }
    return {};
}

std::string percent(double fraction)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", 100 * fraction);
    return text;
}

std::string proportionLine(const char* name, const Proportion& p)
{
    char text[160];
    std::snprintf(text, sizeof text, "  %-6s %8s  (95%% CI %.2f%%-%.2f%%)  %zu/%zu\n", name,
                  percent(p.value).c_str(), 100 * p.low, 100 * p.high, p.hits, p.total);
    return text;
}

// The readable summary: the headline numbers, then the ten worst classes.
void printSummary(const EvaluationReport& report)
{
    std::string out = "evaluated " + std::to_string(report.images) + " images";
    if (report.errors > 0)
        out += " (" + std::to_string(report.errors) + (report.errors == 1 ? " file" : " files")
            + " did not decode)";
    out += " of " + std::to_string(report.classes.size()) + " classes, folders mapped by rule '"
        + report.mappingRule + "'\n";
    out += proportionLine("top-1", report.top1);
    out += proportionLine("top-5", report.top5);
    if (report.topk != 1 && report.topk != 5)
        out += proportionLine(("top-" + std::to_string(report.topk)).c_str(), report.topK);
    char line[200];
    std::snprintf(line, sizeof line, "  mean class accuracy %s   ECE %.4f   NLL %.4f\n",
                  percent(report.meanClassAccuracy).c_str(), report.ece, report.nll);
    out += line;
    const auto worst = worstClasses(report, 10);
    if (!worst.empty()) {
        out += "worst classes:\n";
        std::snprintf(line, sizeof line, "  %-28s %7s %7s %8s %9s %6s  %s\n", "class", "images", "correct",
                      "recall", "precision", "F1", "most often mistaken for");
        out += line;
        for (const ClassResult* c : worst) {
            std::string name = std::to_string(c->index) + " " + c->name;
            if (name.size() > 28)
                name = name.substr(0, 27) + "~";
            const std::string confused = c->confusedWith < 0
                ? "-"
                : c->confusedWithName + " (" + std::to_string(c->confusedCount) + ")";
            std::snprintf(line, sizeof line, "  %-28s %7zu %7zu %8s %9s %6.3f  ", name.c_str(), c->images,
                          c->correct, percent(c->recall).c_str(), percent(c->precision).c_str(), c->f1);
            out += line + confused + "\n";
        }
    }
    if (!report.failed.empty()) {
        out += "files that did not decode:\n";
        for (std::size_t i = 0; i < report.failed.size() && i < 10; ++i)
            out += "  " + report.failed[i].path + ": " + report.failed[i].error + "\n";
        if (report.failed.size() > 10)
            out += "  and " + std::to_string(report.failed.size() - 10) + " more (see the report)\n";
    }
    std::cout << terminalSafe(out, /*keepNewlines=*/true) << std::flush;
}

int mergeCommand(const Args& args)
{
    if (args.positionals().empty() || args.value("-o", args.value("--output", "")).empty()) {
        printError(std::string("evaluate --merge needs predictions files and -o REPORT.json\n")
                   + kEvaluateUsage);
        return Usage;
    }
    auto report = mergePredictions(args.positionals());
    if (!report)
        return fail(report.error());
    if (auto written = writeOutputs(*report, args); !written)
        return fail(written.error());
    if (!args.flag("--quiet"))
        printSummary(*report);
    return report->errors == 0 ? Success : Partial;
}

} // namespace

int evaluateCommand(const std::vector<std::string>& words)
{
    Args args({"-o", "--output", "--predictions", "--confusion", "--plots", "--weights", "--weights-key",
               "--arch", "--preset", "--labels", "--class-map", "--batch-size", "--topk", "--threads",
               "--shard", "--device", "--precision"},
              {"--merge", "--recursive", "--resume", "--quiet", "--fast-decode", "--ignore-unknown",
               "--ignore-unsafe-objects", "--help"});
    if (auto exit = parseCommandLine(args, words, kEvaluateUsage))
        return *exit;
    if (args.flag("--merge"))
        return mergeCommand(args);
    if (args.positionals().empty()) {
        printError(std::string("evaluate needs at least one folder\n") + kEvaluateUsage);
        return Usage;
    }
    EvaluationOptions options;
    options.roots = args.positionals();
    options.recursive = args.flag("--recursive");
    options.classMapFile = args.value("--class-map", "");
    options.ignoreUnknown = args.flag("--ignore-unknown");
    options.predictions = args.value("--predictions", "");
    options.resume = args.flag("--resume");
    if (options.resume && options.predictions.empty()) {
        printError("--resume continues a --predictions file: name it");
        return Usage;
    }
    if (!options.predictions.empty()) {
        if (auto format = BatchWriter::formatFor(options.predictions); !format)
            return fail(format.error());
    }
    auto shard = shardOption(args);
    if (!shard)
        return fail(shard.error());
    std::tie(options.shardIndex, options.shardCount) = *shard;
    if (const std::string report = args.value("-o", args.value("--output", "")); !report.empty()) {
        if (auto target = outputFilePath(report); !target)
            return fail(target.error());
    }

    auto model = modelRunOptions(args);
    if (!model)
        return fail(model.error());
    options.pipeline = model->pipeline;
    options.presetName = model->weights.presetName;
    options.classifier = model->classifier;

    const bool quiet = args.flag("--quiet");
    const auto warn = [&](const std::string& warning) {
        if (!quiet)
            printError("warning: " + warning);
    };
    auto prepared = EvaluationJob::prepare(options, warn);
    if (!prepared)
        return failWeights(prepared.error());
    EvaluationJob& job = *prepared;
    if (!quiet) {
        for (const auto& warning : runtimeWarnings(job.batch().classifier()))
            printError("warning: " + warning);
        printError(job.mapping().description);
    }

    ProgressLine line;
    BatchProgressCallback progress;
    if (!quiet && ::isatty(STDERR_FILENO))
        progress = [&](const BatchProgress& p) { line.update(p); };
    auto outcome = job.run(progress);
    line.finish();
    if (!outcome)
        return fail(outcome.error());
    if (auto written = writeOutputs(outcome->report, args); !written)
        return fail(written.error());
    if (!quiet) {
        std::string before;
        if (outcome->summary.doneBefore > 0)
            before = ", " + std::to_string(outcome->summary.doneBefore) + " done before";
        printError(runRate(outcome->summary.progress) + before);
        printSummary(outcome->report);
    }
    return outcome->summary.complete() && outcome->report.errors == 0 ? Success : Partial;
}

} // namespace lens::cli
