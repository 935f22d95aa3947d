#include "inference/FusedResNet.h"

#include "inference/Threads.h"
#include "tensor/Cast.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lens {

namespace {

using dnnl::memory;
using Dims = memory::dims;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;
constexpr auto kBf16 = memory::data_type::bf16;

/// A state dict tensor's values as float32, row-major: a float32 tensor is read where it lies.
class Floats {
public:
    Floats(const std::map<std::string, TensorData>& state, const std::string& key)
    {
        auto it = state.find(key);
        if (it == state.end())
            throw std::runtime_error("the state dict has no '" + key + "'");
        const TensorData& tensor = it->second;
        m_size = static_cast<std::size_t>(tensor.numel());
        if (tensor.dtype == DType::Float32 && tensor.contiguous() && tensor.storage
            && reinterpret_cast<std::uintptr_t>(tensor.storage->data) % alignof(float) == 0) {
            m_data = reinterpret_cast<const float*>(tensor.storage->data) + tensor.offset;
            return;
        }
        m_copy.resize(m_size);
        copyElements(tensor, DType::Float32, reinterpret_cast<std::uint8_t*>(m_copy.data()));
        m_data = m_copy.data();
    }
    const float* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    std::vector<float> vector() const { return std::vector<float>(m_data, m_data + m_size); }

private:
    const float* m_data = nullptr;
    std::size_t m_size = 0;
    std::vector<float> m_copy;
};

/// Memory for oneDNN, 64-byte aligned.
struct AlignedBuffer {
    struct Free {
        void operator()(void* p) const { std::free(p); }
    };
    std::unique_ptr<void, Free> data;
    std::size_t bytes = 0;

    explicit AlignedBuffer(std::size_t size = 0)
        : data(size ? std::aligned_alloc(64, (size + 63) / 64 * 64) : nullptr)
        , bytes(size)
    {
        if (size && !data)
            throw std::bad_alloc();
    }
};

struct Conv {
    /// [out, in / groups, k, k], BatchNorm folded in. Freed once reordered, except where Winograd may need it
    /// (oneDNN reorders into Winograd's layout only from the plain one); other layouts come from a reordered
    /// copy.
    std::vector<float> weight;
    std::vector<float> bias;
    std::int64_t outChannels = 0;
    std::int64_t kernel = 0;
    std::int64_t stride = 1;
    std::int64_t padding = 0;
    std::int64_t groups = 1;
    bool winograd = false; ///< may run as a Winograd convolution (3x3, stride 1, within the memory budget)
    /// The weights reordered for a primitive, one copy per layout asked for (usually one).
    std::vector<std::pair<memory::desc, memory>> packed;
};

struct Block {
    Conv conv1, conv2;
    std::optional<Conv> conv3; ///< Bottleneck only
    std::optional<Conv> downsample;
};

Conv fold(const std::map<std::string, TensorData>& state, const ConvLayer& layer)
{
    // y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta  ==  conv'(x) + bias', computed in double from
    // the float32 values (as the modules hold them), then rounded to float32.
    const Floats weight(state, layer.name + ".weight");
    const Floats gamma(state, layer.batchNorm + ".weight");
    const Floats beta(state, layer.batchNorm + ".bias");
    const Floats mean(state, layer.batchNorm + ".running_mean");
    const Floats var(state, layer.batchNorm + ".running_var");
    const auto channels = static_cast<std::size_t>(layer.outChannels);
    for (const Floats* perChannel : {&gamma, &beta, &mean, &var})
        if (perChannel->size() != channels)
            throw std::runtime_error(layer.batchNorm + " does not have " + std::to_string(channels)
                                     + " channels");
    if (channels == 0 || weight.size() % channels != 0)
        throw std::runtime_error(layer.name + ".weight does not have " + std::to_string(channels)
                                 + " filters");

    Conv out;
    const std::size_t perFilter = weight.size() / channels;
    out.weight.resize(weight.size());
    out.bias.resize(channels);
    for (std::size_t o = 0; o < channels; ++o) {
        const double scale = double(gamma.data()[o]) / std::sqrt(double(var.data()[o]) + 1e-5);
        out.bias[o] = static_cast<float>(double(beta.data()[o]) - double(mean.data()[o]) * scale);
        const float* from = weight.data() + o * perFilter;
        float* to = out.weight.data() + o * perFilter;
        for (std::size_t i = 0; i < perFilter; ++i)
            to[i] = static_cast<float>(double(from[i]) * scale);
    }
    out.outChannels = layer.outChannels;
    out.kernel = layer.kernel;
    out.stride = layer.stride;
    out.padding = layer.padding;
    out.groups = layer.groups;
    return out;
}

/// At most this much memory goes to Winograd-transformed weights (all of resnet50's and resnet101's fit).
constexpr std::size_t kWinogradWeightBytes = std::size_t(256) << 20;

/// Everything one input shape runs: the primitives in order with their arguments. Activations live in the
/// network's shared buffers ("slots"), bound to them before a run.
struct Plan {
    std::vector<dnnl::primitive> primitives;
    std::vector<std::unordered_map<int, memory>> arguments;
    memory input; ///< the caller's [N, 3, H, W], bound per call
    memory pooled; ///< [N, C] after global average pooling, plain
    memory last; ///< the last stage's output (in a slot), for the features
    std::optional<dnnl::reorder> lastToPlain; ///< built the first time features are asked for
    std::vector<std::pair<memory, int>> activations; ///< memory, slot
    std::vector<std::size_t> slotBytes;
    std::uint64_t boundGeneration = 0;
};

/// An activation in a plan being built, and the slot that holds it (-1: not a slot).
struct Activation {
    memory mem;
    int slot = -1;
};

class PlanBuilder {
public:
    /// type: the activations' and weights' type between layers (f32 or bf16).
    PlanBuilder(const dnnl::engine& engine, Tag blocked, memory::data_type type, Plan& plan)
        : m_engine(engine)
        , m_stream(engine)
        , m_blocked(blocked)
        , m_type(type)
        , m_plan(plan)
    { }

