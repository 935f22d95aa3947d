#pragma once

// Apple icon files as Pillow 9.4 reads them (IcnsImagePlugin): the largest size the file holds (by Pillow's
// size order, retina variants first), a PNG element decoded by the caller's PNG decoder and returned in its
// own mode, a JPEG 2000 element (JP2 or bare codestream: exactly the element's bytes) decoded by the caller's
// JPEG 2000 decoder and converted to RGBA as Pillow converts it, or the 24-bit RGB element (raw or Apple's
// run-length scheme, read as Pillow reads it, past the element's end if the runs say so) with its 8-bit mask
// as alpha (mode RGBA) or without (mode RGB). A PNG or JPEG 2000 icon whose size is not one the file lists
// is refused, as Pillow refuses it.
//
// Threading: plain functions; reentrant if the PNG and JPEG 2000 decoders are.

#include "image/PilImage.h"
#include "image/formats/Ico.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's ICNS plugin takes the file ("icns", a directory it can walk, an icon size it reads).
bool looksLikeIcns(const std::uint8_t* data, std::size_t size);

/// Decodes JPEG 2000 bytes (a JP2 file or a codestream) into Pillow's mode for them (L, I;16, LA, RGB or
/// RGBA), or fails with a message naming the file.
using EmbeddedJpeg2000Decoder = EmbeddedPngDecoder;

/// Decodes the icon Pillow picks. Errors name the file (`name`) and the problem.
Result<PilImage> decodeIcns(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits, const EmbeddedPngDecoder& png,
                            const EmbeddedJpeg2000Decoder& jpeg2000);

} // namespace lens
