#pragma once

// Netpbm images as Pillow 9.4 reads them (PpmImagePlugin): P1-P6 plus Pillow's own P0CMYK, PyP, PyRGBA and
// PyCMYK; header tokens as Pillow reads them (comments anywhere, even inside a token; Python's int() rules;
// tokens of at most 10 characters); maxval other than 255 rescaled with round-half-even, 16-bit gray (maxval
// above 255) as mode I; maxval 65535 gray read raw; the plain formats through Pillow's block-wise tokenizer
// (1 MiB blocks, with its quirk of repeating a last token that has no whitespace after it until the image is
// full). PAM (P7) is not opened by Pillow 9.4 and is not identified here either.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's PPM plugin takes the file ("P" and a magic number it knows).
bool looksLikePpm(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's PPM plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodePpm(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
