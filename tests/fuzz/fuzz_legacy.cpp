// libFuzzer target: the legacy torch.save container walker (five pickles, then counted storages) and the
// restricted unpickler under it, on arbitrary bytes. Every accepted storage must lie inside the input.

#include "checkpoint/LegacyFormat.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto container = lens::parseLegacyContainer(reinterpret_cast<const char*>(data), size, "fuzz");
    if (!container)
        return 0;
    for (const auto& [key, storage] : container->storages) {
        const std::size_t elementSize = lens::dtypeInfo(storage.dtype).size;
        if (storage.numel < 0 || storage.dataOffset > size
            || static_cast<std::uint64_t>(storage.numel) * elementSize > size - storage.dataOffset)
            std::abort();
    }
    return 0;
}
