#include "inference/ResNet.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pooling.h>
#include <torch/nn/init.h>

namespace lens {

namespace {

torch::nn::Conv2d conv(const ConvLayer& layer)
{
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(layer.inChannels, layer.outChannels, layer.kernel)
                                 .stride(layer.stride)
                                 .padding(layer.padding)
                                 .groups(layer.groups)
                                 .bias(false));
}

torch::nn::BatchNorm2d batchNorm(const ConvLayer& layer)
{
    return torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(layer.outChannels).eps(1e-5).momentum(0.1));
}

// BasicBlock and Bottleneck in one module, registered from the layer list under torchvision's names.
class BlockImpl : public torch::nn::Module {
public:
    explicit BlockImpl(const BlockLayers& layers)
    {
        m_conv1 = register_module("conv1", conv(layers.conv1));
        m_bn1 = register_module("bn1", batchNorm(layers.conv1));
        m_conv2 = register_module("conv2", conv(layers.conv2));
        m_bn2 = register_module("bn2", batchNorm(layers.conv2));
        if (layers.conv3) {
            m_conv3 = register_module("conv3", conv(*layers.conv3));
            m_bn3 = register_module("bn3", batchNorm(*layers.conv3));
        }
        if (layers.downsample)
            m_downsample = register_module(
                "downsample", torch::nn::Sequential(conv(*layers.downsample), batchNorm(*layers.downsample)));
    }

    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor out = torch::relu(m_bn1(m_conv1(x)));
        out = m_bn2(m_conv2(out));
        if (m_conv3)
            out = m_bn3(m_conv3(torch::relu(out)));
        out += m_downsample ? m_downsample->forward(x) : x;
        return torch::relu(out);
    }

private:
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
    const NetworkLayout layout = networkLayout(spec);
    m_conv1 = register_module("conv1", conv(layout.stem));
    m_bn1 = register_module("bn1", batchNorm(layout.stem));
    for (int stage = 0; stage < 4; ++stage) {
        torch::nn::Sequential blocks;
        for (const BlockLayers& block : layout.blocks) {
            if (block.stage == stage)
                blocks->push_back(Block(block));
        }
        m_layers[stage] = register_module("layer" + std::to_string(stage + 1), blocks);
    }
    m_fc = register_module("fc", torch::nn::Linear(layout.features, layout.numClasses));

    // torchvision's initialisation, so that keys a partial load leaves missing start where torchvision's do.
    torch::NoGradGuard noGrad;
    for (auto& module : modules(/*include_self=*/false)) {
        if (auto* c = module->as<torch::nn::Conv2d>())
            torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
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
