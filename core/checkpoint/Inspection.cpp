#include "checkpoint/Inspection.h"

#include "checkpoint/Checkpoint.h"
#include "labels/Labels.h"
#include "model/StateDictLoader.h"

#include <map>
#include <torch/torch.h>

namespace lens {

namespace {

std::string dtypeName(c10::ScalarType type)
{
    switch (type) {
    case c10::kFloat:
        return "float32";
    case c10::kDouble:
        return "float64";
    case c10::kHalf:
        return "float16";
    case c10::kBFloat16:
        return "bfloat16";
    case c10::kLong:
        return "int64";
    case c10::kInt:
        return "int32";
    case c10::kShort:
        return "int16";
    case c10::kChar:
        return "int8";
    case c10::kByte:
        return "uint8";
    case c10::kBool:
        return "bool";
    default:
        return c10::toString(type);
    }
}

TensorSummary summarize(const NamedTensor& named)
{
    const at::Tensor& tensor = named.tensor;
    TensorSummary summary;
    summary.name = named.name;
    summary.shape = tensor.sizes().vec();
    summary.dtype = dtypeName(tensor.scalar_type());
    summary.numel = tensor.numel();
    if (summary.numel == 0)
        return summary;
    const at::Tensor values = tensor.to(torch::kDouble).reshape({-1});
    if (tensor.is_floating_point()) {
        summary.nanCount = values.isnan().sum().item<std::int64_t>();
        summary.infCount = values.isinf().sum().item<std::int64_t>();
    }
    const at::Tensor finite
        = summary.nanCount + summary.infCount > 0 ? values.masked_select(values.isfinite()) : values;
    if (finite.numel() == 0)
        return summary;
    summary.hasStats = true;
    summary.min = finite.min().item<double>();
    summary.max = finite.max().item<double>();
    summary.mean = finite.mean().item<double>();
    summary.std = finite.std(/*unbiased=*/false).item<double>();
    return summary;
}

ShapeList shapesOf(const std::vector<NamedTensor>& tensors)
{
    ShapeList shapes;
    for (const auto& [name, tensor] : tensors)
        shapes.push_back({name, tensor.sizes().vec()});
    return shapes;
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
    try {
        for (const auto& named : checkpoint->tensors) {
            inspection.tensors.push_back(summarize(named));
            inspection.totalElements += inspection.tensors.back().numel;
        }
    } catch (const c10::Error& e) {
        return Error {options.path + ": " + e.what_without_backtrace()};
    }

    if (!checkpoint->problem.empty()) {
        inspection.problem = checkpoint->problem;
        return finish();
    }
    const ShapeList shapes = shapesOf(checkpoint->tensors);
    auto spec = resolveArchitecture(shapes, options.arch, inspection.fixes);
    if (!spec) {
        inspection.problem = spec.message();
        return finish();
    }
    inspection.architectureFound = true;
    inspection.architecture = *spec;
    inspection.parameterCount = parameterCount(*spec);

    if (!options.labels.empty()) {
        inspection.labels = options.labels;
        inspection.labelSource = "file";
    } else if (static_cast<int>(checkpoint->labels.size()) == spec->numClasses) {
        inspection.labels = checkpoint->labels;
        inspection.labelSource = "checkpoint";
        inspection.fixes.push_back("class names taken from the checkpoint");
    } else {
        inspection.labels = defaultLabels(spec->numClasses);
        inspection.labelSource = spec->numClasses == 1000 ? "imagenet" : "generic";
    }
    if (static_cast<int>(inspection.labels.size()) != spec->numClasses)
        inspection.warnings.push_back("the label list has " + std::to_string(inspection.labels.size())
                                      + " names but the model has " + std::to_string(spec->numClasses)
                                      + " classes");

    inspection.report = matchStateDict(expectedShapes(*spec), shapes);
    std::map<std::string, c10::ScalarType> types;
    for (const auto& [name, tensor] : checkpoint->tensors)
        types.emplace(name, tensor.scalar_type());
    for (const auto& key : inspection.report.matched) {
        if (types[key] != c10::kFloat && !key.empty() && key.find("num_batches_tracked") == std::string::npos)
            inspection.report.converted.push_back(key);
    }
    if (!inspection.report.converted.empty())
        inspection.fixes.push_back(describeConversion(checkpoint->tensors, inspection.report.converted));

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
    std::map<std::string, const at::Tensor*> inSecond;
    for (const auto& [name, tensor] : b->tensors)
        inSecond.emplace(name, &tensor);
    std::map<std::string, bool> inFirst;
    try {
        for (const auto& [name, tensor] : a->tensors) {
            inFirst[name] = true;
            auto it = inSecond.find(name);
            if (it == inSecond.end()) {
                comparison.onlyInFirst.push_back(name);
                continue;
            }
            const at::Tensor& other = *it->second;
            if (tensor.sizes() != other.sizes()) {
                comparison.shapeChanges.push_back({name, tensor.sizes().vec(), other.sizes().vec()});
                continue;
            }
            double diff = 0;
            if (tensor.numel() > 0)
                diff = (tensor.to(torch::kDouble) - other.to(torch::kDouble)).abs().max().item<double>();
            comparison.differences.push_back({name, diff});
        }
    } catch (const c10::Error& e) {
        return Error {first + " vs " + second + ": " + e.what_without_backtrace()};
    }
    for (const auto& [name, tensor] : b->tensors) {
        if (!inFirst.count(name))
            comparison.onlyInSecond.push_back(name);
    }
    return comparison;
}

} // namespace lens
