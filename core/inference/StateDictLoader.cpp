#include "inference/StateDictLoader.h"

#include "checkpoint/Checkpoint.h"
#include "inference/TorchTensor.h"
#include "model/Architecture.h"

#include <map>
#include <torch/nn/module.h>

namespace lens {

Result<LoadReport> loadStateDict(torch::nn::Module& model, const std::vector<NamedTensor>& tensors,
                                 LoadMode mode, const std::string& sourceName)
{
    std::map<std::string, at::Tensor> targets;
    ShapeList modelShapes;
    const auto add = [&](const std::string& key, const at::Tensor& tensor) {
        targets.emplace(key, tensor);
        modelShapes.push_back(
            {key, tensor.sizes().vec(), dtypeOf(tensor.scalar_type()).value_or(DType::Float32)});
    };
    for (const auto& item : model.named_parameters(/*recurse=*/true))
        add(item.key(), item.value());
    for (const auto& item : model.named_buffers(/*recurse=*/true))
        add(item.key(), item.value());

    std::map<std::string, const TensorData*> sources;
    for (const auto& [name, tensor] : tensors)
        sources.emplace(name, &tensor);
    LoadReport report = matchStateDict(modelShapes, keyShapes(tensors));

    if (mode == LoadMode::Strict && !report.complete())
        return strictMismatchError(report, sourceName);

    torch::NoGradGuard noGrad;
    for (const auto& key : report.matched)
        targets[key].copy_(toTorch(*sources[key]));
    return report;
}

} // namespace lens
