#pragma once

// Apple icon files as Pillow 9.4 reads them (IcnsImagePlugin): the largest size the file holds (by Pillow's
// size order, retina variants first), a PNG element decoded by the caller's PNG decoder and returned in its
// own mode, or the 24-bit RGB element (raw or Apple's run-length scheme, read as Pillow reads it, past the
// element's end if the runs say so) with its 8-bit mask as alpha (mode RGBA) or without (mode RGB). JPEG 2000
// elements are refused here although Pillow decodes them with OpenJPEG.
//
// Threading: plain functions; reentrant if the PNG decoder is.

#include "image/PilImage.h"
#include "image/formats/Ico.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's ICNS plugin takes the file ("icns", a directory it can walk, an icon size it reads).
bool looksLikeIcns(const std::uint8_t* data, std::size_t size);

/// Decodes the icon Pillow picks. Errors name the file (`name`) and the problem.
Result<PilImage> decodeIcns(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits, const EmbeddedPngDecoder& png);

} // namespace lens
