#pragma once

// WebP as Pillow 9.4 reads it (WebPImagePlugin with libwebp's animation API): every WebP, lossy, lossless,
// with alpha or animated, goes through WebPAnimDecoder with its default options, and the first frame of the
// canvas comes out as RGBA (RGB when the file has no alpha); toRgb() then drops alpha without compositing.
// The canvas size is read by libwebp's demuxer, which allocates no pixels, and checked against the pixel
// limit before the decoder allocates its canvases. libwebp never prints.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// Pillow's _accept: "RIFF", "WEBP" at byte 8 and a "VP8 ", "VP8X" or "VP8L" chunk at byte 12.
bool looksLikeWebp(const std::uint8_t* data, std::size_t size);

/// Decodes the first frame. `orientation`, when given, receives the Orientation of the file's EXIF chunk (1
/// when none), for display. Errors name the file.
Result<PilImage> decodeWebp(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits, int* orientation = nullptr);

} // namespace lens
