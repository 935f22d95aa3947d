#pragma once

// Writers for the two formats weights are exported to, without Python or LibTorch:
// - safetensors, by the rules of the reference implementation (huggingface/safetensors, `serialize`):
//   an 8-byte little-endian header length, the header JSON padded with spaces to a multiple of 8 bytes,
//   "__metadata__" first, then the tensors sorted by dtype (largest alignment first, as its Dtype order)
//   and then by name, their data_offsets contiguous from 0 to the end of the file, so that every tensor's
//   data is aligned to its element size;
// - torch.save's zip format, as PyTorch's PyTorchStreamWriter writes it: records archive/data.pkl (pickle
//   protocol 2 of a collections.OrderedDict of torch._utils._rebuild_tensor_v2 calls whose storages are
//   persistent ids ('storage', torch.FloatStorage, key, 'cpu', numel)), archive/data/<key> with each data
//   start aligned to 64 bytes by the local header's extra field ("FB" padding), archive/version and
//   archive/byteorder; STORED entries with CRC-32. torch.load(PATH, weights_only=True) reads it.
// Tensors are written contiguous, in row-major order, cast to their ExportTensor::dtype (tensor/Cast.h).
// Memory: one tensor's bytes at a time.
//
// Threading: reentrant.

#include "Result.h"
#include "tensor/TensorData.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lens {

/// One tensor to write: its name, its data, and the dtype it is written as.
struct ExportTensor {
    std::string name;
    const TensorData* tensor = nullptr;
    DType dtype = DType::Float32;
};

/// Where a writer's bytes go (a file, a buffer in tests).
class ByteSink {
public:
    virtual ~ByteSink() = default;
    virtual Result<void> write(const void* data, std::size_t size) = 0;
};

/// Called after each tensor with (done, total); returning false stops the writer (an error of kind
/// Cancelled).
using WriteProgress = std::function<bool(std::size_t done, std::size_t total)>;

/// Writes a safetensors file. Names must be unique, non-empty and valid UTF-8; metadata keys and values are
/// written as given ("format": "pt" is the caller's to add).
Result<void> writeSafeTensors(ByteSink& out, const std::vector<ExportTensor>& tensors,
                              const std::vector<std::pair<std::string, std::string>>& metadata,
                              const WriteProgress& progress = {});

/// Writes torch.save's zip format (at most 4 GiB and 65,534 tensors: no zip64). Names must be unique.
Result<void> writeTorchZip(ByteSink& out, const std::vector<ExportTensor>& tensors,
                           const WriteProgress& progress = {});

/// safetensors' alignment order of a dtype (BOOL 0, U8 1, I8 2, I16 5, F16 7, BF16 8, I32 9, F32 11, F64 12,
/// I64 13): tensors are written from the highest down.
int safeTensorsDtypeOrder(DType type);

} // namespace lens
