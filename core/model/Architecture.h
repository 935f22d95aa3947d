#pragma once

// The torchvision ResNet family as data, and detection of which member a state dict holds from its key
// names and tensor shapes alone. No LibTorch here: detection runs on shapes, so it also serves the
// checkpoint inspector before any tensor is materialised.

#include "Result.h"
#include "model/LoadReport.h"

#include <array>
#include <cstdint>
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

/// Shapes of a state dict, in file order: (key, shape).
using ShapeList = std::vector<std::pair<std::string, std::vector<std::int64_t>>>;

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

/// The state-dict keys and shapes a model of this spec has, in torchvision's order
/// (including the BatchNorm buffers and num_batches_tracked).
ShapeList expectedShapes(const ResNetSpec& spec);

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
/// (num_batches_tracked is optional), unexpected and mismatched keys. `converted` is left empty. This is
/// the single rule used both for loading and for inspection.
LoadReport matchStateDict(const ShapeList& model, const ShapeList& checkpoint);

} // namespace lens
