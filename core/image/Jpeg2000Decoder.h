#pragma once

// JPEG 2000 as Pillow 9.4 reads it (Jpeg2KImagePlugin + libImaging/Jpeg2KDecode.c) with OpenJPEG, the library
// Pillow links: the mode from Pillow's own parse of the JP2 header boxes or the codestream's SIZ segment (L,
// I;16, LA, RGB or RGBA; for a bare codestream Pillow tests the vertical subsampling where it means the
// precision, and so does this), full resolution and every quality layer, decoded tile by tile, and Pillow's
// unpackers: samples shifted to 8 (or 16) bits and truncated as Pillow truncates them, YCC converted with
// Pillow's fixed-point YCbCr tables. The image size is checked against the pixel limit before OpenJPEG
// decodes anything. OpenJPEG never prints: its messages are dropped or become the error's text.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// Pillow's _accept: a codestream (FF 4F FF 51) or the JP2 signature box.
bool looksLikeJpeg2000(const std::uint8_t* data, std::size_t size);

/// Decodes a JPEG 2000 codestream or JP2 file. Errors name the file.
Result<PilImage> decodeJpeg2000(const std::uint8_t* data, std::size_t size, const std::string& name,
                                const DecodeLimits& limits);

} // namespace lens