    Activation input(const Dims& dims)
    {
        m_plan.input = memory({dims, kF32, Tag::nchw}, m_engine, DNNL_MEMORY_NONE);
        return {m_plan.input, -1};
    }

    /// conv(src) (+ sumInto) (then ReLU). With sumInto the result overwrites sumInto's buffer.
    Activation convolve(const Activation& src, Conv& conv, bool relu, const Activation* sumInto = nullptr)
    {
        const Dims in = src.mem.get_desc().dims();
        const std::int64_t k = conv.kernel;
        const std::int64_t outChannels = conv.outChannels;
        const std::int64_t outH = (in[2] + 2 * conv.padding - k) / conv.stride + 1;
        const std::int64_t outW = (in[3] + 2 * conv.padding - k) / conv.stride + 1;
        const memory::desc dst = sumInto ? sumInto->mem.get_desc()
                                         : memory::desc({in[0], outChannels, outH, outW}, m_type, m_blocked);
        // The network's input is f32: in bf16 the first convolution reads a converted copy, in its layout.
        const memory::desc srcDesc = src.mem.get_desc().data_type() == m_type
            ? src.mem.get_desc()
            : memory::desc(src.mem.get_desc().dims(), m_type, Tag::any);
        const Dims weightDims = conv.groups == 1
            ? Dims {outChannels, in[1], k, k}
            : Dims {conv.groups, outChannels / conv.groups, in[1] / conv.groups, k, k};
        const memory::desc bias({outChannels}, kF32, Tag::a);

        dnnl::post_ops ops;
        if (sumInto)
            ops.append_sum(1.f);
        if (relu)
            ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const memory::desc anyWeights(weightDims, m_type, Tag::any);
        auto describe = [&](dnnl::algorithm algorithm, const memory::desc& srcDesc,
                            const memory::desc& dstDesc, const memory::desc& weights) {
            const dnnl::convolution_forward::desc desc(
                dnnl::prop_kind::forward_inference, algorithm, srcDesc, weights, bias, dstDesc,
                {conv.stride, conv.stride}, {conv.padding, conv.padding}, {conv.padding, conv.padding});
            return dnnl::convolution_forward::primitive_desc(desc, attr, m_engine);
        };
        std::optional<dnnl::convolution_forward::primitive_desc> pd;
        auto algorithm = dnnl::algorithm::convolution_winograd;
        // Not on the last stage's small maps (7x7 at 224): there Winograd's tiles are mostly padding, and its
        // weights (four times the plain ones) are the largest.
        if (conv.winograd && std::min(outH, outW) >= 14) {
            try {
                pd = describe(algorithm, srcDesc, dst, anyWeights);
            } catch (const dnnl::error&) {
                // Not for this shape on this CPU: the direct algorithm below.
            }
        }
        if (!pd) {
            algorithm = dnnl::algorithm::convolution_direct;
            pd = describe(algorithm, srcDesc, dst, anyWeights);
        }
        if (isReference(*pd) && !sumInto) {
            // No fast kernel for the blocked layout (e.g. grouped convolutions with few channels per group):
            // let oneDNN pick the layouts, and reorder to and from them.
            const memory::desc any({in[0], in[1], in[2], in[3]}, m_type, Tag::any);
            pd = describe(algorithm, any, memory::desc(dst.dims(), m_type, Tag::any), anyWeights);
        }
        // Another batch size may have chosen another weight layout: where a fast kernel runs on the one
        // already reordered, use it, so that each layer keeps one copy of its weights.
        if (!packedFor(conv, pd->weights_desc())) {
            for (const auto& [layout, packed] : conv.packed) {
                try {
                    auto shared = describe(algorithm, pd->src_desc(), pd->dst_desc(), layout);
                    if (!isReference(shared)) {
                        pd = shared;
                        break;
                    }
                } catch (const dnnl::error&) {
                    // Not with this layout.
                }
            }
        }

        const Activation input = pd->src_desc() == src.mem.get_desc() ? src : reordered(src, pd->src_desc());
        Activation out = sumInto ? *sumInto : acquire(pd->dst_desc());
        add(dnnl::convolution_forward(*pd),
            {{DNNL_ARG_SRC, input.mem},
             {DNNL_ARG_WEIGHTS, packedWeights(conv, weightDims, pd->weights_desc())},
             {DNNL_ARG_BIAS, memory(bias, m_engine, conv.bias.data())},
             {DNNL_ARG_DST, out.mem}});
        if (input.slot != src.slot)
            release(input);
        if (out.mem.get_desc() != dst) {
            const Activation blocked = reordered(out, dst);
            release(out);
            out = blocked;
        }
        return out;
    }

