#pragma once

// Rare formats Pillow 9.4 opens, each as its plugin reads it: GIMP brushes (GbrImagePlugin: L or RGBA), PIXAR
// raster (PixarImagePlugin: only its 8-bit RGB "dumped" layout), XV thumbnails (XVThumbImagePlugin: P with
// the fixed 3-3-2 palette), McIdas area files (McIdasImagePlugin: L, or I from 16/32-bit big-endian, with
// its stride rules) and FTEX textures (FtexImagePlugin: raw RGB or BC1 as RGBA).
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's GBR plugin takes the file.
bool looksLikeGbr(const std::uint8_t* data, std::size_t size);
/// Decodes the file as Pillow's GBR plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeGbr(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits);

/// True when Pillow's PIXAR plugin takes the file.
bool looksLikePixar(const std::uint8_t* data, std::size_t size);
/// Decodes the file as Pillow's PIXAR plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodePixar(const std::uint8_t* data, std::size_t size, const std::string& name,
                             const DecodeLimits& limits);

/// True when Pillow's XVThumb plugin takes the file.
bool looksLikeXvThumb(const std::uint8_t* data, std::size_t size);
/// Decodes the file as Pillow's XVThumb plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeXvThumb(const std::uint8_t* data, std::size_t size, const std::string& name,
                               const DecodeLimits& limits);

/// True when Pillow's McIdas plugin takes the file.
bool looksLikeMcIdas(const std::uint8_t* data, std::size_t size);
/// Decodes the file as Pillow's McIdas plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeMcIdas(const std::uint8_t* data, std::size_t size, const std::string& name,
                              const DecodeLimits& limits);

/// True when Pillow's FTEX plugin takes the file.
bool looksLikeFtex(const std::uint8_t* data, std::size_t size);
/// Decodes the file as Pillow's FTEX plugin does. Errors name the file (`name`) and the problem.
Result<PilImage> decodeFtex(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits);

} // namespace lens
