#pragma once

// FITS as Pillow 9.4 reads it (FitsImagePlugin): the primary header's 80-byte cards up to END, NAXIS1 x
// NAXIS2 pixels (1 x NAXIS1 for one axis), BITPIX 8 as L, 16 and 32 as I and -32/-64 as F, read by Pillow's
// raw decoder with the raw mode equal to the mode: native-endian 32-bit samples whatever BITPIX says, rows
// from the bottom up, from the next 2880-byte block after the header. The result is what Pillow shows,
// quirks included (16- and 64-bit data read as 32-bit words, big-endian data read as little-endian).
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// Pillow's _accept: the file starts with "SIMPLE".
bool looksLikeFits(const std::uint8_t* data, std::size_t size);

/// Decodes a FITS file's primary image as Pillow does. Errors name the file.
Result<PilImage> decodeFits(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits);

} // namespace lens
