#pragma once

// IFUNC Image Memory files as Pillow 9.4 reads them (ImImagePlugin): the text header read line by line with
// Pillow's rules (lines of at most 100 bytes, "Key: value" keys, numbers as Python's int() or float() read
// them), the first frame from after the 0x1A mark, rows stored bottom-up; modes 1, L, P (2- and 4-bit, or
// 8-bit through a colour "Lut" that is not a gray ramp), LA, PA, RGB (planar, interleaved, or the old G/R/B
// plane order), RGBA, RGBX, CMYK, I (32-bit), I;16 (little- and big-endian, held as I;16) and F (8/16/32-bit
// integers, 32-bit floats). Refused here although Pillow reads them: YCbCr images and the odd-depth "L*n"
// float variants Pillow reads with its bit decoder.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's IM plugin takes the file (Pillow has no signature check for IM: a text header it
/// accepts).
bool looksLikeIm(const std::uint8_t* data, std::size_t size);

/// Decodes the first frame as Pillow's IM plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeIm(const std::uint8_t* data, std::size_t size, const std::string& name,
                          const DecodeLimits& limits);

} // namespace lens
