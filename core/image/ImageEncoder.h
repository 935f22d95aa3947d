#pragma once

// Encoding 8-bit images as PNG and JPEG, for the files the program writes (class activation overlays, the
// evaluation plots). Written here on zlib and libjpeg-turbo, the libraries lens_image already decodes with,
// so that no process needs OpenCV's imgcodecs (whose loading drags in GDAL, OpenEXR and a hundred more).
//
// Input: a cv::Mat of CV_8UC1 (gray) or CV_8UC3 in RGB order (not OpenCV's usual BGR), any row stride (a
// region of a larger Mat is fine).
//
// PNG: 8-bit gray or RGB, no interlacing, no ancillary chunks; each row gets the filter (None, Sub, Up,
// Average or Paeth) whose output has the smallest sum of absolute values, as libpng chooses, and the rows
// are deflated by zlib at its fastest level, as cv::imwrite does by default (PNG is lossless: the level
// changes the file's size, never a pixel). Photos come out about a tenth smaller than cv::imwrite's.
//
// JPEG: what cv::imwrite writes by default in OpenCV 4.6, byte for byte (libjpeg's jpeg_set_defaults, then
// quality 95 with baseline tables): baseline Huffman coding with the standard tables (not optimised, not
// progressive), a JFIF header, YCbCr with 4:2:0 chroma subsampling for RGB, one component for gray, no
// restart markers, the integer DCT. Pillow's save(quality=95) writes the same image data.
//
// Threading: plain functions; reentrant.

#include "Result.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

namespace lens {

/// The quality cv::imwrite uses for JPEG unless told otherwise.
inline constexpr int kDefaultJpegQuality = 95;

/// Encodes `image` (CV_8UC1 gray or CV_8UC3 RGB) as a PNG file's bytes. Errors (an empty image, another
/// type) say what is wrong without naming a file; callers add the name.
Result<std::vector<std::uint8_t>> encodePng(const cv::Mat& image);

/// Encodes `image` (CV_8UC1 gray or CV_8UC3 RGB) as a JPEG file's bytes at `quality` (1 to 100). Errors as
/// encodePng's; also a side over JPEG's 65500 pixels.
Result<std::vector<std::uint8_t>> encodeJpeg(const cv::Mat& image, int quality = kDefaultJpegQuality);

} // namespace lens
