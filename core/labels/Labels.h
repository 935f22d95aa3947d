#pragma once

// Class names: torchvision's 1000 ImageNet-1k names, or custom ones.

#include "Result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens {

/// The 1000 ImageNet-1k class names in torchvision's class-index order.
const std::vector<std::string>& imagenetLabels();

/// Largest label file read: a hundred thousand long names fit easily.
constexpr std::uintmax_t kMaxLabelFileBytes = std::uintmax_t(16) << 20;

/// Reads a label file: one name per line, line i is class i; blank trailing lines are ignored. It must be a
/// regular file of UTF-8 text of at most kMaxLabelFileBytes.
Result<std::vector<std::string>> readLabelFile(const std::string& path);

/// Names for a head of numClasses outputs: the ImageNet names for 1000 classes, else "class 0".."class N-1".
std::vector<std::string> defaultLabels(int numClasses);

/// The class names a model uses, and where they came from.
struct LabelChoice {
    std::vector<std::string> names;
    std::string source; ///< "file" (given), "checkpoint", "imagenet" or "generic"
};

/// The one rule: names given by the user (a --labels file) when there are any, else the checkpoint's when
/// they are one per class, else defaultLabels(). The given names are returned as they are even when their
/// count differs from numClasses: callers decide whether that is an error.
LabelChoice chooseLabels(const std::vector<std::string>& given,
                         const std::vector<std::string>& fromCheckpoint, int numClasses);

} // namespace lens
