#include "inference/FusedResNet.h"

#include <torch/torch.h>

namespace lens {

namespace {

const at::Tensor& get(const std::map<std::string, at::Tensor>& state, const std::string& key)
{
    auto it = state.find(key);
    TORCH_CHECK(it != state.end(), "FusedResNet: the state dict has no '", key, "'");
    return it->second;
}

} // namespace

FusedResNet::Conv FusedResNet::fold(const std::map<std::string, at::Tensor>& state, const std::string& conv,
                                    const std::string& bn, std::int64_t stride, std::int64_t padding,
                                    std::int64_t groups) const
{
    // y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta  ==  conv'(x) + bias', computed in double.
    const at::Tensor weight = get(state, conv + ".weight").to(torch::kDouble);
    const at::Tensor gamma = get(state, bn + ".weight").to(torch::kDouble);
    const at::Tensor beta = get(state, bn + ".bias").to(torch::kDouble);
    const at::Tensor mean = get(state, bn + ".running_mean").to(torch::kDouble);
    const at::Tensor var = get(state, bn + ".running_var").to(torch::kDouble);
    const at::Tensor scale = gamma / torch::sqrt(var + 1e-5);

    Conv out;
    out.weight = (weight * scale.view({-1, 1, 1, 1})).to(torch::kFloat).contiguous();
    out.bias = (beta - mean * scale).to(torch::kFloat).contiguous();
    out.stride = stride;
    out.padding = padding;
    out.groups = groups;
    if (m_oneDnn) {
        out.weight = at::mkldnn_reorder_conv2d_weight(out.weight.to_mkldnn(), {padding, padding},
                                                      {stride, stride}, {1, 1}, groups);
        out.bias = out.bias.to_mkldnn();
    }
    return out;
}

FusedResNet::FusedResNet(const ResNetSpec& spec, const std::map<std::string, at::Tensor>& state,
                         bool useOneDnn)
    : m_oneDnn(useOneDnn && at::hasMKLDNN())
{
    torch::NoGradGuard noGrad;
    m_stem = fold(state, "conv1", "bn1", 2, 3, 1);
    for (int stage = 0; stage < 4; ++stage) {
        for (int b = 0; b < spec.layers[stage]; ++b) {
            const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(b);
            const std::int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
            Block block;
            if (spec.block == BlockKind::Basic) {
                block.conv1 = fold(state, p + ".conv1", p + ".bn1", stride, 1, 1);
                block.conv2 = fold(state, p + ".conv2", p + ".bn2", 1, 1, 1);
            } else {
                block.conv1 = fold(state, p + ".conv1", p + ".bn1", 1, 0, 1);
                block.conv2 = fold(state, p + ".conv2", p + ".bn2", stride, 1, spec.groups);
                block.conv3 = fold(state, p + ".conv3", p + ".bn3", 1, 0, 1);
            }
            if (state.count(p + ".downsample.0.weight"))
                block.downsample = fold(state, p + ".downsample.0", p + ".downsample.1", stride, 0, 1);
            m_blocks.push_back(std::move(block));
        }
    }
    m_fcWeight = get(state, "fc.weight").to(torch::kFloat).contiguous();
    m_fcBias = get(state, "fc.bias").to(torch::kFloat).contiguous();
}

at::Tensor FusedResNet::run(const Conv& conv, const at::Tensor& x) const
{
    if (m_oneDnn)
        return at::mkldnn_convolution(x, conv.weight, conv.bias, {conv.padding, conv.padding},
                                      {conv.stride, conv.stride}, {1, 1}, conv.groups);
    return at::conv2d(x, conv.weight, conv.bias, conv.stride, conv.padding, 1, conv.groups);
}

at::Tensor FusedResNet::forward(const at::Tensor& input) const
{
    // In-place ReLU and residual adds: fewer oneDNN buffers allocated and touched per block.
    at::Tensor x = m_oneDnn ? input.contiguous().to_mkldnn() : input;
    x = run(m_stem, x).relu_();
    x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    for (const Block& block : m_blocks) {
        at::Tensor out = run(block.conv1, x).relu_();
        if (block.conv3)
            out = run(*block.conv3, run(block.conv2, out).relu_());
        else
            out = run(block.conv2, out);
        out.add_(block.downsample ? run(*block.downsample, x) : x);
        x = out.relu_();
    }
    if (m_oneDnn)
        x = x.to_dense();
    return at::linear(x.mean({2, 3}), m_fcWeight, m_fcBias);
}

} // namespace lens
