#include "tensor/DType.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace lens {

namespace {

const DTypeInfo kTypes[] = {
    {DType::Float32, "float32", "Float", "F32", 4, true},
    {DType::Float64, "float64", "Double", "F64", 8, true},
    {DType::Float16, "float16", "Half", "F16", 2, true},
    {DType::BFloat16, "bfloat16", "BFloat16", "BF16", 2, true},
    {DType::Int64, "int64", "Long", "I64", 8, false},
    {DType::Int32, "int32", "Int", "I32", 4, false},
    {DType::Int16, "int16", "Short", "I16", 2, false},
    {DType::Int8, "int8", "Char", "I8", 1, false},
    {DType::UInt8, "uint8", "Byte", "U8", 1, false},
    {DType::Bool, "bool", "Bool", "BOOL", 1, false},
};

template <typename Field> std::optional<DType> find(std::string_view name, Field field)
{
    for (const DTypeInfo& info : kTypes) {
        if (name == info.*field)
            return info.type;
    }
    return std::nullopt;
}

template <typename T> T load(const std::uint8_t* p)
{
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

} // namespace

const DTypeInfo& dtypeInfo(DType type)
{
    return kTypes[static_cast<int>(type)];
}

std::optional<DType> dtypeFromStorageName(std::string_view name)
{
    return find(name, &DTypeInfo::storageName);
}

std::optional<DType> dtypeFromSafetensorsName(std::string_view name)
{
    return find(name, &DTypeInfo::safetensorsName);
}

std::optional<DType> dtypeFromTorchName(std::string_view name)
{
    return find(name, &DTypeInfo::torchName);
}

double halfToDouble(std::uint16_t bits)
{
    const int sign = (bits >> 15) ? -1 : 1;
    const int exponent = (bits >> 10) & 0x1F;
    const int mantissa = bits & 0x3FF;
    if (exponent == 0)
        return sign * std::ldexp(mantissa, -24);
    if (exponent == 31)
        return mantissa ? std::numeric_limits<double>::quiet_NaN()
                        : sign * std::numeric_limits<double>::infinity();
    return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

double elementAsDouble(DType type, const std::uint8_t* p)
{
    switch (type) {
    case DType::Float32:
        return load<float>(p);
    case DType::Float64:
        return load<double>(p);
    case DType::Float16:
        return halfToDouble(load<std::uint16_t>(p));
    case DType::BFloat16: {
        const std::uint32_t bits = std::uint32_t(load<std::uint16_t>(p)) << 16;
        return load<float>(reinterpret_cast<const std::uint8_t*>(&bits));
    }
    case DType::Int64:
        return static_cast<double>(load<std::int64_t>(p));
    case DType::Int32:
        return load<std::int32_t>(p);
    case DType::Int16:
        return load<std::int16_t>(p);
    case DType::Int8:
        return load<std::int8_t>(p);
    case DType::UInt8:
        return *p;
    case DType::Bool:
        return *p ? 1.0 : 0.0;
    }
    return 0.0;
}

} // namespace lens