    /// Max pooling (kernel 3, stride 2, padding 1: the stem's), or global average pooling, which always
    /// averages in f32 (in bf16, from an f32 copy of its input).
    Activation pool(const Activation& input, bool global)
    {
        const bool widen = global && input.mem.get_desc().data_type() != kF32;
        const Activation src = widen ? reordered(input, input.mem.get_desc().dims(), kF32) : input;
        const Dims in = src.mem.get_desc().dims();
        const Dims kernel = global ? Dims {in[2], in[3]} : Dims {3, 3};
        const Dims strides = global ? Dims {1, 1} : Dims {2, 2};
        const Dims padding = global ? Dims {0, 0} : Dims {1, 1};
        const Dims out = {in[0], in[1], (in[2] + 2 * padding[0] - kernel[0]) / strides[0] + 1,
                          (in[3] + 2 * padding[1] - kernel[1]) / strides[1] + 1};
        const dnnl::pooling_forward::desc desc(
            dnnl::prop_kind::forward_inference,
            global ? dnnl::algorithm::pooling_avg_exclude_padding : dnnl::algorithm::pooling_max,
            src.mem.get_desc(), memory::desc(out, src.mem.get_desc().data_type(), m_blocked), strides, kernel,
            padding, padding);
        const dnnl::pooling_forward::primitive_desc pd(desc, m_engine);
        const Activation dst = acquire(pd.dst_desc());
        add(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src.mem}, {DNNL_ARG_DST, dst.mem}});
        if (widen)
            release(src);
        return dst;
    }

    /// Ends the plan: the pooled features, [N, C, 1, 1], reordered to plain [N, C].
    void finish(const Activation& pooled)
    {
        const Dims dims = pooled.mem.get_desc().dims();
        m_plan.pooled = memory({dims, kF32, Tag::nchw}, m_engine);
        add(dnnl::reorder(pooled.mem, m_plan.pooled),
            {{DNNL_ARG_FROM, pooled.mem}, {DNNL_ARG_TO, m_plan.pooled}});
    }

    void release(const Activation& activation)
    {
        if (activation.slot >= 0)
            m_busy[activation.slot] = false;
    }

