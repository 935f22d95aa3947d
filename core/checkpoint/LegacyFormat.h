#pragma once

// The container torch.save wrote before PyTorch 1.6 (and still writes with
// _use_new_zipfile_serialization=False): five pickles back to back (magic number, protocol 1001, sys_info,
// the object, the list of storage keys), then for each key in that list an int64 little-endian element
// count followed by the storage's raw bytes. This walker checks every count against the rest of the file
// and locates each storage; it is free of LibTorch, so it can be fuzzed on its own.
//
// Threading: parseLegacyContainer() is reentrant; the result is immutable.

#include "Result.h"
#include "checkpoint/Pickle.h"
#include "tensor/DType.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace lens {

/// One storage of a legacy file.
struct LegacyStorage {
    DType dtype = DType::Float32;
    std::uint64_t dataOffset = 0; ///< absolute file offset of the first byte
    std::int64_t numel = 0; ///< elements, checked to fit in the file
};

struct LegacyContainer {
    PickleDocument object; ///< the saved object; tensors are TensorRefs into `storages`
    std::map<std::string, LegacyStorage> storages;
};

/// True when the bytes start like the legacy magic-number pickle.
bool looksLikeLegacy(const char* head, std::size_t headSize);

/// Walks the whole file in memory (`data`, `size` bytes). Errors name `displayName` and say what is wrong.
Result<LegacyContainer> parseLegacyContainer(const char* data, std::size_t size,
                                             const std::string& displayName);

} // namespace lens
