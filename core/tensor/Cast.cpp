#include "tensor/Cast.h"

#include <cmath>
#include <cstring>

namespace lens {

namespace {

std::uint32_t bitsOf(float value)
{
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

/// value >> shift, rounded to nearest, ties to even (shift in 1..31).
std::uint32_t shiftRoundingToEven(std::uint32_t value, int shift)
{
    const std::uint32_t kept = value >> shift;
    const std::uint32_t rest = value & ((std::uint32_t(1) << shift) - 1);
    const std::uint32_t halfway = std::uint32_t(1) << (shift - 1);
    return kept + ((rest > halfway || (rest == halfway && (kept & 1))) ? 1 : 0);
}

void store(std::uint8_t* out, DType target, double value)
{
    switch (target) {
    case DType::Float32: {
        const float f = static_cast<float>(value);
        std::memcpy(out, &f, 4);
        return;
    }
    case DType::Float64:
        std::memcpy(out, &value, 8);
        return;
    case DType::Float16: {
        const std::uint16_t bits = halfFromFloat(static_cast<float>(value));
        std::memcpy(out, &bits, 2);
        return;
    }
    case DType::BFloat16: {
        const std::uint16_t bits = bfloat16FromFloat(static_cast<float>(value));
        std::memcpy(out, &bits, 2);
        return;
    }
    default:
        return; // only floating-point targets are converted to (see copyElements)
    }
}

} // namespace

std::uint16_t halfFromFloat(float value)
{
    const std::uint32_t bits = bitsOf(value);
    const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u)
        return sign | 0x7E00u; // NaN
    // 65520 lies halfway between float16's largest value (65504) and the next step, 65536: it and anything
    // above round to infinity (ties to even: 65504's mantissa is odd).
    if (magnitude >= 0x477FF000u)
        return sign | 0x7C00u;
    const int exponent = static_cast<int>(magnitude >> 23) - 127;
    if (exponent >= -14) {
        // Normal in float16: keep 10 of the 23 mantissa bits; a carry out of the mantissa raises the
        // exponent, which is the correctly rounded result.
        const std::uint32_t rebased
            = (static_cast<std::uint32_t>(exponent + 15) << 23) | (magnitude & 0x7FFFFFu);
        return sign | static_cast<std::uint16_t>(shiftRoundingToEven(rebased, 13));
    }
    if (exponent < -25)
        return sign; // below half the smallest subnormal (2^-24): zero (float subnormals too)
    // Subnormal in float16: the value in units of 2^-24 is significand * 2^(exponent + 1).
    const std::uint32_t significand = (magnitude & 0x7FFFFFu) | 0x800000u;
    return sign | static_cast<std::uint16_t>(shiftRoundingToEven(significand, -(exponent + 1)));
}

std::uint16_t bfloat16FromFloat(float value)
{
    if (std::isnan(value))
        return 0x7FC0u;
    const std::uint32_t bits = bitsOf(value);
    // Rounding to nearest even on the upper 16 bits; a carry into the exponent is the right result, up
    // to infinity.
    return static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

void copyElements(const TensorData& tensor, DType target, std::uint8_t* out)
{
    const std::size_t from = dtypeInfo(tensor.dtype).size;
    const std::size_t to = dtypeInfo(target).size;
    if (target == tensor.dtype) {
        if (tensor.contiguous()) {
            const auto bytes = static_cast<std::size_t>(tensor.numel()) * from;
            if (bytes > 0)
                std::memcpy(out, tensor.storage->data + tensor.offset * static_cast<std::int64_t>(from),
                            bytes);
            return;
        }
        tensor.forEach([&](const std::uint8_t* p) {
            std::memcpy(out, p, from);
            out += from;
        });
        return;
    }
    // Every float16, bfloat16 and float32 value is exact as a double.
    tensor.forEach([&](const std::uint8_t* p) {
        store(out, target, elementAsDouble(tensor.dtype, p));
        out += to;
    });
}

} // namespace lens
