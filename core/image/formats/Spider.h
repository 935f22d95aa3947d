#pragma once

// SPIDER 2D images as Pillow 9.4 reads them (SpiderImagePlugin): Pillow has no signature for SPIDER and
// tries it on any file no earlier plugin took, accepting a 108-byte header whose floats (big-endian tried
// first, then little-endian) pass its checks; mode F (32-bit float), the first image of a stack. Header
// values Pillow cannot convert (NaN, infinity) and image-within-stack headers are refused as Pillow refuses
// them.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's SPIDER plugin takes the file (a header its checks accept).
bool looksLikeSpider(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's SPIDER plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeSpider(const std::uint8_t* data, std::size_t size, const std::string& name,
                              const DecodeLimits& limits);

} // namespace lens
