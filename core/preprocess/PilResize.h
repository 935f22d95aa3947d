#pragma once

// Pillow-compatible image resizing. Thread-safe (pure functions); large images are split across
// OpenCV's thread pool, with results independent of the number of threads.

#include <opencv2/core.hpp>

namespace lens {

/// Resizes an 8-bit image (CV_8UC3 or CV_8UC1) to size exactly as Pillow 9.4's
/// `Image.resize(size, Image.BILINEAR)` does: an antialiased, separable triangle filter in 22-bit fixed
/// point, horizontal pass first. torchvision's Resize on PIL images uses it, so matching it bit for bit
/// keeps the model's input identical to the Python reference (cv::resize differs by several levels).
/// Returns a new image, a copy when size equals src's size. Throws std::invalid_argument for an empty
/// src, another type, or a non-positive size.
cv::Mat pilResizeBilinear(const cv::Mat& src, cv::Size size);

/// The part `region` of pilResizeBilinear(src, size), computing only the pixels it holds: the same values,
/// for less work when the result is cropped anyway. region must lie inside size (std::invalid_argument).
cv::Mat pilResizeBilinear(const cv::Mat& src, cv::Size size, cv::Rect region);

} // namespace lens
