#pragma once

// Photoshop images as Pillow 9.4 reads them (PsdImagePlugin + PackDecode.c): the merged image (not the
// layers), 1-bit, gray, duotone and multichannel as their first channel (L), indexed (P, with the 768-byte
// colour table when the file has exactly that), RGB, RGBA (four channels), CMYK (Photoshop's inverted
// channels); raw or PackBits channels, decoded one after the other from where Pillow's row counts put them.
// The header, resource and layer sections are walked with Pillow's checks, so a file Pillow rejects there
// (for example a layer with a mask channel, which Pillow 9.4 cannot parse) is rejected too. 8-bit only, as
// Pillow. Lab images come out in Pillow's LAB mode (its channels as stored).
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's PSD plugin takes the file ("8BPS" version 1 and sections it can walk).
bool looksLikePsd(const std::uint8_t* data, std::size_t size);

/// Decodes the merged image as Pillow's PSD plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodePsd(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
