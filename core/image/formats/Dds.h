#pragma once

// DirectDraw Surface textures as Pillow 9.4 reads them (DdsImagePlugin + BcnDecode.c): the first surface;
// uncompressed luminance (L, LA), RGB(A) in the channel orders Pillow derives from the bit masks (its raw
// mode ignores the bit count), DX10 R8G8B8A8, and block-compressed BC1 (DXT1), BC2 (DXT3), BC3 (DXT5), BC4
// (ATI1, mode L), BC5 (ATI2/BC5S, mode RGB), BC6H (unsigned and signed, mode RGB: Pillow's half-float
// path clamped to 0..1) and BC7 (mode RGBA), with Pillow's block decoding (its BC1 rounding, BC5S mapping).
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's DDS plugin takes the file ("DDS " and a header it can read).
bool looksLikeDds(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's DDS plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeDds(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

namespace formats {

/// BC1 (DXT1) blocks into an RGBA image, as Pillow's "bcn" decoder 1 (shared with FTEX). False when the
/// data holds fewer blocks than the image needs.
bool decodeBc1Blocks(const std::uint8_t* data, std::size_t size, PilImage& image);

} // namespace formats

} // namespace lens