private:
    Activation acquire(const memory::desc& desc)
    {
        int slot = 0;
        while (slot < static_cast<int>(m_busy.size()) && m_busy[slot])
            ++slot;
        if (slot == static_cast<int>(m_busy.size())) {
            m_busy.push_back(false);
            m_plan.slotBytes.push_back(0);
        }
        m_busy[slot] = true;
        m_plan.slotBytes[slot] = std::max(m_plan.slotBytes[slot], desc.get_size());
        Activation activation {memory(desc, m_engine, DNNL_MEMORY_NONE), slot};
        m_plan.activations.emplace_back(activation.mem, slot);
        return activation;
    }

    /// src converted to type, in the network's blocked layout.
    Activation reordered(const Activation& src, const Dims& dims, memory::data_type type)
    {
        return reordered(src, memory::desc(dims, type, m_blocked));
    }

    Activation reordered(const Activation& src, const memory::desc& layout)
    {
        const Activation dst = acquire(layout);
        add(dnnl::reorder(src.mem, dst.mem), {{DNNL_ARG_FROM, src.mem}, {DNNL_ARG_TO, dst.mem}});
        return dst;
    }

    void add(dnnl::primitive primitive, std::unordered_map<int, memory> arguments)
    {
        m_plan.primitives.push_back(std::move(primitive));
        m_plan.arguments.push_back(std::move(arguments));
    }

    static std::optional<memory> packedFor(const Conv& conv, const memory::desc& layout)
    {
        for (const auto& [desc, packed] : conv.packed)
            if (desc == layout)
                return packed;
        return std::nullopt;
    }

    static bool isReference(const dnnl::convolution_forward::primitive_desc& pd)
    {
        return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
    }

    memory packedWeights(Conv& conv, const Dims& dims, const memory::desc& layout)
    {
        if (auto packed = packedFor(conv, layout))
            return *packed;
        memory source = !conv.weight.empty()
            ? memory({dims, kF32, dims.size() == 4 ? Tag::oihw : Tag::goihw}, m_engine, conv.weight.data())
            : conv.packed.front().second;
        memory packed(layout, m_engine);
        dnnl::reorder(source, packed).execute(m_stream, source, packed);
        m_stream.wait();
        conv.packed.emplace_back(layout, packed);
        if (!conv.winograd)
            conv.weight = std::vector<float>();
        return packed;
    }

    const dnnl::engine& m_engine;
    dnnl::stream m_stream;
    Tag m_blocked;
    memory::data_type m_type;
    Plan& m_plan;
    std::vector<bool> m_busy;
};

/// Whether oneDNN has a Winograd convolution for this CPU (AVX-512 ones, in oneDNN 2.x).
bool winogradAvailable(const dnnl::engine& engine, Tag blocked)
{
    const memory::desc data({1, 64, 56, 56}, kF32, blocked);
    try {
        const dnnl::convolution_forward::desc desc(
            dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_winograd, data,
            memory::desc({64, 64, 3, 3}, kF32, Tag::any), data, {1, 1}, {1, 1}, {1, 1});
        dnnl::convolution_forward::primitive_desc pd(desc, engine);
        return true;
    } catch (const dnnl::error&) {
        return false;
    }
}

} // namespace

struct FusedResNet::Impl {
    dnnl::engine engine {dnnl::engine::kind::cpu, 0};
    Tag blocked = Tag::nChw8c;
    Precision precision = Precision::Fp32;
    bool winograd = false;
    Conv stem;
    std::vector<Block> blocks;
    std::vector<float> fcWeight, fcBias; ///< [classes x features], [classes]
    std::int64_t features = 0;

    std::mutex mutex; ///< guards everything below, and runs
    std::map<std::array<std::int64_t, 3>, Plan> plans;
    std::vector<AlignedBuffer> slots; ///< the activation buffers every plan shares
    std::uint64_t generation = 1; ///< bumped when a slot is reallocated

