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

} // namespace lens
