#pragma once

// The torchvision ResNet family as data: each configuration, its network described once as a layer list
// (networkLayout), from which the LibTorch modules are registered (ResNet.cpp), the expected state-dict keys
// and shapes derived (expectedShapes) and the fast path folded and planned (FusedResNet.cpp); detection of
// which member a state dict holds from its key names and shapes alone; and the rule that matches a
// checkpoint's keys against a model's. No LibTorch here, so the inspector and the GUI use it freely.

#include "Result.h"
#include "model/LoadReport.h"
#include "tensor/DType.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lens {

enum class BlockKind { Basic, Bottleneck };

/// One ResNet configuration, with torchvision's constructor arguments.
struct ResNetSpec {
    std::string name; ///< torchvision name, e.g. "resnet50", "resnext50_32x4d"
    BlockKind block = BlockKind::Bottleneck;
    std::array<int, 4> layers {3, 4, 6, 3}; ///< blocks per stage
    int groups = 1; ///< grouped 3x3 convolutions (ResNeXt)
    int widthPerGroup = 64; ///< 64 for ResNet, 4 or 8 for ResNeXt, 128 for Wide ResNet
    int numClasses = 1000; ///< outputs of fc
};

/// One entry of a state dict as matching sees it.
struct KeyShape {
    std::string key;
    std::vector<std::int64_t> shape;
    DType dtype = DType::Float32;

    bool operator==(const KeyShape& other) const
    {
        return key == other.key && shape == other.shape && dtype == other.dtype;
    }
};

/// The entries of a state dict, in its own order.
using ShapeList = std::vector<KeyShape>;

/// One convolution with the BatchNorm after it, by their state-dict prefixes.
struct ConvLayer {
    std::string name; ///< "layer1.0.conv1", "layer1.0.downsample.0", "conv1"
    std::string batchNorm; ///< "layer1.0.bn1", "layer1.0.downsample.1", "bn1"
    std::int64_t inChannels = 0;
    std::int64_t outChannels = 0;
    std::int64_t kernel = 1;
    std::int64_t stride = 1;
    std::int64_t padding = 0;
    std::int64_t groups = 1;
};

/// One residual block: conv1, conv2 (ResNet v1.5: the stride sits on the 3x3), conv3 for Bottleneck, and
/// the downsample projection of the identity where the shape changes. ReLU follows each convolution; the
/// last one's comes after the residual add.
struct BlockLayers {
    std::string name; ///< "layer1.0"
    int stage = 0; ///< 0..3
    ConvLayer conv1, conv2;
    std::optional<ConvLayer> conv3;
    std::optional<ConvLayer> downsample;
};

/// The whole network: stem (7x7 conv, BN, ReLU, 3x3 max pool), blocks, global average pool, fc.
struct NetworkLayout {
    BlockKind block = BlockKind::Bottleneck;
    ConvLayer stem;
    std::vector<BlockLayers> blocks;
    std::int64_t features = 0; ///< channels of the last stage, the input of fc
    int numClasses = 1000;
};

NetworkLayout networkLayout(const ResNetSpec& spec);

/// The ten torchvision ResNet-family architectures, each with 1000 classes.
const std::vector<ResNetSpec>& knownArchitectures();

/// "resnet50" -> its spec. The error lists the known names.
Result<ResNetSpec> architectureByName(const std::string& name);

/// Names of knownArchitectures(), comma separated (for messages and --help).
std::string knownArchitectureNames();

/// Identifies the architecture of a torchvision-style state dict (keys like "layer1.0.conv1.weight",
/// prefixes already removed) from block type, blocks per stage, groups and widths. A configuration that
/// is a valid ResNet but not one of the ten gets the name "resnet (custom)". numClasses comes from fc.
Result<ResNetSpec> detectArchitecture(const ShapeList& shapes);

/// The state-dict keys, shapes and dtypes a model of this spec has, in torchvision's order (including the
/// BatchNorm buffers; num_batches_tracked is int64, everything else float32).
ShapeList expectedShapes(const ResNetSpec& spec);

/// Whether a key may be absent from a checkpoint (num_batches_tracked: weights saved before PyTorch 0.4.1).
bool isOptionalKey(const std::string& key);

/// Number of learnable parameters of a model of this spec (torchvision's sum(p.numel())), without buffers.
std::int64_t parameterCount(const ResNetSpec& spec);

/// Most classes a head may have: a larger fc is refused as not a sane classifier (ImageNet-21k has 21,843).
constexpr int kMaxClasses = 100000;

/// The architecture to build for a checkpoint: `name` when given (keeping the checkpoint's class count),
/// else the detected one. When the head has N != 1000 classes, says so in `fixes` ("fc resized ...").
/// A head of 0 or more than kMaxClasses classes is an error.
Result<ResNetSpec> resolveArchitecture(const ShapeList& checkpoint, const std::string& name,
                                       std::vector<std::string>& fixes);

/// Matches a checkpoint's keys and shapes against a model's (both in their own order): matched, missing
/// (optional keys excepted), unexpected and mismatched keys, and `converted`, the matched keys whose
/// checkpoint dtype differs from the model's. The single rule for loading, inspection and the app's report.
LoadReport matchStateDict(const ShapeList& model, const ShapeList& checkpoint);

/// "converted 122 tensors from float16 to float32 (the model's dtype)": the fix to report for a report's
/// converted keys, given the checkpoint's dtypes; empty when nothing was converted.
std::string describeConversion(const ShapeList& checkpoint, const LoadReport& report);

} // namespace lens
