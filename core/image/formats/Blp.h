#pragma once

// Blizzard textures (BLP1, BLP2) as Pillow 9.4 reads them (BlpImagePlugin): mode RGB, or RGBA when the byte
// Pillow takes for the alpha depth (offset 9) is not zero; the first mipmap only. BLP1 holds either a JPEG (a
// shared JPEG header, then the mipmap's bytes; Pillow decodes their concatenation as any JPEG, converts it to
// RGB and swaps red and blue) or palette indices read right after the palette; BLP2 holds palette indices at
// the mipmap's offset or DXT1/DXT3/DXT5 blocks, decoded with Pillow's own Python block decoders (5/6-bit
// colour widened by a plain shift, unlike its DDS decoder). As in Pillow, whatever the decoder produces is
// then read as the image's raw pixels: DXT rows padded to a multiple of 4 pixels, RGBA blocks in an RGB image
// and a JPEG of another size all come out skewed as Pillow shows them, and too few bytes are refused ("not
// enough image data").
//
// Threading: plain functions; reentrant if the JPEG decoder is.

#include "image/PilImage.h"
#include "image/formats/Ico.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// Decodes JPEG bytes into Pillow's mode for them (L, RGB, or CMYK in Pillow's inverted "CMYK;I" form), or
/// fails with a message naming the file.
using EmbeddedJpegDecoder = EmbeddedPngDecoder;

/// True when Pillow's BLP plugin takes the file: "BLP1" or "BLP2", a 20-byte header and a non-empty size.
bool looksLikeBlp(const std::uint8_t* data, std::size_t size);

/// Decodes the first mipmap as Pillow does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeBlp(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits, const EmbeddedJpegDecoder& jpeg);

} // namespace lens
