// libFuzzer target for the zip reader (and the pickle inside it). Torch-free, builds in a second:
//   clang++ -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=c++17 -Icore \
//       tests/fuzz/fuzz_zip.cpp core/checkpoint/ZipArchive.cpp core/checkpoint/Pickle.cpp -o fuzz_zip
//   ./fuzz_zip -rss_limit_mb=2048 -max_len=65536 tests/fuzz/corpus/zip

#include "checkpoint/Pickle.h"
#include "checkpoint/PickleSafety.h"
#include "checkpoint/ZipArchive.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

void require(bool condition)
{
    if (!condition)
        __builtin_trap();
}

bool endsWith(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size()
        && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    lens::Result<lens::ZipArchive> archive
        = lens::ZipArchive::fromBuffer(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    if (!archive)
        return 0;
    // No byte of the file belongs to two entries (so reading every entry reads at most the file).
    std::vector<const lens::ZipArchive::Entry*> byOffset;
    for (const auto& entry : archive->entries())
        byOffset.push_back(&entry);
    std::sort(byOffset.begin(), byOffset.end(),
              [](auto* a, auto* b) { return a->localOffset < b->localOffset; });
    for (std::size_t i = 1; i < byOffset.size(); ++i)
        require(byOffset[i]->localOffset >= byOffset[i - 1]->dataOffset + byOffset[i - 1]->compressedSize);
    for (const lens::ZipArchive::Entry& entry : archive->entries()) {
        require(archive->find(entry.name) == &entry);
        require(entry.dataOffset <= size && entry.compressedSize <= size - entry.dataOffset);
        lens::Result<std::string> bytes = archive->read(entry);
        if (!bytes)
            continue;
        require(bytes->size() == entry.size);
        std::vector<char> copy(bytes->size());
        require(archive->readInto(entry, copy.data()).ok());
        if (endsWith(entry.name, ".pkl")) {
            lens::UnpickleOptions options;
            options.displayName = entry.name;
            options.maxMemory = std::size_t(16) << 20;
            lens::Result<lens::PickleDocument> document
                = lens::unpickle(bytes->data(), bytes->size(), options);
            if (document)
                (void)lens::describeDangers(lens::pickleDangers(*document));
        }
    }
    return 0;
}
