#pragma once

// Microsoft Paint images as Pillow 9.4 reads them (MspImagePlugin): version 1 ("DanM", raw 1-bit rows) and
// version 2 ("LinS", a row map and Pillow's run-length decoding, whose rows are concatenated before being
// cut into lines, so a row that decodes short or long shifts the rest as it does in Pillow); the header
// checksum Pillow checks; mode 1.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's MSP plugin takes the file ("DanM" or "LinS" and a header whose checksum is 0).
bool looksLikeMsp(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's MSP plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeMsp(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
