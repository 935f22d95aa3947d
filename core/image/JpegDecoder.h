#pragma once

// JPEG as Pillow 9.4 reads it (JpegImagePlugin + libImaging/JpegDecode.c), with the same libjpeg-turbo
// Pillow links: 1 component is L, 3 are RGB (libjpeg's own colour conversion, ISLOW DCT, fancy
// upsampling), 4 are CMYK read as "CMYK;I" (libjpeg asked for CMYK output, which turns a YCCK file into
// CMYK itself; Pillow then inverts every byte, "assuming Adobe conventions", with or without an APP14
// marker). A file whose data ends before the decoder is done with the last scanline is refused as Pillow
// refuses it ("image file is truncated"); one that lacks only its end-of-image marker is not. libjpeg never
// prints: warnings are dropped (as Pillow does) and errors become messages.
//
// Threading: plain functions; reentrant (one libjpeg context per call).

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace lens {

/// What Pillow's marker parser (JpegImageFile._open) reads before the first scan.
struct JpegHeader {
    /// Pillow identifies the file (it may still fail to decode it); when false, `problem` says why not.
    bool identified = false;
    std::string problem;
    int width = 0;
    int height = 0;
    int components = 0; ///< 1, 3 or 4 when identified
    /// The Orientation of the first APP1 "Exif" segment (1 when none), for display only.
    int orientation = 1;
};

/// Pillow's _accept: the file starts with FF D8 FF.
bool looksLikeJpeg(const std::uint8_t* data, std::size_t size);

/// Walks the markers up to the first start-of-scan as Pillow does.
JpegHeader readJpegHeader(const std::uint8_t* data, std::size_t size);

/// Where decodeJpeg writes a scaled or full-size image: given Pillow's mode (L, RGB or CMYK) and the output
/// size, returns the first row and sets `stride` (bytes from one row to the next, at least width times the
/// mode's bytes). May throw (std::bad_alloc); decodeJpeg then fails with that exception's text.
using JpegRowsAllocator
    = std::function<std::uint8_t*(PilMode mode, int width, int height, std::size_t& stride)>;

struct JpegDecodeRequest {
    /// 1 (Pillow's full decode), 2, 4 or 8: libjpeg's DCT scaling (like Pillow's draft(); not bit-exact).
    int scaleDenominator = 1;
};

/// Decodes a JPEG that readJpegHeader identified, after checking its size against limits. CMYK comes out
/// in Pillow's convention (already inverted). Errors name the file.
Result<void> decodeJpeg(const std::uint8_t* data, std::size_t size, const std::string& name,
                        const DecodeLimits& limits, const JpegDecodeRequest& request,
                        const JpegRowsAllocator& allocate);

/// As decodeJpeg at full size, into a PilImage (for JPEG data inside other formats, and for tests).
Result<PilImage> decodeJpegImage(const std::uint8_t* data, std::size_t size, const std::string& name,
                                 const DecodeLimits& limits);

} // namespace lens
