#pragma once

// Sun raster images as Pillow 9.4 reads them (SunImagePlugin + SunRleDecode.c): 1-bit (mode 1), 4- and
// 8-bit gray (L) or colour-mapped (P, the planar RGB map), 24- and 32-bit in BGR order, or RGB order for
// type 3; raw rows padded to 16 bits, or Pillow's RLE (rows not padded, runs that continue into the next
// rows). The header values Pillow rejects make the file unidentified, as in Pillow.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's SUN plugin takes the file (magic 0x59A66A95 and a header it accepts).
bool looksLikeSun(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's SUN plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeSun(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
