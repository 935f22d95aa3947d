#include "checkpoint/TensorListing.h"

#include "checkpoint/Checkpoint.h"

#include <torch/torch.h>

namespace lens {

Result<std::vector<TensorInfo>> listCheckpointTensors(const std::string& path)
{
    auto checkpoint = readCheckpoint(path);
    if (!checkpoint)
        return checkpoint.error();
    std::vector<TensorInfo> out;
    out.reserve(checkpoint->tensors.size());
    for (const auto& [name, tensor] : checkpoint->tensors) {
        std::string dtype = c10::toString(tensor.scalar_type());
        // c10 names types after their C++ spelling ("Float"); torch users know them as torch dtypes.
        static const std::pair<const char*, const char*> names[]
            = {{"Float", "float32"}, {"Double", "float64"}, {"Half", "float16"}, {"BFloat16", "bfloat16"},
               {"Long", "int64"},    {"Int", "int32"},      {"Short", "int16"},  {"Char", "int8"},
               {"Byte", "uint8"},    {"Bool", "bool"}};
        for (const auto& [from, to] : names)
            if (dtype == from)
                dtype = to;
        out.push_back({name, tensor.sizes().vec(), dtype});
    }
    return out;
}

} // namespace lens
