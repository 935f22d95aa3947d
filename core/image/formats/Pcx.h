#pragma once

// PC Paintbrush images as Pillow 9.4 reads them (PcxImagePlugin + PcxDecode.c), and Intel DCX files (the
// first PCX of the container, DcxImagePlugin). Modes: 1-bit as 1, 2 and 4 bit planes as P with the
// header's 16-colour palette, 8-bit as L or P (the 256-colour palette at the end of the file, ignored
// unless it is marked with 0x0C and is not the gray ramp), 24-bit planar as RGB; Pillow's own line stride
// (it ignores the header's when they differ only by the even padding) and its line handling quirks. What
// Pillow refuses is refused: runs past the end of a line, 8-bit files shorter than 769 bytes (Pillow seeks
// back from the end for the palette), truncated data, unknown plane layouts.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's PCX plugin takes the file (0x0A, a version byte of 0, 2, 3 or 5, a sane box).
bool looksLikePcx(const std::uint8_t* data, std::size_t size);

/// Decodes the file as Pillow's PCX plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodePcx(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

/// True when Pillow's DCX plugin takes the file (its magic number and a first PCX it identifies).
bool looksLikeDcx(const std::uint8_t* data, std::size_t size);

/// Decodes the first image of a DCX file as Pillow does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeDcx(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
