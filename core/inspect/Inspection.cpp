#include "inspect/Inspection.h"

#include "checkpoint/Checkpoint.h"
#include "labels/Labels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <new>

namespace lens {

namespace {

/// How a weight set's keys and shapes fit an architecture.
struct Judgement {
    bool architectureFound = false;
    ResNetSpec architecture;
    LoadReport report;
    LoadVerdict verdict = LoadVerdict::Failed;
    std::string problem;
};

Judgement judge(const ShapeList& shapes, const std::string& arch, LoadMode mode,
                std::vector<std::string>& fixes)
{
    Judgement out;
    auto spec = resolveArchitecture(shapes, arch, fixes);
    if (!spec) {
        out.problem = spec.message();
        return out;
    }
    out.architectureFound = true;
    out.architecture = *spec;
    out.report = matchStateDict(expectedShapes(*spec), shapes);
    if (out.report.complete()) {
        out.verdict = LoadVerdict::Strict;
    } else if (mode == LoadMode::Strict || out.report.matched.empty()) {
        out.verdict = LoadVerdict::Failed;
        out.problem = out.report.matched.empty()
            ? "no key matches the architecture " + spec->name + ":" + out.report.describeProblems()
            : "does not match the model strictly:" + out.report.describeProblems();
    } else {
        out.verdict = LoadVerdict::Partial;
        out.problem = "loads only partially:" + out.report.describeProblems();
    }
    return out;
}

std::vector<WeightSetReport> judgeWeightSets(const CheckpointFile& file, const InspectOptions& options,
                                             const std::string& inspected)
{
    const bool dangerous = !file.dangers().empty() && !options.ignoreUnsafeObjects;
    std::vector<WeightSetReport> reports;
    for (const WeightSet& set : file.weightSets()) {
        WeightSetReport report;
        report.key = set.key;
        report.group = set.group;
        report.isDefault = set.isDefault;
        report.inspected = set.key == inspected;
        auto shapes = file.shapes(set.key);
        if (!shapes) {
            report.problem = shapes.message();
        } else {
            const bool chosen = report.inspected;
            Judgement judgement = judge(shapes->shapes, chosen ? options.arch : std::string(),
                                        chosen ? options.loadMode : LoadMode::Partial, shapes->fixes);
            report.architectureFound = judgement.architectureFound;
            report.architecture = judgement.architecture;
            report.verdict = judgement.verdict;
            report.problem = judgement.problem;
        }
        if (dangerous)
            report.verdict = LoadVerdict::Dangerous;
        reports.push_back(std::move(report));
    }
    return reports;
}

ReadOptions inspectorReading()
{
    // Everything the file holds is shown, dangerous or not; the verdict says what loading it means.
    ReadOptions read;
    read.allowUnsafeObjects = true;
    read.allowNoWeights = true;
    return read;
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

TensorSummary summarizeTensor(const NamedTensor& named)
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

CheckpointOverview overviewCheckpoint(const CheckpointFile& file, const InspectOptions& options)
{
    CheckpointOverview overview;
    overview.path = file.path();
    overview.format = file.format();
    overview.dangers = file.dangers();
    overview.warnings = file.warnings();
    overview.structure = file.structure();
    overview.metadata = file.metadata();
    const std::string inspected
        = options.weightsKey.empty() ? file.defaultWeightsKey().value_or(std::string()) : options.weightsKey;
    overview.weightSets = judgeWeightSets(file, options, inspected);
    overview.weightSetsIncomplete = file.weightSetsIncomplete();
    if (!file.defaultWeightsKey())
        overview.defaultProblem = file.defaultProblem();
    return overview;
}

Result<CheckpointOverview> overviewCheckpoint(const InspectOptions& options)
{
    auto file = openCheckpoint(options.path, inspectorReading());
    if (!file)
        return file.error();
    return overviewCheckpoint(*file, options);
}

Result<Inspection> inspectCheckpoint(const InspectOptions& options)
{
    auto file = openCheckpoint(options.path, inspectorReading());
    if (!file)
        return file.error();
    ReadOptions read = inspectorReading();
    read.weightsKey = options.weightsKey;
    Result<Checkpoint> checkpoint = Error {};
    if (options.weightsKey.empty() && !file->defaultWeightsKey()) {
        Checkpoint empty;
        empty.format = file->format();
        empty.dangers = file->dangers();
        empty.warnings = file->warnings();
        const std::string& message = file->defaultProblem();
        empty.problem = message.compare(0, options.path.size() + 2, options.path + ": ") == 0
            ? message.substr(options.path.size() + 2)
            : message;
        checkpoint = std::move(empty);
    } else {
        checkpoint = file->weights(options.weightsKey);
    }
    if (!checkpoint)
        return checkpoint.error();

    Inspection inspection;
    inspection.path = options.path;
    inspection.format = checkpoint->format;
    inspection.fixes = checkpoint->fixes;
    inspection.warnings = checkpoint->warnings;
    inspection.dangers = checkpoint->dangers;
    inspection.weightsKey = checkpoint->weightsKey;
    {
        CheckpointOverview overview = overviewCheckpoint(*file, options);
        inspection.structure = std::move(overview.structure);
        inspection.metadata = std::move(overview.metadata);
        inspection.weightSets = std::move(overview.weightSets);
        inspection.weightSetsIncomplete = overview.weightSetsIncomplete;
        if (!checkpoint->problem.empty()) {
            for (auto& set : inspection.weightSets)
                set.inspected = false;
        }
    }
    const bool dangerous = !inspection.dangers.empty() && !options.ignoreUnsafeObjects;
    const auto finish = [&] {
        if (dangerous)
            inspection.verdict = LoadVerdict::Dangerous;
        return inspection;
    };
    try {
        for (const auto& named : checkpoint->tensors) {
            inspection.tensors.push_back(summarizeTensor(named));
            inspection.totalElements += inspection.tensors.back().numel;
        }
    } catch (const std::bad_alloc&) {
        return Error {options.path + ": not enough memory to describe its tensors"};
    }

    if (!checkpoint->problem.empty()) {
        inspection.problem = checkpoint->problem;
        return finish();
    }
    const ShapeList shapes = keyShapes(checkpoint->tensors);
    Judgement judgement = judge(shapes, options.arch, options.loadMode, inspection.fixes);
    inspection.problem = judgement.problem;
    inspection.verdict = judgement.verdict;
    if (!judgement.architectureFound)
        return finish();
    const ResNetSpec& spec = judgement.architecture;
    inspection.architectureFound = true;
    inspection.architecture = spec;
    inspection.parameterCount = parameterCount(spec);

    LabelChoice labels = chooseLabels(options.labels, checkpoint->labels, spec.numClasses);
    inspection.labels = std::move(labels.names);
    inspection.labelSource = labels.source;
    if (labels.source == "checkpoint")
        inspection.fixes.push_back("class names taken from the checkpoint");
    if (static_cast<int>(inspection.labels.size()) != spec.numClasses)
        inspection.warnings.push_back("the label list has " + std::to_string(inspection.labels.size())
                                      + " names but the model has " + std::to_string(spec.numClasses)
                                      + " classes");

    inspection.report = std::move(judgement.report);
    if (const std::string converted = describeConversion(shapes, inspection.report); !converted.empty())
        inspection.fixes.push_back(converted);
    return finish();
}

Histogram tensorHistogram(const TensorData& tensor, int bins)
{
    Histogram histogram;
    bins = std::max(bins, 1);
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    tensor.forEach([&](const std::uint8_t* p) {
        const double v = elementAsDouble(tensor.dtype, p);
        if (std::isnan(v)) {
            ++histogram.nan;
        } else if (std::isinf(v)) {
            ++histogram.inf;
        } else {
            ++histogram.finite;
            low = std::min(low, v);
            high = std::max(high, v);
        }
    });
    if (histogram.finite == 0)
        return histogram;
    if (low == high) {
        low -= 0.5;
        high += 0.5;
    }
    // numpy.histogram's equal-width bins: edges from linspace, then each value placed by arithmetic and
    // corrected against the edges, so that a value on an edge lands where numpy puts it.
    histogram.edges.resize(static_cast<std::size_t>(bins) + 1);
    const double step = (high - low) / bins;
    for (int i = 0; i < bins; ++i)
        histogram.edges[static_cast<std::size_t>(i)] = low + i * step;
    histogram.edges.back() = high;
    histogram.counts.assign(static_cast<std::size_t>(bins), 0);
    const double norm = bins / (high - low);
    tensor.forEach([&](const std::uint8_t* p) {
        const double v = elementAsDouble(tensor.dtype, p);
        if (!std::isfinite(v))
            return;
        auto index = static_cast<std::int64_t>((v - low) * norm);
        index = std::clamp<std::int64_t>(index, 0, bins - 1);
        if (v < histogram.edges[static_cast<std::size_t>(index)])
            --index;
        else if (index != bins - 1 && v >= histogram.edges[static_cast<std::size_t>(index) + 1])
            ++index;
        ++histogram.counts[static_cast<std::size_t>(index)];
    });
    return histogram;
}

Result<Comparison> compareTensorSets(const std::string& first, const std::vector<NamedTensor>& a,
                                     const std::string& second, const std::vector<NamedTensor>& b,
                                     const CompareProgress& progress)
{
    Comparison comparison;
    comparison.first = first;
    comparison.second = second;
    // Keys come from the files: ordered maps.
    std::map<std::string, const TensorData*> inSecond;
    for (const auto& [name, tensor] : b)
        inSecond.emplace(name, &tensor);
    std::map<std::string, bool> inFirst;
    std::size_t common = 0;
    for (const auto& [name, tensor] : a)
        common += inSecond.count(name);
    std::size_t done = 0;
    for (const auto& [name, tensor] : a) {
        inFirst[name] = true;
        auto it = inSecond.find(name);
        if (it == inSecond.end()) {
            comparison.onlyInFirst.push_back(name);
            continue;
        }
        const TensorData& other = *it->second;
        if (tensor.shape != other.shape) {
            comparison.shapeChanges.push_back({name, tensor.shape, other.shape});
        } else {
            const ValueComparison values = compareValues(tensor, other);
            comparison.differences.push_back(
                {name, values.maxAbsDiff, values.identical, dtypeName(tensor.dtype), dtypeName(other.dtype)});
            comparison.identical += values.identical;
        }
        if (progress && !progress(++done, common))
            return Error {"the comparison was stopped", ErrorKind::Cancelled};
    }
    for (const auto& [name, tensor] : b) {
        if (!inFirst.count(name))
            comparison.onlyInSecond.push_back(name);
    }
    return comparison;
}

Result<Comparison> compareCheckpoints(const CompareOptions& options, const CompareProgress& progress)
{
    ReadOptions read;
    read.allowUnsafeObjects = true;
    read.weightsKey = options.firstKey;
    auto a = readCheckpoint(options.first, read);
    if (!a)
        return a.error();
    read.weightsKey = options.secondKey;
    auto b = readCheckpoint(options.second, read);
    if (!b)
        return b.error();
    auto comparison = compareTensorSets(options.first, a->tensors, options.second, b->tensors, progress);
    if (comparison) {
        comparison->firstKey = a->weightsKey;
        comparison->secondKey = b->weightsKey;
    }
    return comparison;
}

} // namespace lens
