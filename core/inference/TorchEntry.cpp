// The entry point of resnet-lens-torch.so (inference/ModuleRuntime.h).

#include "inference/TorchRuntime.h"

extern "C" __attribute__((visibility("default"))) const lens::ModuleRuntime* resnet_lens_torch_runtime()
{
    return &lens::torchRuntime();
}
