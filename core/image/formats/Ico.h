#pragma once

// Windows icons and cursors as Pillow 9.4 reads them. ICO (IcoImagePlugin): the entry Pillow picks (the
// largest width * height, then the highest colour depth, then the last in the file), a PNG entry decoded
// by the caller's PNG decoder and returned in the mode it gives, a BMP entry read as a DIB of half its
// stated height and converted to RGBA with the AND mask (or, for 32 bpp entries, the fourth byte of each
// pixel) as alpha. CUR (CurImagePlugin): the first entry unless a later one is larger in both width and
// height bytes, read as a BMP of half its height in the DIB's own mode (no mask), 32-bit BI_RGB as BGRA when
// the bitmap starts at byte 22.
//
// Threading: plain functions; reentrant if the PNG decoder is.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace lens {

/// Decodes a PNG held in memory (an ICO entry) as Pillow's PNG plugin does. Gets the bytes from the entry's
/// offset to the end of the file, as Pillow reads them.
using EmbeddedPngDecoder = std::function<Result<PilImage>(const std::uint8_t*, std::size_t)>;

/// True when Pillow's ICO plugin takes the file (signature 00 00 01 00 and a directory it can read, its
/// chosen BMP entry included; a PNG entry counts as taken).
bool looksLikeIco(const std::uint8_t* data, std::size_t size);

/// Decodes the entry Pillow picks. Errors name the file (`name`) and the problem.
Result<PilImage> decodeIco(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits, const EmbeddedPngDecoder& png);

/// True when Pillow's CUR plugin takes the file (signature 00 00 02 00 and a bitmap it can parse).
bool looksLikeCur(const std::uint8_t* data, std::size_t size);

/// Decodes the cursor Pillow picks. Errors name the file (`name`) and the problem.
Result<PilImage> decodeCur(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
