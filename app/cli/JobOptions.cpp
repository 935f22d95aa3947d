#include "cli/JobOptions.h"

#include "batch/FileList.h"
#include "cli/WeightsOption.h"
#include "io/Text.h"
#include "labels/Labels.h"

#include <cstdio>

namespace lens::cli {

Result<std::pair<int, int>> shardOption(const Args& args)
{
    const auto shard = args.value("--shard");
    if (!shard)
        return std::pair<int, int> {0, 1};
    auto parsed = parseShard(*shard);
    if (!parsed)
        return Error {parsed.message(), ErrorKind::Usage, *shard};
    return *parsed;
}

Result<ClassifierOptions> classifierOptions(const Args& args, const ResolvedWeights& weights)
{
    auto precision = precisionOption(args);
    if (!precision)
        return precision.error();
    ClassifierOptions options;
    options.precision = *precision;
    options.weights = weights.path;
    options.weightsKey = args.value("--weights-key", "");
    options.arch = args.value("--arch", "");
    options.device = args.value("--device", "cpu");
    options.allowUnsafeObjects = args.flag("--ignore-unsafe-objects");
    if (auto labelFile = args.value("--labels")) {
        auto labels = readLabelFile(*labelFile);
        if (!labels)
            return labels.error();
        options.labels = std::move(*labels);
    }
    return options;
}

Result<ModelRunOptions> modelRunOptions(const Args& args)
{
    // The numbers first: a usage error is told before any checkpoint is looked for.
    BatchOptions pipeline;
    for (const auto& problem : {args.intValue("--batch-size", 8, 1, 1024, pipeline.batchSize),
                                args.intValue("--topk", 5, 1, 1000, pipeline.topk),
                                args.intValue("--threads", 0, 0, 256, pipeline.decodeThreads)}) {
        if (!problem.empty())
            return Error {problem, ErrorKind::Usage};
    }
    auto weights = resolveWeights(args);
    if (!weights)
        return weights.error();
    pipeline.preprocess = weights->preset;
    if (args.flag("--fast-decode"))
        pipeline.decode.reduceToShortSide = fastDecodeShortSide(pipeline.preprocess);
    auto classifier = classifierOptions(args, *weights);
    if (!classifier)
        return classifier.error();
    return ModelRunOptions {std::move(*weights), std::move(pipeline), std::move(*classifier)};
}

void ProgressLine::update(const BatchProgress& p)
{
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - m_last < std::chrono::milliseconds(250))
        return;
    m_last = now;
    const double rate = p.seconds > 0 ? p.done / p.seconds : 0;
    const std::string eta = rate > 0 ? formatDuration((p.total - p.done) / rate) : "?";
    std::fprintf(stderr, "\r  %zu/%zu files  %.1f img/s  %zu errors  ETA %s   ", p.done, p.total, rate,
                 p.failed, eta.c_str());
    std::fflush(stderr);
    m_shown = true;
}

void ProgressLine::finish()
{
    if (m_shown)
        std::fputc('\n', stderr);
}

std::string runRate(const BatchProgress& p)
{
    const double rate = p.seconds > 0 ? p.done / p.seconds : 0;
    char rateText[32];
    std::snprintf(rateText, sizeof rateText, "%.1f", rate);
    return std::to_string(p.done) + " files in " + formatDuration(p.seconds) + " (" + rateText + " img/s)";
}

} // namespace lens::cli
