#include "model/StateDictLoader.h"

#include "model/Architecture.h"

#include <algorithm>
#include <map>
#include <set>
#include <torch/nn/module.h>

namespace lens {

namespace {

void appendList(std::string& out, const char* what, const std::vector<std::string>& keys)
{
    if (keys.empty())
        return;
    out += "\n  " + std::to_string(keys.size()) + " " + what + ":";
    for (const auto& key : keys)
        out += " " + key;
}

} // namespace

std::string shapeToString(const std::vector<std::int64_t>& shape)
{
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

std::string LoadReport::describeProblems() const
{
    std::string out;
    appendList(out, "missing from the checkpoint", missing);
    appendList(out, "unexpected in the checkpoint", unexpected);
    if (!mismatched.empty()) {
        out += "\n  " + std::to_string(mismatched.size()) + " with a different shape:";
        for (const auto& m : mismatched)
            out += " " + m.key + " (model " + shapeToString(m.expected) + ", checkpoint "
                + shapeToString(m.actual) + ")";
    }
    return out;
}

Result<LoadReport> loadStateDict(torch::nn::Module& model, const std::vector<NamedTensor>& tensors,
                                 LoadMode mode, const std::string& sourceName)
{
    std::map<std::string, at::Tensor> targets;
    std::vector<std::string> order;
    for (const auto& item : model.named_parameters(/*recurse=*/true)) {
        targets.emplace(item.key(), item.value());
        order.push_back(item.key());
    }
    for (const auto& item : model.named_buffers(/*recurse=*/true)) {
        targets.emplace(item.key(), item.value());
        order.push_back(item.key());
    }

    ShapeList modelShapes;
    for (const auto& key : order)
        modelShapes.push_back({key, targets[key].sizes().vec()});
    ShapeList checkpointShapes;
    std::map<std::string, const at::Tensor*> sources;
    for (const auto& [name, tensor] : tensors) {
        checkpointShapes.push_back({name, tensor.sizes().vec()});
        sources.emplace(name, &tensor);
    }
    LoadReport report = matchStateDict(modelShapes, checkpointShapes);

    if (mode == LoadMode::Strict && !report.complete())
        return Error {sourceName + ": does not match the model strictly:" + report.describeProblems()};

    torch::NoGradGuard noGrad;
    for (const auto& key : report.matched) {
        at::Tensor& target = targets[key];
        const at::Tensor& source = *sources[key];
        if (source.scalar_type() != target.scalar_type())
            report.converted.push_back(key);
        target.copy_(source);
    }
    return report;
}

std::string describeConversion(const std::vector<NamedTensor>& tensors,
                               const std::vector<std::string>& converted)
{
    std::set<std::string> keys(converted.begin(), converted.end());
    std::set<std::string> from;
    for (const auto& [name, tensor] : tensors) {
        if (keys.count(name))
            from.insert(std::string(c10::toString(tensor.scalar_type())));
    }
    std::string types;
    for (const auto& type : from)
        types += (types.empty() ? "" : "/") + type;
    return "converted " + std::to_string(converted.size()) + " tensors from " + types
        + " to Float (the model's dtype)";
}

} // namespace lens
