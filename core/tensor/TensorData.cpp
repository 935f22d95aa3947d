#include "tensor/TensorData.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lens {

std::int64_t TensorData::numel() const
{
    std::int64_t n = 1;
    for (const std::int64_t size : shape)
        n *= size;
    return n;
}

bool TensorData::contiguous() const
{
    std::int64_t expected = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
        if (shape[d] != 1 && strides[d] != expected)
            return false;
        expected *= shape[d];
    }
    return true;
}

double TensorData::at(std::int64_t i) const
{
    std::int64_t element = offset;
    for (std::size_t d = shape.size(); d-- > 0;) {
        element += (i % shape[d]) * strides[d];
        i /= shape[d];
    }
    return elementAsDouble(dtype, storage->data + element * dtypeInfo(dtype).size);
}

void TensorData::forEach(const std::function<void(const std::uint8_t*)>& f) const
{
    const std::int64_t n = numel();
    if (n == 0)
        return;
    const std::size_t size = dtypeInfo(dtype).size;
    const std::uint8_t* base = storage->data + offset * static_cast<std::int64_t>(size);
    if (contiguous()) {
        for (std::int64_t i = 0; i < n; ++i)
            f(base + i * static_cast<std::int64_t>(size));
        return;
    }
    // An odometer over the dimensions: the innermost one runs fastest.
    const std::size_t dims = shape.size();
    std::vector<std::int64_t> index(dims, 0);
    std::int64_t element = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        f(base + element * static_cast<std::int64_t>(size));
        for (std::size_t d = dims; d-- > 0;) {
            if (++index[d] < shape[d]) {
                element += strides[d];
                break;
            }
            element -= (shape[d] - 1) * strides[d];
            index[d] = 0;
        }
    }
}

TensorStats tensorStats(const TensorData& tensor)
{
    TensorStats stats;
    double sum = 0;
    std::int64_t finite = 0;
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    tensor.forEach([&](const std::uint8_t* p) {
        const double v = elementAsDouble(tensor.dtype, p);
        if (std::isnan(v)) {
            ++stats.nanCount;
        } else if (std::isinf(v)) {
            ++stats.infCount;
        } else {
            sum += v;
            ++finite;
            low = std::min(low, v);
            high = std::max(high, v);
        }
    });
    if (finite == 0)
        return stats;
    stats.hasStats = true;
    stats.min = low;
    stats.max = high;
    stats.mean = sum / static_cast<double>(finite);
    // Second pass: the sum of squared deviations from the mean, numerically stable.
    double squares = 0;
    tensor.forEach([&](const std::uint8_t* p) {
        const double v = elementAsDouble(tensor.dtype, p);
        if (std::isfinite(v))
            squares += (v - stats.mean) * (v - stats.mean);
    });
    stats.std = std::sqrt(squares / static_cast<double>(finite));
    return stats;
}

double maxAbsDifference(const TensorData& a, const TensorData& b)
{
    return compareValues(a, b).maxAbsDiff;
}

ValueComparison compareValues(const TensorData& a, const TensorData& b)
{
    const std::int64_t n = a.numel();
    double largest = 0;
    bool nan = false;
    bool identical = true;
    const auto take = [&](double x, double y) {
        const double d = std::fabs(x - y);
        if (std::isnan(d)) {
            nan = true;
            identical = identical && (x == y || (std::isnan(x) && std::isnan(y)));
        } else {
            largest = std::max(largest, d);
            identical = identical && x == y;
        }
    };
    if (a.contiguous() && b.contiguous()) {
        const std::size_t sa = dtypeInfo(a.dtype).size, sb = dtypeInfo(b.dtype).size;
        const std::uint8_t* pa = a.storage->data + a.offset * static_cast<std::int64_t>(sa);
        const std::uint8_t* pb = b.storage->data + b.offset * static_cast<std::int64_t>(sb);
        for (std::int64_t i = 0; i < n; ++i)
            take(elementAsDouble(a.dtype, pa + i * static_cast<std::int64_t>(sa)),
                 elementAsDouble(b.dtype, pb + i * static_cast<std::int64_t>(sb)));
    } else {
        for (std::int64_t i = 0; i < n; ++i)
            take(a.at(i), b.at(i));
    }
    return {nan ? std::numeric_limits<double>::quiet_NaN() : largest, identical};
}

} // namespace lens
