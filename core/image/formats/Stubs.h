#pragma once

// Files Pillow 9.4 identifies but cannot decode here: its BUFR, GRIB and HDF5 stub plugins and its WMF/EMF
// plugin have no loader outside Windows, and its MPEG plugin only reads the size. Pillow takes such a file
// (so no later plugin gets it) and then refuses to load it; these sniffs let a dispatcher do the same.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's BUFR stub takes the file ("BUFR" or "ZCZC").
bool looksLikeBufr(const std::uint8_t* data, std::size_t size);
/// True when Pillow's GRIB stub takes the file ("GRIB", edition 1).
bool looksLikeGrib(const std::uint8_t* data, std::size_t size);
/// True when Pillow's HDF5 stub takes the file (the HDF5 signature).
bool looksLikeHdf5(const std::uint8_t* data, std::size_t size);
/// True when Pillow's WMF plugin takes the file (a placeable WMF or an EMF header it accepts).
bool looksLikeWmf(const std::uint8_t* data, std::size_t size);
/// True when Pillow's MPEG plugin takes the file (a sequence header start code and a size).
bool looksLikeMpeg(const std::uint8_t* data, std::size_t size);

/// The refusal for a file one of these plugins took: `format` is "BUFR", "GRIB", "HDF5", "WMF" or "MPEG".
Error refuseUndecodable(const std::string& name, const std::string& format);

} // namespace lens
