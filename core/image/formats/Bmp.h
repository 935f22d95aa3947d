#pragma once

// Windows and OS/2 bitmaps as Pillow 9.4 reads them (BmpImagePlugin: its "BMP" plugin for files starting
// with "BM" and its "DIB" plugin for a bare BITMAPINFOHEADER). Reproduces Pillow's header rules (OS/2 1.x,
// v3, v4, v5 and 64-byte headers; the bitfield layouts it knows; a bfOffBits that points at the palette),
// its palettes (short palettes, biClrUsed, a black-and-white palette read as mode 1 and a gray ramp as mode
// L, whatever the file's depth), 16-bit 5-5-5 / 5-6-5 scaled as v * 255 / 31 truncating, 32-bit BI_RGB with
// the fourth byte ignored, BITFIELDS alpha as mode RGBA, top-down rows, Pillow's own RLE4/RLE8 decoder, and
// the files it refuses (truncated pixel data, unknown depths and compressions, JPEG/PNG inside a BMP).
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's BMP plugin takes the file ("BM" and a header it can parse); it may still refuse it.
bool looksLikeBmp(const std::uint8_t* data, std::size_t size);

/// Decodes a "BM" file as Pillow's BMP plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeBmp(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

/// True when Pillow's DIB plugin takes the file: it starts with a header size of 12, 40, 64, 108 or 124.
bool looksLikeDib(const std::uint8_t* data, std::size_t size);

/// Decodes a bare DIB (no 14-byte file header; the pixels follow the palette) as Pillow's DIB plugin does.
Result<PilImage> decodeDib(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
