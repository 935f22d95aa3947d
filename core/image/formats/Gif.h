#pragma once

// GIF as Pillow 9.4 reads it (GifImagePlugin + its own LZW decoder, GifDecode.c): the first frame only, on
// the logical-screen canvas (grown when the frame reaches past it), pixels outside the frame set to the
// frame's transparency index when its graphic control extension has one, else 0; mode P with the local
// colour table (or the global one), mode L when there is none or it is the identity gray ramp; interlace
// undone. The LZW stream is decoded as Pillow's decoder does it, quirks included (codes beyond the palette,
// minimum code sizes up to 12, an end code met before the frame is full, zero-length blocks), because giflib
// refuses or reads differently some files Pillow opens. Errors as Pillow: a truncated frame is refused.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's GIF plugin takes the file ("GIF87a"/"GIF89a" and an image descriptor it can reach).
bool looksLikeGif(const std::uint8_t* data, std::size_t size);

/// Decodes frame 0 as Pillow's GIF plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeGif(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
