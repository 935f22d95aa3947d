#include "convert/Writers.h"
#include "io/Json.h"
#include "io/Text.h"
#include "tensor/Cast.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <set>

namespace lens {

int safeTensorsDtypeOrder(DType type)
{
    // The reference implementation's Dtype enum, in its order: BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16,
    // F16, BF16, I32, U32, F32, F64, I64, U64.
    switch (type) {
    case DType::Bool:
        return 0;
    case DType::UInt8:
        return 1;
    case DType::Int8:
        return 2;
    case DType::Int16:
        return 5;
    case DType::Float16:
        return 7;
    case DType::BFloat16:
        return 8;
    case DType::Int32:
        return 9;
    case DType::Float32:
        return 11;
    case DType::Float64:
        return 12;
    case DType::Int64:
        return 13;
    }
    return 0;
}

Result<void> writeSafeTensors(ByteSink& out, const std::vector<ExportTensor>& tensors,
                              const std::vector<std::pair<std::string, std::string>>& metadata,
                              const WriteProgress& progress)
{
    std::set<std::string> names; // from the file: an ordered set
    for (const auto& t : tensors) {
        if (t.name.empty())
            return Error {"a tensor has an empty name, which safetensors cannot store"};
        if (!isValidUtf8(t.name))
            return Error {"the tensor name '" + t.name + "' is not valid UTF-8, which safetensors needs"};
        if (!names.insert(t.name).second)
            return Error {"two tensors are named '" + t.name + "'"};
    }
    std::vector<const ExportTensor*> order;
    for (const auto& t : tensors)
        order.push_back(&t);
    std::sort(order.begin(), order.end(), [](const ExportTensor* a, const ExportTensor* b) {
        const int x = safeTensorsDtypeOrder(a->dtype), y = safeTensorsDtypeOrder(b->dtype);
        return x != y ? x > y : a->name < b->name;
    });

    // The header as serde_json writes it: no spaces, "__metadata__" first, then the tensors in data order.
    std::string header = "{";
    if (!metadata.empty()) {
        header += JsonWriter::escape("__metadata__") + ":{";
        for (std::size_t i = 0; i < metadata.size(); ++i)
            header += (i ? "," : "") + JsonWriter::escape(metadata[i].first) + ":"
                + JsonWriter::escape(metadata[i].second);
        header += "}";
    }
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const ExportTensor& t = *order[i];
        const std::uint64_t bytes = static_cast<std::uint64_t>(t.tensor->numel()) * dtypeInfo(t.dtype).size;
        if (i > 0 || !metadata.empty())
            header += ",";
        header += JsonWriter::escape(t.name) + ":{\"dtype\":\"" + dtypeInfo(t.dtype).safetensorsName
            + "\",\"shape\":[";
        for (std::size_t d = 0; d < t.tensor->shape.size(); ++d)
            header += (d ? "," : "") + std::to_string(t.tensor->shape[d]);
        header
            += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');

    unsigned char length[8];
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i)
        length[i] = static_cast<unsigned char>(n >> (8 * i));
    if (auto written = out.write(length, sizeof length); !written)
        return written;
    if (auto written = out.write(header.data(), header.size()); !written)
        return written;

    std::vector<std::uint8_t> buffer;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const ExportTensor& t = *order[i];
        try {
            buffer.resize(static_cast<std::size_t>(t.tensor->numel()) * dtypeInfo(t.dtype).size);
        } catch (const std::bad_alloc&) {
            return Error {"not enough memory for the tensor '" + t.name + "'"};
        }
        copyElements(*t.tensor, t.dtype, buffer.data());
        if (auto written = out.write(buffer.data(), buffer.size()); !written)
            return written;
        if (progress && !progress(i + 1, order.size()))
            return Error {"the export was stopped", ErrorKind::Cancelled};
    }
    return {};
}

} // namespace lens
