#pragma once

// Kodak Photo CD images as Pillow 9.4 reads them (PcdImagePlugin + libImaging/PcdDecode.c): the 768 x 512
// base image at sector 96, stored as pairs of luma lines followed by one line each of Cb and Cr at half
// horizontal resolution, converted to RGB with Pillow's PhotoYCC tables (UnpackYCC.c, "YCC;P"). Pillow 9.4
// fails on files whose orientation byte asks for a quarter turn (its rotation calls a method its image core
// lacks), and so do these functions; the higher resolutions are never read.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's PCD plugin takes the file: "PCD_" at byte 2048 and a header that reaches its
/// orientation byte (2048 + 1538).
bool looksLikePcd(const std::uint8_t* data, std::size_t size);

/// Decodes the base image as Pillow does. Errors name the file (`name`) and the problem.
Result<PilImage> decodePcd(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

} // namespace lens
