#include "inspect/Inspection.h"

#include "checkpoint/Checkpoint.h"
#include "labels/Labels.h"

#include <map>
#include <new>

namespace lens {

namespace {

TensorSummary summarize(const NamedTensor& named)
{
    const TensorData& tensor = named.tensor;
    TensorSummary summary;
    summary.name = named.name;
    summary.shape = tensor.shape;
    summary.dtype = dtypeName(tensor.dtype);
    summary.numel = tensor.numel();
    const TensorStats stats = tensorStats(tensor);
    summary.hasStats = stats.hasStats;
    summary.min = stats.min;
    summary.max = stats.max;
    summary.mean = stats.mean;
    summary.std = stats.std;
    summary.nanCount = stats.nanCount;
    summary.infCount = stats.infCount;
    return summary;
}

} // namespace

const char* loadVerdictName(LoadVerdict verdict)
{
    switch (verdict) {
    case LoadVerdict::Strict:
        return "strict";
    case LoadVerdict::Partial:
        return "partial";
    case LoadVerdict::Dangerous:
        return "dangerous";
    case LoadVerdict::Failed:
        break;
    }
    return "failed";
}

std::string verdictProblem(const Inspection& inspection)
{
    if (inspection.verdict != LoadVerdict::Dangerous)
        return inspection.problem;
    return dangerRefusal(inspection.dangers)
        + (inspection.problem.empty() ? "" : "; besides, " + inspection.problem);
}

Result<Inspection> inspectCheckpoint(const InspectOptions& options)
{
    // Everything the file holds is shown, dangerous or not; the verdict says what loading it means.
    ReadOptions read;
    read.allowUnsafeObjects = true;
    read.allowNoWeights = true;
    auto checkpoint = readCheckpoint(options.path, read);
    if (!checkpoint)
        return checkpoint.error();

    Inspection inspection;
    inspection.path = options.path;
    inspection.format = checkpoint->format;
    inspection.fixes = checkpoint->fixes;
    inspection.warnings = checkpoint->warnings;
    inspection.dangers = checkpoint->dangers;
    const bool dangerous = !inspection.dangers.empty() && !options.ignoreUnsafeObjects;
    const auto finish = [&] {
        if (dangerous)
            inspection.verdict = LoadVerdict::Dangerous;
        return inspection;
    };
    for (const auto& named : checkpoint->tensors) {
        inspection.tensors.push_back(summarize(named));
        inspection.totalElements += inspection.tensors.back().numel;
    }

    if (!checkpoint->problem.empty()) {
        inspection.problem = checkpoint->problem;
        return finish();
    }
    const ShapeList shapes = keyShapes(checkpoint->tensors);
    auto spec = resolveArchitecture(shapes, options.arch, inspection.fixes);
    if (!spec) {
        inspection.problem = spec.message();
        return finish();
    }
    inspection.architectureFound = true;
    inspection.architecture = *spec;
    inspection.parameterCount = parameterCount(*spec);

    LabelChoice labels = chooseLabels(options.labels, checkpoint->labels, spec->numClasses);
    inspection.labels = std::move(labels.names);
    inspection.labelSource = labels.source;
    if (labels.source == "checkpoint")
        inspection.fixes.push_back("class names taken from the checkpoint");
    if (static_cast<int>(inspection.labels.size()) != spec->numClasses)
        inspection.warnings.push_back("the label list has " + std::to_string(inspection.labels.size())
                                      + " names but the model has " + std::to_string(spec->numClasses)
                                      + " classes");

    inspection.report = matchStateDict(expectedShapes(*spec), shapes);
    if (const std::string converted = describeConversion(shapes, inspection.report); !converted.empty())
        inspection.fixes.push_back(converted);

    if (inspection.report.complete()) {
        inspection.verdict = LoadVerdict::Strict;
    } else if (options.loadMode == LoadMode::Strict || inspection.report.matched.empty()) {
        inspection.verdict = LoadVerdict::Failed;
        inspection.problem = inspection.report.matched.empty()
            ? "no key matches the architecture " + spec->name + ":" + inspection.report.describeProblems()
            : "does not match the model strictly:" + inspection.report.describeProblems();
    } else {
        inspection.verdict = LoadVerdict::Partial;
        inspection.problem = "loads only partially:" + inspection.report.describeProblems();
    }
    return finish();
}

Result<Comparison> compareCheckpoints(const std::string& first, const std::string& second)
{
    ReadOptions read;
    read.allowUnsafeObjects = true;
    auto a = readCheckpoint(first, read);
    if (!a)
        return a.error();
    auto b = readCheckpoint(second, read);
    if (!b)
        return b.error();
    Comparison comparison;
    comparison.first = first;
    comparison.second = second;
    std::map<std::string, const TensorData*> inSecond;
    for (const auto& [name, tensor] : b->tensors)
        inSecond.emplace(name, &tensor);
    std::map<std::string, bool> inFirst;
    for (const auto& [name, tensor] : a->tensors) {
        inFirst[name] = true;
        auto it = inSecond.find(name);
        if (it == inSecond.end()) {
            comparison.onlyInFirst.push_back(name);
            continue;
        }
        const TensorData& other = *it->second;
        if (tensor.shape != other.shape) {
            comparison.shapeChanges.push_back({name, tensor.shape, other.shape});
            continue;
        }
        comparison.differences.push_back({name, maxAbsDifference(tensor, other)});
    }
    for (const auto& [name, tensor] : b->tensors) {
        if (!inFirst.count(name))
            comparison.onlyInSecond.push_back(name);
    }
    return comparison;
}

} // namespace lens
