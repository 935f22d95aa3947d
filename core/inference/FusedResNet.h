#pragma once

// A ResNet prepared for fast CPU inference and run by oneDNN directly, built from networkLayout() and a
// state dict with torchvision's key names:
// - every BatchNorm folded into the convolution before it (eval statistics, computed in double);
// - ReLU and the residual add fused into the convolutions as oneDNN post-ops, the add written in place;
// - activations kept in oneDNN's blocked channel layout from the first convolution to the pooling, in three
//   reused buffers;
// - 3x3 stride-1 convolutions on maps of at least 14x14 computed with Winograd where oneDNN has it for this
//   CPU (not exact: Classifier's parity tests bound the difference);
// - the weights reordered once per layout, and the primitives built once per input shape; a batch runs in
//   power-of-two chunks (7 = 4 + 2 + 1), so that few shapes are ever built;
// - in bf16 (opt-in): BatchNorm folded in fp32 first, then the weights and the activations between layers in
//   bfloat16, in the layouts oneDNN picks for this CPU, with fp32 accumulation and fp32 biases; no Winograd
//   (oneDNN has it for fp32 only); the global average pooling and the fc layer in fp32. Needs AVX512_BF16 or
//   AMX (bf16Support()).
//
// No LibTorch: the CPU fast path runs in a process that never loads it (inference/ModuleRuntime.h).
//
// forward() may be called from any thread; calls are serialized.

#include "model/Architecture.h"
#include "model/Precision.h"
#include "tensor/TensorData.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lens {

class FusedResNet {
public:
    /// state: the model's parameters and buffers by torchvision name, of any floating-point dtype (a
    /// checkpoint's own tensors: they are read, never kept). Throws (dnnl::error, std::runtime_error) where
    /// a tensor is missing or oneDNN cannot build the network; check bf16Support() before asking for bf16.
    FusedResNet(const ResNetSpec& spec, const std::map<std::string, TensorData>& state,
                Precision precision = Precision::Fp32);
    ~FusedResNet();

    /// Whether the fast path runs this configuration (the classifier uses the LibTorch modules otherwise).
    static bool supports(const ResNetSpec& spec);

    /// Empty when oneDNN runs bf16 convolutions on this CPU (AVX512_BF16 or AMX); else why not, naming the
    /// missing CPU feature. (oneDNN honours ONEDNN_MAX_CPU_ISA, which can hide the feature.)
    static std::string bf16Support();

    struct Output {
        std::vector<float> logits; ///< [batch x numClasses], row-major
        std::vector<float> features; ///< with features: [batch, C, h, w]
        std::array<int, 3> featureShape {}; ///< C, h, w
    };

    /// batch CHW float32 images of 3 x height x width, back to back -> their logits. With features, also the
    /// last stage's output (after its final ReLU, before pooling), for class activation maps;
    /// classification without it does no extra work. Runs on inferenceThreads() threads (Threads.h).
    /// Throws (dnnl::error) where oneDNN fails.
    Output forward(const float* input, std::int64_t batch, std::int64_t height, std::int64_t width,
                   bool features = false) const;

    /// Builds what forward() needs for this input shape (primitives, reordered weights) without running it,
    /// so that the first call of that shape is as fast as the others.
    void prepare(std::int64_t batch, std::int64_t height, std::int64_t width) const;

    /// What runs, e.g. "oneDNN, BatchNorm folded, Winograd 3x3" or "oneDNN, BatchNorm folded, bf16".
    std::string description() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace lens
