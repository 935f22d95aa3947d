#pragma once

// Element type conversions as torch makes them, without LibTorch: float32 to float16 and bfloat16 round to
// nearest, ties to even, bit for bit as Tensor.half() and Tensor.bfloat16() do on the CPU; float64 goes
// through float32 first, as torch's scalar conversion does; widening is exact. A NaN stays a NaN: float16
// 0x7E00 with its sign, as torch writes it; bfloat16 0x7FC0, as torch's scalar conversion writes it (its
// vectorised loop writes 0xFFFF, also a NaN). Used to export weights in another dtype.
//
// Threading: pure functions.

#include "tensor/TensorData.h"

#include <cstdint>

namespace lens {

/// IEEE binary16 bits of a float, rounded to nearest even (overflow gives infinity).
std::uint16_t halfFromFloat(float value);

/// bfloat16 bits of a float, rounded to nearest even.
std::uint16_t bfloat16FromFloat(float value);

/// Writes the tensor's elements in row-major order into `out` (numel * dtypeInfo(target).size bytes) as
/// `target`. A floating-point tensor is cast to a floating-point target; any other tensor (int64, bool, ...)
/// must have target == tensor.dtype. Elements of the same type are copied bit for bit.
void copyElements(const TensorData& tensor, DType target, std::uint8_t* out);

} // namespace lens
