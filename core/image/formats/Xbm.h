#pragma once

// X11 bitmaps as Pillow 9.4 reads them (XbmImagePlugin + XbmDecode.c): the header matched in the first 512
// bytes as Pillow's regular expression matches it (width and height #defines, an optional hotspot, the
// pixel data starting after the last "_bits[]" of those 512 bytes), then every "x" followed by two
// characters read as one hex byte (a character that is not a hex digit counts as 0), least significant bit
// first, set bits black... as Pillow has them: mode 1 with set bits 255. Data that ends early is refused.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's XBM plugin takes the file ("#define" after leading blanks in the first 16 bytes, and
/// a header its regular expression matches).
bool looksLikeXbm(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's XBM plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeXbm(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
