#pragma once

// PNG as Pillow 9.4 reads it: PngImagePlugin's chunk rules and libImaging/ZipDecode.c's unfiltering, on
// zlib, the library Pillow itself decodes PNG with (OpenCV's libpng path disagrees on 16-bit gray, checks
// CRCs Pillow skips and prints warnings). Modes as Pillow's: 1/2/4/8-bit gray are 1 (0/255) or L (scaled by
// 255/85/17), 16-bit gray is I (full value), 16-bit RGB/RGBA keep the high byte, 16-bit gray+alpha opens as
// RGBA, palettes are looked up later by toRgb() (tRNS never applied), and gAMA, cHRM, sRGB and iCCP are
// stored by Pillow and never applied, so ignored here. An APNG gives its first frame as Pillow does (the
// default image, or the first fcTL region of a zero canvas). The chunks Pillow refuses are refused: a bad CRC
// before the image data, a truncated IHDR/sRGB/pHYs/acTL/fcTL, text chunks over Pillow's 1 MiB / 64 MiB
// limits, a zlib stream that ends inside a row, an unknown filter type.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// Pillow's _accept: the 8-byte PNG signature.
bool looksLikePng(const std::uint8_t* data, std::size_t size);

/// Decodes a PNG. `orientation`, when given, receives the EXIF Orientation Pillow's getexif() would find
/// (eXIf chunk, a "Raw profile type exif" text chunk, or XMP's tiff:Orientation), 1 when none. Errors name
/// the file.
Result<PilImage> decodePng(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits, int* orientation = nullptr);

} // namespace lens
