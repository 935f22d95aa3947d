#pragma once

// Image decoding with OpenCV, matching PIL's `Image.open(p).convert("RGB")` (what torchvision's reference
// pipeline sees) unless asked to apply the EXIF orientation for display. Refuses decompression bombs and
// truncated JPEGs before decoding. Never throws; thread-safe.

#include "Result.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace lens {

struct DecodeOptions {
    /// Apply the EXIF orientation (for display). Off = decode exactly as PIL's Image.open().convert("RGB"),
    /// which ignores EXIF orientation.
    bool applyExifOrientation = false;
    /// Refuse images with more pixels than this (decompression bombs); PIL refuses above 2 * 89478485.
    std::int64_t maxPixels = 178956970;
    /// Fast mode, off by default: when > 0, a JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
    /// (libjpeg's scaled decoding, like PIL's draft()) as long as its short side stays at least this many
    /// pixels. Several times faster on camera photos, but no longer bit-exact with PIL's full decode.
    int reduceToShortSide = 0;
};

/// Decodes to an 8-bit, 3-channel image in RGB order (CV_8UC3). Grayscale is replicated, alpha is dropped
/// without compositing, palette images go through the palette. Errors name the file and the problem.
Result<cv::Mat> decodeImage(const std::string& path, const DecodeOptions& options = {});

/// As decodeImage, from encoded bytes in memory; displayName stands for the file in error messages.
Result<cv::Mat> decodeImageBuffer(const std::vector<unsigned char>& bytes, const std::string& displayName,
                                  const DecodeOptions& options = {});

} // namespace lens
