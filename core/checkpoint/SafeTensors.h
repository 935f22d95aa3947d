#pragma once

// The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON describing each tensor, then the raw little-endian tensor data. This part
// validates the header against the file and is free of LibTorch, so it can be fuzzed on its own.
//
// Threading: parseSafeTensorsHeader() is reentrant.

#include "Result.h"
#include "tensor/DType.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lens {

struct SafeTensorsEntry {
    std::string name;
    DType dtype
        = DType::Float32; ///< from "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; ///< absolute file offset of the first byte
    std::uint64_t end = 0; ///< absolute file offset one past the last byte
};

struct SafeTensorsHeader {
    /// Tensors in data order (by offset); names are unique.
    std::vector<SafeTensorsEntry> tensors;
    /// The "__metadata__" object: string keys and string values, in header order.
    std::vector<std::pair<std::string, std::string>> metadata;
    /// Absolute file offset where the data section starts (8 + header length).
    std::uint64_t dataStart = 0;
};

/// Largest header accepted, as in the reference implementation.
constexpr std::uint64_t kSafeTensorsMaxHeader = 100'000'000;

/// True when the first bytes look like a safetensors file: a header length that fits in the file, followed
/// by '{'.
bool looksLikeSafeTensors(const char* head, std::size_t headSize, std::uint64_t fileSize);

/// Parses and validates the header. `data` holds at least the first min(fileSize, 8 + N) bytes of the file.
/// Checks: N <= 100 MB and inside the file; valid JSON; every entry has a supported dtype, a shape of
/// non-negative sizes whose byte size (numel * element size) equals end - begin, offsets inside the file;
/// no two tensors overlap. Errors name `displayName`.
Result<SafeTensorsHeader> parseSafeTensorsHeader(const char* data, std::size_t size, std::uint64_t fileSize,
                                                 const std::string& displayName);

} // namespace lens
