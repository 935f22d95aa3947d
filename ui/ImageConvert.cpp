#include "ImageConvert.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lens {

QImage toQImage(const cv::Mat& rgb)
{
    if (rgb.empty() || rgb.type() != CV_8UC3)
        return {};
    QImage out(rgb.cols, rgb.rows, QImage::Format_RGB888);
    for (int y = 0; y < rgb.rows; ++y)
        std::memcpy(out.scanLine(y), rgb.ptr(y), static_cast<std::size_t>(rgb.cols) * 3);
    return out;
}

cv::Mat toRgbMat(const QImage& image)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    cv::Mat out(rgb.height(), rgb.width(), CV_8UC3);
    for (int y = 0; y < rgb.height(); ++y)
        std::memcpy(out.ptr(y), rgb.constScanLine(y), static_cast<std::size_t>(rgb.width()) * 3);
    return out;
}

QImage fitWithin(const QImage& image, int maxSide)
{
    if (image.width() <= maxSide && image.height() <= maxSide)
        return image;
    return image.scaled(maxSide, maxSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

QImage planeToGray(const float* plane, int size, float lo, float hi)
{
    QImage out(size, size, QImage::Format_Grayscale8);
    const float scale = hi > lo ? 255.f / (hi - lo) : 0.f;
    for (int y = 0; y < size; ++y) {
        uchar* line = out.scanLine(y);
        for (int x = 0; x < size; ++x) {
            const float v = (plane[y * size + x] - lo) * scale;
            line[x] = static_cast<uchar>(std::clamp(std::lround(v), 0L, 255L));
        }
    }
    return out;
}

} // namespace lens
