#include "model/StateDictLoader.h"

#include <algorithm>
#include <map>
#include <torch/nn/module.h>

namespace lens {

namespace {

bool isOptional(const std::string& key)
{
    static const std::string suffix = "num_batches_tracked";
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}

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

    LoadReport report;
    std::map<std::string, const at::Tensor*> toCopy;
    for (const auto& [name, tensor] : tensors) {
        auto it = targets.find(name);
        if (it == targets.end()) {
            report.unexpected.push_back(name);
            continue;
        }
        if (it->second.sizes() != tensor.sizes()) {
            report.mismatched.push_back({name, it->second.sizes().vec(), tensor.sizes().vec()});
            continue;
        }
        toCopy[name] = &tensor;
    }
    for (const auto& key : order) {
        if (toCopy.count(key)) {
            report.matched.push_back(key);
        } else if (!isOptional(key)
                   && std::none_of(report.mismatched.begin(), report.mismatched.end(),
                                   [&](const ShapeMismatch& m) { return m.key == key; })) {
            report.missing.push_back(key);
        }
    }

    if (mode == LoadMode::Strict && !report.complete())
        return Error {sourceName + ": does not match the model strictly:" + report.describeProblems()};

    torch::NoGradGuard noGrad;
    for (const auto& key : report.matched) {
        at::Tensor& target = targets[key];
        const at::Tensor& source = *toCopy[key];
        if (source.scalar_type() != target.scalar_type())
            report.converted.push_back(key);
        target.copy_(source);
    }
    return report;
}

} // namespace lens
