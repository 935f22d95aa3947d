#pragma once

// X11 pixmaps as Pillow 9.4 reads them (XpmImagePlugin): one character per pixel, at most 256 colours given
// as #RRGGBB hex (the low 24 bits of the number, as Python's int() reads it) or None, mode P with a
// 256-entry palette (black for unlisted characters), each pixel row taken from its line after the opening
// quote and padded with spaces, so a short or missing row is never an error. Colour names, more than one
// character per pixel and more than 256 colours are refused, as in Pillow.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's XPM plugin takes the file ("/* XPM */" and a values line it can read).
bool looksLikeXpm(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's XPM plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeXpm(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
