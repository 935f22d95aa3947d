#pragma once

// Truevision TGA as Pillow 9.4 reads it (TgaImagePlugin + TgaRleDecode.c): colour-mapped (mode P), gray (L,
// 16-bit gray + alpha as LA, 1-bit as mode 1), true colour 16-bit (5-5-5, the top bit ignored), 24-bit and
// 32-bit (RGBA, the alpha kept as Pillow keeps it); uncompressed and RLE; bottom-left, top-left and the
// right-to-left origins; the colour map read from 16- and 24-bit entries (with its first-entry offset as
// leading black entries), a map on a gray image turning it into P (or LA into PA) as Pillow's putpalette
// does; and what Pillow refuses: 32-bit colour maps, a map on a true-colour image, depth/type combinations
// it has no raw mode for, RLE runs that cross a line, truncated data.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's TGA plugin takes the file. Pillow has no signature check for TGA: it tries the
/// plugin on any file no earlier plugin took, so this checks the header fields Pillow validates.
bool looksLikeTga(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's TGA plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeTga(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
