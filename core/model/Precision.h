#pragma once

// The number format inference runs in. fp32 is the exact mode (torchvision's answer up to float rounding)
// and the default; bf16 runs the convolutions on bfloat16 weights and activations with fp32 accumulation,
// faster on CPUs with AVX512_BF16 or AMX, at the cost of small logit drift (see README, Speed).
//
// Header-only so that the batch outputs (lens_base), the engine and the front ends share one spelling.

#include <optional>
#include <string>
#include <string_view>

namespace lens {

enum class Precision { Fp32, Bf16 };

/// "fp32" or "bf16": the spelling of --precision, the batch header and the settings.
inline std::string precisionName(Precision precision)
{
    return precision == Precision::Bf16 ? "bf16" : "fp32";
}

/// The inverse of precisionName(); nullopt for anything else.
inline std::optional<Precision> precisionByName(std::string_view name)
{
    if (name == "fp32")
        return Precision::Fp32;
    if (name == "bf16")
        return Precision::Bf16;
    return std::nullopt;
}

} // namespace lens
