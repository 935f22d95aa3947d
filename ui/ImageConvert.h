#pragma once

// Conversions between OpenCV images (as core returns them: RGB, 8-bit, 3 channels) and QImage. Each
// result owns its pixels. Thread-safe.

#include <QImage>
#include <opencv2/core.hpp>

namespace lens {

/// CV_8UC3 RGB -> QImage::Format_RGB888, a deep copy. An empty Mat gives a null QImage.
QImage toQImage(const cv::Mat& rgb);

/// Any QImage -> CV_8UC3 RGB, a deep copy (alpha dropped).
cv::Mat toRgbMat(const QImage& image);

/// `image` scaled down (smoothly, keeping its aspect) so that neither side exceeds maxSide.
QImage fitWithin(const QImage& image, int maxSide);

/// One plane of a CHW float tensor as a grayscale image, [lo, hi] mapped to 0..255.
QImage planeToGray(const float* plane, int size, float lo, float hi);

} // namespace lens
