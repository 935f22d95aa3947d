#pragma once

// A checkpoint's tensor as plain data, without LibTorch: a strided view (shape, strides and offset in
// elements) into a storage's bytes. The bytes belong to whatever holds them (the file's memory mapping, or
// a buffer read from the file), kept alive by the shared owner, so views of one storage share it. The
// engine turns a TensorData into a LibTorch tensor (inference/TorchTensor.h); everything else (inspection,
// comparison, export) works on it directly.
//
// Threading: immutable after construction; may be read from several threads.

#include "tensor/DType.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lens {

/// Bytes holding a storage's elements.
struct StorageBytes {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::shared_ptr<const void> owner; ///< keeps `data` alive
};

struct TensorData {
    DType dtype = DType::Float32;
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides; ///< in elements
    std::int64_t offset = 0; ///< first element, in elements from the storage's start
    std::shared_ptr<const StorageBytes> storage;

    std::int64_t numel() const;
    /// Row-major with no gaps.
    bool contiguous() const;
    /// The element at flat (row-major) index i, as a double.
    double at(std::int64_t i) const;
    /// Calls f(pointer to element) for every element in row-major order.
    void forEach(const std::function<void(const std::uint8_t*)>& f) const;
};

struct NamedTensor {
    std::string name;
    TensorData tensor;
};

/// Numpy-like statistics over a tensor's finite elements, in double: NaN and +-Inf are counted, not included;
/// std is the population standard deviation (ddof = 0); booleans count as 0/1.
struct TensorStats {
    bool hasStats = false; ///< false when no element is finite (then min..std are 0)
    double min = 0;
    double max = 0;
    double mean = 0;
    double std = 0;
    std::int64_t nanCount = 0;
    std::int64_t infCount = 0;
};

TensorStats tensorStats(const TensorData& tensor);

/// max |a - b| over the elements of two tensors of the same shape, in double; NaN when either holds a NaN;
/// 0 for empty tensors.
double maxAbsDifference(const TensorData& a, const TensorData& b);

/// maxAbsDifference() and whether the values are identical (each pair equal, or both NaN), in one pass.
struct ValueComparison {
    double maxAbsDiff = 0;
    bool identical = true;
};
ValueComparison compareValues(const TensorData& a, const TensorData& b);

} // namespace lens