    Plan& plan(std::int64_t batch, std::int64_t height, std::int64_t width)
    {
        const std::array<std::int64_t, 3> key {batch, height, width};
        if (auto it = plans.find(key); it != plans.end())
            return it->second;
        if (plans.size() >= 8) // batches run in power-of-two chunks, so this is rare: a few crop sizes
            plans.clear();
        Plan plan; // into the map only when complete: oneDNN may throw while building
        PlanBuilder build(engine, blocked, precision == Precision::Bf16 ? kBf16 : kF32, plan);
        Activation x = build.convolve(build.input({batch, 3, height, width}), stem, true);
        Activation pooled = build.pool(x, false);
        build.release(x);
        x = pooled;
        for (Block& block : blocks) {
            // Bottleneck: 1x1, 3x3, then the last 1x1; basic: 3x3, then the last 3x3.
            Activation last = build.convolve(x, block.conv1, true);
            if (block.conv3) {
                const Activation out2 = build.convolve(last, block.conv2, true);
                build.release(last);
                last = out2;
            }
            // The residual add: the last convolution adds its result onto the identity's buffer.
            const Activation identity = block.downsample ? build.convolve(x, *block.downsample, false) : x;
            const Activation out
                = build.convolve(last, block.conv3 ? *block.conv3 : block.conv2, true, &identity);
            build.release(last);
            if (block.downsample)
                build.release(x);
            x = out;
        }
        plan.last = x.mem; // still in its slot after pooling: nothing is released after this point
        pooled = build.pool(x, true);
        build.finish(pooled);
        return plans.emplace(key, std::move(plan)).first->second;
    }

    void bind(Plan& plan)
    {
        slots.resize(std::max(slots.size(), plan.slotBytes.size()));
        for (std::size_t i = 0; i < plan.slotBytes.size(); ++i) {
            const std::size_t bytes = plan.slotBytes[i];
            if (!slots[i].data || slots[i].bytes < bytes) {
                slots[i] = AlignedBuffer(); // free before allocating the larger one
                slots[i] = AlignedBuffer(bytes);
                ++generation;
            }
        }
        if (plan.boundGeneration == generation)
            return;
        for (auto& [mem, slot] : plan.activations)
            mem.set_data_handle(slots[slot].data.get());
        plan.boundGeneration = generation;
    }
};

FusedResNet::FusedResNet(const ResNetSpec& spec, const std::map<std::string, TensorData>& state,
                         Precision precision)
    : m_impl(std::make_unique<Impl>())
{
    Impl& net = *m_impl;
    if (precision == Precision::Bf16 && !bf16Support().empty())
        throw std::runtime_error(bf16Support());
    net.precision = precision;
    net.blocked = dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core ? Tag::nChw16c : Tag::nChw8c;
    // oneDNN's Winograd convolutions are fp32 only.
    net.winograd = precision == Precision::Fp32 && winogradAvailable(net.engine, net.blocked);
    const NetworkLayout layout = networkLayout(spec);
    net.stem = fold(state, layout.stem);
    for (const BlockLayers& layers : layout.blocks) {
        Block block;
        block.conv1 = fold(state, layers.conv1);
        block.conv2 = fold(state, layers.conv2);
        if (layers.conv3)
            block.conv3 = fold(state, *layers.conv3);
        if (layers.downsample)
            block.downsample = fold(state, *layers.downsample);
        net.blocks.push_back(std::move(block));
    }
    if (net.winograd) {
        // Winograd's weights take four times the plain ones: allow it on the 3x3 stride-1 convolutions in
        // network order (largest maps, where it gains most, first) while they fit in the budget.
        std::size_t budget = kWinogradWeightBytes;
        for (Block& block : net.blocks) {
            for (Conv* conv : {&block.conv1, &block.conv2}) {
                const std::size_t bytes = conv->weight.size() * sizeof(float) * 4;
                if (conv->kernel == 3 && conv->stride == 1 && conv->groups == 1 && bytes <= budget) {
                    conv->winograd = true;
                    budget -= bytes;
                }
            }
        }
    }
    net.fcWeight = Floats(state, "fc.weight").vector();
    net.fcBias = Floats(state, "fc.bias").vector();
    net.features = spec.numClasses > 0 ? static_cast<std::int64_t>(net.fcWeight.size()) / spec.numClasses : 0;
    if (net.fcBias.size() != static_cast<std::size_t>(spec.numClasses)
        || net.fcWeight.size() != static_cast<std::size_t>(net.features * spec.numClasses))
        throw std::runtime_error("fc does not have " + std::to_string(spec.numClasses) + " classes");
}

FusedResNet::~FusedResNet() = default;

namespace {

/// A batch of n runs as chunks of n's binary digits, largest first (7 = 4 + 2 + 1), so that a batch run's
/// shorter batches reuse a few plans instead of each building its own.
std::vector<std::int64_t> chunks(std::int64_t n)
{
    std::vector<std::int64_t> sizes;
    for (std::int64_t bit = std::int64_t(1) << 62; bit > 0; bit >>= 1)
        if (n & bit)
            sizes.push_back(bit);
    return sizes;
}

} // namespace

