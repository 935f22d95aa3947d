#pragma once

// Where plain tensor data meets LibTorch: DType <-> ScalarType, and a TensorData viewed as a LibTorch tensor.
// Includes LibTorch: keep this header out of widely included headers.

#include "tensor/TensorData.h"

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

namespace lens {

c10::ScalarType scalarType(DType type);

/// The LibTorch type as a DType, or nullopt for types checkpoints never hold here (complex, quantized).
std::optional<DType> dtypeOf(c10::ScalarType type);

/// The tensor as a LibTorch tensor over the same bytes (no copy; it keeps the storage alive). Read it only:
/// the bytes may be a read-only file mapping.
at::Tensor toTorch(const TensorData& tensor);

} // namespace lens
