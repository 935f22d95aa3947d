#include "model/ResNet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>

namespace lens {

namespace {

torch::nn::Conv2d conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1,
                       std::int64_t groups = 1)
{
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                 .stride(stride)
                                 .padding(kernel / 2)
                                 .groups(groups)
                                 .bias(false));
}

torch::nn::BatchNorm2d batchNorm(std::int64_t channels)
{
    return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(channels).eps(1e-5).momentum(0.1));
}

// BasicBlock and Bottleneck in one module: the submodule names are torchvision's either way.
class BlockImpl : public torch::nn::Module {
public:
    BlockImpl(BlockKind kind, std::int64_t inplanes, std::int64_t planes, std::int64_t stride, int groups,
              int widthPerGroup)
        : m_kind(kind)
    {
        const std::int64_t expansion = kind == BlockKind::Bottleneck ? 4 : 1;
        if (kind == BlockKind::Basic) {
            m_conv1 = register_module("conv1", conv(inplanes, planes, 3, stride));
            m_bn1 = register_module("bn1", batchNorm(planes));
            m_conv2 = register_module("conv2", conv(planes, planes, 3));
            m_bn2 = register_module("bn2", batchNorm(planes));
        } else {
            // ResNet v1.5: the stride sits on the 3x3 convolution.
            const std::int64_t width = planes * widthPerGroup / 64 * groups;
            m_conv1 = register_module("conv1", conv(inplanes, width, 1));
            m_bn1 = register_module("bn1", batchNorm(width));
            m_conv2 = register_module("conv2", conv(width, width, 3, stride, groups));
            m_bn2 = register_module("bn2", batchNorm(width));
            m_conv3 = register_module("conv3", conv(width, planes * expansion, 1));
            m_bn3 = register_module("bn3", batchNorm(planes * expansion));
        }
        if (stride != 1 || inplanes != planes * expansion) {
            m_downsample
                = register_module("downsample",
                                  torch::nn::Sequential(conv(inplanes, planes * expansion, 1, stride),
                                                        batchNorm(planes * expansion)));
        }
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor out = torch::relu(m_bn1(m_conv1(x)));
        out = m_bn2(m_conv2(out));
        if (m_kind == BlockKind::Bottleneck)
            out = m_bn3(m_conv3(torch::relu(out)));
        out += m_downsample ? m_downsample->forward(x) : x;
        return torch::relu(out);
    }

private:
    BlockKind m_kind;
    torch::nn::Conv2d m_conv1 {nullptr}, m_conv2 {nullptr}, m_conv3 {nullptr};
    torch::nn::BatchNorm2d m_bn1 {nullptr}, m_bn2 {nullptr}, m_bn3 {nullptr};
    torch::nn::Sequential m_downsample {nullptr};
};
TORCH_MODULE(Block);

} // namespace

ResNetImpl::ResNetImpl(const ResNetSpec& spec)
    : m_spec(spec)
{
    TORCH_CHECK(spec.numClasses > 0, "Expected a positive number of classes, but got ", spec.numClasses);
    m_conv1 = register_module(
        "conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    m_bn1 = register_module("bn1", batchNorm(64));
    std::int64_t inplanes = 64;
    for (int stage = 0; stage < 4; ++stage)
        m_layers[stage] = register_module("layer" + std::to_string(stage + 1), makeStage(stage, inplanes));
    m_fc = register_module("fc", torch::nn::Linear(inplanes, spec.numClasses));

    // torchvision's initialisation, so that keys a partial load leaves missing start where torchvision's do.
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
        if (auto* c = module->as<torch::nn::Conv2d>())
            torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
}

torch::nn::Sequential ResNetImpl::makeStage(int stage, std::int64_t& inplanes)
{
    const std::int64_t planes = 64LL << stage;
    const std::int64_t expansion = m_spec.block == BlockKind::Bottleneck ? 4 : 1;
    torch::nn::Sequential blocks;
    for (int b = 0; b < m_spec.layers[stage]; ++b) {
        const std::int64_t stride = (stage > 0 && b == 0) ? 2 : 1;
        blocks->push_back(Block(m_spec.block, inplanes, planes, stride, m_spec.groups, m_spec.widthPerGroup));
        inplanes = planes * expansion;
    }
    return blocks;
}

torch::Tensor ResNetImpl::features(const torch::Tensor& x)
{
    torch::Tensor out = torch::relu(m_bn1(m_conv1(x)));
    out = torch::max_pool2d(out, /*kernel_size=*/3, /*stride=*/2, /*padding=*/1);
    for (auto& layer : m_layers)
        out = layer->forward(out);
    return out;
}

torch::Tensor ResNetImpl::forward(const torch::Tensor& x)
{
    return m_fc(features(x).mean({2, 3}));
}

std::pair<torch::Tensor, torch::Tensor> ResNetImpl::forwardWithFeatures(const torch::Tensor& x)
{
    torch::Tensor maps = features(x);
    return {maps, m_fc(maps.mean({2, 3}))};
}

} // namespace lens
