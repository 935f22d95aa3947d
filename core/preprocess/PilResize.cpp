#include "preprocess/PilResize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <opencv2/core/utility.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace lens {

namespace {

// Pillow's fixed-point format for 8-bit images: coefficients scaled by 2^22, leaving room for 255 * sum.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr std::int32_t kHalf = 1 << (kPrecisionBits - 1);

// Below this many multiply-adds a pass runs on the calling thread; waking the pool costs more.
constexpr double kParallelThreshold = 2e5;

double triangle(double x)
{
    if (x < 0.0)
        x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

/// The taps of one axis: output index i reads `count[i]` source samples from `first[i]` with the fixed-point
/// weights at `weights[i * stride]`.
struct AxisFilter {
    std::vector<int> first;
    std::vector<int> count;
    std::vector<std::int32_t> weights;
    int stride = 0;
};

// Mirrors Pillow's precompute_coeffs + normalize_coeffs_8bpc for the full-image box, evaluated in the same
// order in double so the rounded weights are identical.
AxisFilter makeAxisFilter(int inSize, int outSize)
{
    const double scale = static_cast<double>(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0);
    const double support = 1.0 * filterScale; // the triangle's support is 1
    const double invFilterScale = 1.0 / filterScale;

    AxisFilter f;
    f.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
    f.first.resize(outSize);
    f.count.resize(outSize);
    f.weights.assign(static_cast<size_t>(outSize) * f.stride, 0);

    std::vector<double> k(f.stride);
    for (int xx = 0; xx < outSize; ++xx) {
        const double center = (xx + 0.5) * scale;
        int xmin = static_cast<int>(center - support + 0.5);
        xmin = std::max(xmin, 0);
        int xmax = static_cast<int>(center + support + 0.5);
        xmax = std::min(xmax, inSize) - xmin;

        double sum = 0.0;
        for (int x = 0; x < xmax; ++x) {
            k[x] = triangle((x + xmin - center + 0.5) * invFilterScale);
            sum += k[x];
        }
        std::int32_t* w = &f.weights[static_cast<size_t>(xx) * f.stride];
        for (int x = 0; x < xmax; ++x) {
            const double v = sum != 0.0 ? k[x] / sum : k[x];
            w[x] = v < 0 ? static_cast<std::int32_t>(-0.5 + v * (1 << kPrecisionBits))
                         : static_cast<std::int32_t>(0.5 + v * (1 << kPrecisionBits));
        }
        f.first[xx] = xmin;
        f.count[xx] = xmax;
    }
    return f;
}

inline uchar clip8(std::int32_t acc)
{
    const std::int32_t v = acc >> kPrecisionBits;
    return static_cast<uchar>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

template <typename Body> void runRows(int rows, double work, const Body& body)
{
    if (work < kParallelThreshold || rows < 2)
        body(cv::Range(0, rows));
    else
        cv::parallel_for_(cv::Range(0, rows), body);
}

// dst row r = horizontally filtered src row (r + rowOffset); dst column c is output column c + colOffset.
template <int Cn>
void horizontalPass(const cv::Mat& src, cv::Mat& dst, int rowOffset, int colOffset, const AxisFilter& f)
{
    const int outWidth = dst.cols;
    const double work = static_cast<double>(dst.rows) * outWidth * f.stride * Cn;
    runRows(dst.rows, work, [&](const cv::Range& range) {
        for (int y = range.start; y < range.end; ++y) {
            const uchar* in = src.ptr<uchar>(y + rowOffset);
            uchar* out = dst.ptr<uchar>(y);
            for (int xx = 0; xx < outWidth; ++xx) {
                const int column = xx + colOffset;
                const std::int32_t* w = &f.weights[static_cast<size_t>(column) * f.stride];
                const uchar* p = in + static_cast<size_t>(f.first[column]) * Cn;
                const int n = f.count[column];
                if constexpr (Cn == 3) {
                    std::int32_t s0 = kHalf, s1 = kHalf, s2 = kHalf;
                    for (int t = 0; t < n; ++t, p += 3) {
                        s0 += p[0] * w[t];
                        s1 += p[1] * w[t];
                        s2 += p[2] * w[t];
                    }
                    out[xx * 3 + 0] = clip8(s0);
                    out[xx * 3 + 1] = clip8(s1);
                    out[xx * 3 + 2] = clip8(s2);
                } else {
                    std::int32_t s = kHalf;
                    for (int t = 0; t < n; ++t)
                        s += p[t] * w[t];
                    out[xx] = clip8(s);
                }
            }
        }
    });
}

// dst row r = output row r + outOffset: the vertical filter over src rows (f.first[r + outOffset] -
// rowOffset)
// ...; every channel is independent, so a row is processed as one run of cols * channels samples, tap by tap
// (integer sums: order is irrelevant).
void verticalPass(const cv::Mat& src, cv::Mat& dst, int rowOffset, int outOffset, const AxisFilter& f)
{
    const int samples = dst.cols * dst.channels();
    const double work = static_cast<double>(dst.rows) * samples * f.stride;
    runRows(dst.rows, work, [&](const cv::Range& range) {
        std::vector<std::int32_t> acc(samples);
        for (int yy = range.start; yy < range.end; ++yy) {
            const int row = yy + outOffset;
            const std::int32_t* w = &f.weights[static_cast<size_t>(row) * f.stride];
            std::fill(acc.begin(), acc.end(), kHalf);
            std::int32_t* a = acc.data();
            for (int t = 0; t < f.count[row]; ++t) {
                const uchar* in = src.ptr<uchar>(f.first[row] - rowOffset + t);
                const std::int32_t wt = w[t];
                for (int i = 0; i < samples; ++i)
                    a[i] += in[i] * wt;
            }
            uchar* out = dst.ptr<uchar>(yy);
            for (int i = 0; i < samples; ++i)
                out[i] = clip8(a[i]);
        }
    });
}

} // namespace

cv::Mat pilResizeBilinear(const cv::Mat& src, cv::Size size)
{
    if (size.width <= 0 || size.height <= 0)
        throw std::invalid_argument("pilResizeBilinear: invalid target size " + std::to_string(size.width)
                                    + "x" + std::to_string(size.height));
    return pilResizeBilinear(src, size, cv::Rect(cv::Point(0, 0), size));
}

cv::Mat pilResizeBilinear(const cv::Mat& src, cv::Size size, cv::Rect region)
{
    if (src.empty())
        throw std::invalid_argument("pilResizeBilinear: the source image is empty");
    if (src.type() != CV_8UC3 && src.type() != CV_8UC1)
        throw std::invalid_argument("pilResizeBilinear: expected a CV_8UC3 or CV_8UC1 image, got type "
                                    + cv::typeToString(src.type()));
    if (size.width <= 0 || size.height <= 0 || region.empty()
        || (region & cv::Rect(cv::Point(0, 0), size)) != region)
        throw std::invalid_argument("pilResizeBilinear: invalid target size " + std::to_string(size.width)
                                    + "x" + std::to_string(size.height) + " or region");

    if (size == src.size())
        return src(region).clone();

    const bool needHorizontal = size.width != src.cols;
    const bool needVertical = size.height != src.rows;
    const AxisFilter vert = makeAxisFilter(src.rows, size.height);

    cv::Mat horizontal;
    int rowOffset = 0;
    if (needHorizontal) {
        // Only the source rows the vertical pass reads for the region's rows, and the region's columns.
        const int firstRow = needVertical ? vert.first[region.y] : region.y;
        const int lastRow
            = needVertical ? vert.first[region.br().y - 1] + vert.count[region.br().y - 1] : region.br().y;
        const AxisFilter horiz = makeAxisFilter(src.cols, size.width);
        horizontal.create(lastRow - firstRow, region.width, src.type());
        if (src.channels() == 3)
            horizontalPass<3>(src, horizontal, firstRow, region.x, horiz);
        else
            horizontalPass<1>(src, horizontal, firstRow, region.x, horiz);
        rowOffset = firstRow;
        if (!needVertical)
            return horizontal;
    }

    cv::Mat out(region.size(), src.type());
    const cv::Mat columns = needHorizontal ? horizontal : src.colRange(region.x, region.br().x);
    verticalPass(columns, out, rowOffset, region.y, vert);
    return out;
}

} // namespace lens
