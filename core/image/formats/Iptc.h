#pragma once

// IPTC/NAA image data as Pillow 9.4 treats it (IptcImagePlugin). Pillow has no accept function for it and
// tries it on every file that reaches it: its _open walks the fields (0x1C, record 1..9, dataset, a length
// of 2 bytes or an extended one) up to the first image field (8:10), then takes the mode from 3:60/3:65,
// the size from 3:20/3:30 and the compression from 3:120. looksLikeIptc follows that walk exactly, so that
// a file the plugin gives up on (a SyntaxError, IndexError, KeyError, ... in Pillow) goes on to the plugins
// after it, and one it refuses (a field length over 132, an unknown compression) is refused. A file the
// plugin opens is never decoded by Pillow 9.4: its load() writes the image data to a temporary file it has
// opened for reading only, and fails. decodeIptc therefore always returns an error, saying which.
//
// Threading: plain functions; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

/// True when Pillow's IPTC plugin takes the file (opens it, or refuses it at open).
bool looksLikeIptc(const std::uint8_t* data, std::size_t size);

/// Always an error naming the file: why Pillow refuses it at open, or that Pillow 9.4 cannot load it.
Result<PilImage> decodeIptc(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits);

} // namespace lens
