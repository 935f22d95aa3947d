#pragma once

// The element types a checkpoint's tensors may have, described once: their names in torch, in torch's
// storage classes and in safetensors, their sizes, and how an element reads as a double. LibTorch-free;
// the engine maps DType to LibTorch's ScalarType in one place (inference/TorchTensor.h).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lens {

enum class DType { Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool };

struct DTypeInfo {
    DType type;
    const char* torchName; ///< "float32": what torch users call it (torch.float32)
    const char* storageName; ///< "Float": torch's storage class without "Storage" (torch.FloatStorage)
    const char* safetensorsName; ///< "F32"
    std::size_t size; ///< bytes per element
    bool floating;
};

const DTypeInfo& dtypeInfo(DType type);

inline const char* dtypeName(DType type)
{
    return dtypeInfo(type).torchName;
}

std::optional<DType> dtypeFromStorageName(std::string_view name);
std::optional<DType> dtypeFromSafetensorsName(std::string_view name);
std::optional<DType> dtypeFromTorchName(std::string_view name);

/// One element at p (little-endian), as a double: float16 and bfloat16 widened exactly, booleans 0/1.
double elementAsDouble(DType type, const std::uint8_t* p);

/// IEEE half-precision bits as a double (exact).
double halfToDouble(std::uint16_t bits);

} // namespace lens
