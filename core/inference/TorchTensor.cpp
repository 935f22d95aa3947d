#include "inference/TorchTensor.h"

#include <torch/torch.h>

namespace lens {

namespace {

constexpr std::pair<DType, c10::ScalarType> kTypes[] = {
    {DType::Float32, c10::kFloat},     {DType::Float64, c10::kDouble}, {DType::Float16, c10::kHalf},
    {DType::BFloat16, c10::kBFloat16}, {DType::Int64, c10::kLong},     {DType::Int32, c10::kInt},
    {DType::Int16, c10::kShort},       {DType::Int8, c10::kChar},      {DType::UInt8, c10::kByte},
    {DType::Bool, c10::kBool},
};

} // namespace

c10::ScalarType scalarType(DType type)
{
    for (const auto& [ours, theirs] : kTypes) {
        if (ours == type)
            return theirs;
    }
    return c10::kFloat;
}

std::optional<DType> dtypeOf(c10::ScalarType type)
{
    for (const auto& [ours, theirs] : kTypes) {
        if (theirs == type)
            return ours;
    }
    return std::nullopt;
}

at::Tensor toTorch(const TensorData& tensor)
{
    std::shared_ptr<const StorageBytes> keep = tensor.storage;
    auto* data = const_cast<std::uint8_t*>(tensor.storage->data)
        + tensor.offset * static_cast<std::int64_t>(dtypeInfo(tensor.dtype).size);
    return torch::from_blob(
        data, tensor.shape, tensor.strides, [keep](void*) {},
        torch::TensorOptions().dtype(scalarType(tensor.dtype)));
}

} // namespace lens
