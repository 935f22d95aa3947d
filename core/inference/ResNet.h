#pragma once

// torchvision's ResNet family as LibTorch modules, registered from networkLayout() with state-dict names
// identical to torchvision's (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, fc, ...), so torchvision
// checkpoints load as-is. Includes LibTorch: keep this header out of widely included headers.

#include "model/Architecture.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace lens {

class ResNetImpl : public torch::nn::Module {
public:
    explicit ResNetImpl(const ResNetSpec& spec);

    /// [N, 3, H, W] normalised images -> [N, numClasses] logits.
    torch::Tensor forward(const torch::Tensor& x);

    /// The [N, C, h, w] output of layer4 (after its last ReLU, before pooling) and the logits, for class
    /// activation maps.
    std::pair<torch::Tensor, torch::Tensor> forwardWithFeatures(const torch::Tensor& x);

    const ResNetSpec& spec() const { return m_spec; }

private:
    torch::Tensor features(const torch::Tensor& x);

    ResNetSpec m_spec;
    torch::nn::Conv2d m_conv1 {nullptr};
    torch::nn::BatchNorm2d m_bn1 {nullptr};
    torch::nn::Sequential m_layers[4] {nullptr, nullptr, nullptr, nullptr};
    torch::nn::Linear m_fc {nullptr};
};
TORCH_MODULE(ResNet);

} // namespace lens
