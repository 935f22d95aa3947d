#pragma once

// The device-independent bitmap shared by BMP, bare DIB, ICO and CUR files (internal to core/image/formats):
// Pillow 9.4's BmpImageFile._bitmap() header rules and its load (raw decoder, memory-mapped rows, its own
// RLE4/RLE8 decoder), split in two so ICO and CUR can change the height in between as Pillow does.
//
// Threading: plain functions; reentrant.

#include "image/formats/FormatSupport.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lens::formats {

/// Where the DIB sits and how Pillow's caller opened it.
struct DibRequest {
    /// Offset of the BITMAPINFOHEADER (its 4-byte size field).
    std::uint64_t headerOffset = 14;
    /// The BMP file header's bfOffBits (0 when there is none: the pixels follow the palette).
    std::uint64_t dataOffset = 0;
    /// CUR files whose bitmap starts at byte 22: Pillow reads 32-bit BI_RGB as BGRA there.
    bool cursorAt22 = false;
    /// Pillow memory-maps the pixels of a file opened by path (BMP, DIB, CUR; not ICO entries), which
    /// differs from its raw decoder only for a gray palette on 1- and 4-bit files.
    bool memoryMapped = true;
    /// "BMP", "DIB", "ICO" or "CUR", for messages.
    const char* format = "BMP";
};

/// The outcome of reading the header: Pillow identifies the file (maybe to refuse it), or its plugin does
/// not recognise it (a SyntaxError-class failure; Image.open then tries the next plugin).
enum class DibVerdict { Opened, Refused, NotIdentified };

/// What Pillow's _bitmap() settled on.
struct DibInfo {
    PilMode mode = PilMode::RGB;
    RawMode raw = RawMode::BGR;
    std::int64_t width = 0;
    std::int64_t height = 0;
    int bits = 0;
    bool rle = false;
    bool rle4 = false;
    bool bottomUp = true;
    std::uint64_t stride = 0;
    /// Tile offset: where the pixel data starts.
    std::uint64_t pixelOffset = 0;
    /// P only: the palette bytes as read (BGRX, or BGR for OS/2 1.x headers), maybe short.
    std::vector<std::uint8_t> paletteBytes;
    int paletteStep = 4;
};

struct DibHeader {
    DibVerdict verdict = DibVerdict::Opened;
    Error error;
    DibInfo info;
};

/// Pillow's _bitmap(): the header, bitfields, palette and tile, with every check Pillow makes (but not the
/// pixel limit, which callers apply where Pillow does).
DibHeader readDibHeader(const ByteView& bytes, const DibRequest& request, const std::string& name);

/// Pillow's load of the tile readDibHeader() described (after the caller's size checks).
Result<PilImage> loadDib(const ByteView& bytes, const DibInfo& info, const DibRequest& request,
                         const std::string& name);

} // namespace lens::formats
