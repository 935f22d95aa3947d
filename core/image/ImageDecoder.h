#pragma once

// The one way resnet-lens turns an image file into pixels: exactly what Debian 12's Pillow 9.4 gives for
// `Image.open(path).convert("RGB")`, the decode torchvision's reference pipeline sees, byte for byte. The
// file is sniffed as Pillow does (its plugins in their order, each with its own header test), decoded into
// Pillow's mode by a decoder that reproduces that plugin (core/image/*Decoder.h with the libraries Pillow
// links: libjpeg-turbo, zlib, libtiff, libwebp; core/image/formats for the formats Pillow decodes itself),
// and converted to RGB by Pillow's rules (PilImage.h). Formats Pillow does not open are refused with a
// message that names them.
//
// Untrusted input: the file size is checked before anything is read and never more than maxFileBytes is
// read; every header's pixel count is checked against maxPixels before a pixel buffer is allocated; the
// libraries report errors as messages and never print.
//
// Threading: decodeImage is reentrant and may run on several threads at once; it never throws.

#include "Result.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>

namespace lens {

struct DecodeOptions {
    /// Apply the EXIF orientation (for display), as Pillow's ImageOps.exif_transpose would: JPEG APP1, PNG
    /// eXIf / "Raw profile type exif" / XMP, WebP EXIF. Off = exactly Image.open().convert("RGB"), which
    /// ignores EXIF orientation. TIFF images are upright either way: Pillow 9.4 applies a TIFF's Orientation
    /// tag when it loads the file.
    bool applyExifOrientation = false;
    /// Refuse images with more pixels than this (decompression bombs): Pillow refuses above 2 * 89478485.
    std::int64_t maxPixels = 178956970;
    /// Refuse files larger than this, before reading them (1 GiB): the whole file is read into memory.
    std::int64_t maxFileBytes = std::int64_t(1) << 30;
    /// Fast mode, off by default: when > 0, a JPEG is decoded at 1/2, 1/4 or 1/8 scale in the DCT domain
    /// (libjpeg's scaled decoding, like PIL's draft()) as long as its short side stays at least this many
    /// pixels. Several times faster on camera photos, but no longer bit-exact with PIL's full decode.
    int reduceToShortSide = 0;
};

/// Decodes to an 8-bit, 3-channel image in RGB order (CV_8UC3, continuous). Errors name the file and the
/// problem.
Result<cv::Mat> decodeImage(const std::string& path, const DecodeOptions& options = {});

} // namespace lens
