#pragma once

// ModuleRuntime (inference/ModuleRuntime.h) on LibTorch: what resnet-lens-torch.so exports.

#include "inference/ModuleRuntime.h"

namespace lens {

/// The process's one runtime.
const ModuleRuntime& torchRuntime();

} // namespace lens