std::string FusedResNet::bf16Support()
{
    // The ISA oneDNN will actually use (ONEDNN_MAX_CPU_ISA may lower it). The values are bit sets, each ISA
    // holding the ones below it: AMX includes avx512_core_bf16, avx2_vnni (numerically larger) does not.
    const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
    if ((static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bf16) == bf16)
        return {};
    return "bf16 inference needs a CPU with AVX512_BF16 (or AMX) instructions, which this one lacks (or "
           "ONEDNN_MAX_CPU_ISA hides); use --precision fp32";
}

bool FusedResNet::supports(const ResNetSpec& spec)
{
    // Every configuration of the layer list runs; a head needs at least one class.
    return spec.numClasses > 0 && (spec.block == BlockKind::Basic || spec.block == BlockKind::Bottleneck);
}

FusedResNet::Output FusedResNet::forward(const float* input, std::int64_t batch, std::int64_t height,
                                         std::int64_t width, bool features) const
{
    Impl& net = *m_impl;
    std::lock_guard lock(net.mutex);
    // oneDNN runs on OpenMP, whose thread count is a setting of each calling thread.
    omp_set_num_threads(inferenceThreads());
    dnnl::stream stream(net.engine);
    const auto classes = static_cast<std::int64_t>(net.fcBias.size());
    Output out;
    out.logits.resize(static_cast<std::size_t>(batch * classes));
    const std::size_t imageFloats = static_cast<std::size_t>(3 * height * width);
    std::int64_t done = 0;
    for (std::int64_t n : chunks(batch)) {
        Plan& plan = net.plan(n, height, width);
        net.bind(plan);
        plan.input.set_data_handle(const_cast<float*>(input) + imageFloats * static_cast<std::size_t>(done));
        for (std::size_t i = 0; i < plan.primitives.size(); ++i)
            plan.primitives[i].execute(stream, plan.arguments[i]);
        if (features) {
            // Only when asked: the last stage's output out of its blocked layout, into plain NCHW.
            const Dims dims = plan.last.get_desc().dims();
            const auto perImage = static_cast<std::size_t>(dims[1] * dims[2] * dims[3]);
            out.featureShape
                = {static_cast<int>(dims[1]), static_cast<int>(dims[2]), static_cast<int>(dims[3])};
            out.features.resize(perImage * static_cast<std::size_t>(batch));
            const memory plain({dims, kF32, Tag::nchw}, net.engine,
                               out.features.data() + perImage * static_cast<std::size_t>(done));
            if (!plan.lastToPlain)
                plan.lastToPlain = dnnl::reorder(plan.last, plain);
            plan.lastToPlain->execute(stream, {{DNNL_ARG_FROM, plan.last}, {DNNL_ARG_TO, plain}});
        }
        stream.wait();
        // The classifier: logits = pooled * fc.weight^T + fc.bias.
        float* logits = out.logits.data() + static_cast<std::size_t>(done * classes);
        for (std::int64_t i = 0; i < n; ++i)
            std::memcpy(logits + i * classes, net.fcBias.data(),
                        sizeof(float) * static_cast<std::size_t>(classes));
        const dnnl::status status = dnnl::sgemm(
            'N', 'T', n, classes, net.features, 1.f, static_cast<const float*>(plan.pooled.get_data_handle()),
            net.features, net.fcWeight.data(), net.features, 1.f, logits, classes);
        if (status != dnnl::status::success)
            throw dnnl::error(static_cast<dnnl_status_t>(status), "the classifier's matrix product failed");
        done += n;
    }
    return out;
}

void FusedResNet::prepare(std::int64_t batch, std::int64_t height, std::int64_t width) const
{
    std::lock_guard lock(m_impl->mutex);
    for (std::int64_t n : chunks(batch))
        m_impl->bind(m_impl->plan(n, height, width));
}

std::string FusedResNet::description() const
{
    if (m_impl->precision == Precision::Bf16)
        return "oneDNN, BatchNorm folded, bf16";
    return m_impl->winograd ? "oneDNN, BatchNorm folded, Winograd 3x3" : "oneDNN, BatchNorm folded";
}

} // namespace lens
