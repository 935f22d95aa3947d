#pragma once

// A ResNet prepared for fast CPU inference: every BatchNorm folded into the convolution before it (eval
// statistics, so results equal the model's up to float rounding) and, where LibTorch has oneDNN, the
// convolution weights prepacked once in oneDNN's blocked layout so that activations stay in that layout from
// the first convolution to the pooling. Built from a state dict with torchvision's key names.
//
// Threading: forward() is const and allocates its own activations; use one instance per thread anyway
// (oneDNN primitives are cached per thread).

#include "model/Architecture.h"

#include <ATen/core/Tensor.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lens {

class FusedResNet {
public:
    /// state: the model's parameters and buffers by torchvision name (after loading). useOneDnn selects the
    /// prepacked oneDNN path; it is ignored when LibTorch was built without it.
    FusedResNet(const ResNetSpec& spec, const std::map<std::string, at::Tensor>& state, bool useOneDnn);

    /// [N, 3, H, W] float32 on the CPU -> [N, numClasses] logits.
    at::Tensor forward(const at::Tensor& input) const;

    bool usesOneDnn() const { return m_oneDnn; }

private:
    struct Conv {
        at::Tensor weight;
        at::Tensor bias;
        std::int64_t stride = 1;
        std::int64_t padding = 0;
        std::int64_t groups = 1;
    };
    struct Block {
        Conv conv1, conv2;
        std::optional<Conv> conv3; ///< Bottleneck only
        std::optional<Conv> downsample;
    };

    Conv fold(const std::map<std::string, at::Tensor>& state, const std::string& conv, const std::string& bn,
              std::int64_t stride, std::int64_t padding, std::int64_t groups) const;
    at::Tensor run(const Conv& conv, const at::Tensor& x) const;

    bool m_oneDnn = false;
    Conv m_stem;
    std::vector<Block> m_blocks;
    at::Tensor m_fcWeight, m_fcBias;
};

} // namespace lens
