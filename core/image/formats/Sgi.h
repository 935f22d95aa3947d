#pragma once

// SGI images as Pillow 9.4 reads them (SgiImagePlugin + SgiRleDecode.c): 8- and 16-bit, gray (L), RGB and
// RGBA (16-bit samples give their high byte), verbatim and RLE, bottom-up. RLE follows Pillow's decoder
// exactly: rows through the offset and length tables, a row buffer that keeps the previous row's values
// where a row's data stops early, Pillow's bounds (including its one-byte-short check at the end of the
// file) and its early stop, which leaves the remaining rows black without an error. Layouts Pillow has no
// mode for are refused.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's SGI plugin takes the file (magic 474, a header it can read).
bool looksLikeSgi(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's SGI plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeSgi(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
