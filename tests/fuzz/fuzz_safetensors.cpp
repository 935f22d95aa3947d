// libFuzzer target: the safetensors header validator and the JSON reader under it, on arbitrary bytes.
// Every accepted header must describe tensors that lie inside the input and do not overlap.

#include "checkpoint/SafeTensors.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const char* bytes = reinterpret_cast<const char*>(data);
    auto header = lens::parseSafeTensorsHeader(bytes, size, size, "fuzz");
    if (!header)
        return 0;
    std::uint64_t previousEnd = header->dataStart;
    for (const auto& tensor : header->tensors) {
        if (tensor.begin < previousEnd || tensor.end < tensor.begin || tensor.end > size)
            std::abort();
        previousEnd = tensor.end;
    }
    return 0;
}
