#pragma once

// TIFF as Pillow 9.4 reads it (TiffImagePlugin + libImaging/TiffDecode.c, Unpack.c): Pillow's own parse of
// the first image file directory picks the mode and raw mode (its OPEN_INFO table), uncompressed data goes
// through Pillow's raw decoder, compressed data through libtiff called exactly as Pillow calls it (strips
// or tiles, planes, YCbCr through TIFFRGBAImage unless JPEG-compressed), then Pillow's unpackers: CMYK is not
// inverted, MinIsWhite is, 16-bit gray opens as I;16 (saturated later by toRgb), 16-bit RGB keeps the high
// byte, unassociated alpha is kept as is and associated alpha un-premultiplied. Unlike every other format,
// Pillow 9.4 applies the Orientation tag when it loads a TIFF (TiffImageFile.load_end), so the result is
// already upright. Only the first page is read.
//
// Decompression bombs: the image, each strip and each tile are checked against the pixel limit before libtiff
// or this code allocates for them, and libtiff's own allocations are capped. libtiff never prints: its
// errors become messages and its warnings are dropped.
//
// Threading: plain functions; reentrant (libtiff handlers are per call).

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// Pillow's _accept: the four header bytes it knows (both byte orders, BigTIFF, and two invalid ones).
bool looksLikeTiff(const std::uint8_t* data, std::size_t size);

/// Decodes the first page of a TIFF file, upright. Errors name the file.
Result<PilImage> decodeTiff(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits);

} // namespace lens
