#pragma once

// Autodesk FLI/FLC animations as Pillow 9.4 reads them (FliImagePlugin + FliDecode.c): the first frame, mode
// P, with the palette Pillow takes from the frame's first colour chunk (COLOR_256, or COLOR_64 shifted left
// by 2) over a gray ramp; the frame decoded from byte 128 by Pillow's chunk decoder (BLACK, BRUN, COPY, LC,
// SS2, PSTAMP), with its bounds checks against the bytes it has read and its way of reading the frame in
// blocks of the frame's own size. As in Pillow, a file whose first chunk is an FLC prefix chunk is refused.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's FLI plugin takes the file (an FLI/FLC header and a first frame it can find).
bool looksLikeFli(const std::uint8_t* data, std::size_t size);

/// Decodes the first frame as Pillow's FLI plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeFli(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
