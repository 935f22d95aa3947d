#pragma once

// A decoded image in one of Pillow's modes, before conversion to RGB. Each decoder reproduces what Pillow
// 9.4's plugin for its format produces (mode, size, pixel values, palette); toRgb() then reproduces
// `Image.convert("RGB")`. Keeping the two steps apart mirrors Pillow, so one conversion rule serves every
// format. Free of LibTorch, OpenCV and Qt, so the decoders are fuzzed on their own.
//
// Threading: plain values; the functions are reentrant.

#include "Result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lens {

/// Pillow's image modes that decoders produce.
enum class PilMode {
    One, ///< "1": one byte per pixel, 0 or 255
    L, ///< 8-bit gray
    P, ///< 8-bit palette index; palette holds RGB triples
    PA, ///< palette index + alpha, 2 bytes per pixel
    LA, ///< gray + alpha, 2 bytes per pixel
    RGB, ///< 3 bytes per pixel
    RGBA, ///< 4 bytes per pixel, alpha unassociated (dropped by toRgb, never composited)
    RGBX, ///< 4 bytes per pixel, the fourth ignored
    CMYK, ///< 4 bytes per pixel, Pillow's convention (0 = no ink)
    I, ///< 32-bit signed integer gray, native byte order (Pillow's "I", e.g. 16-bit PNG gray)
    I16, ///< 16-bit unsigned gray, native byte order (Pillow's "I;16", e.g. 16-bit TIFF gray)
    F, ///< 32-bit float gray, native byte order
    LAB, ///< 3 bytes per pixel: CIE L*a*b* as Pillow stores it (L 0..255, a and b with 128 as zero)
    YCbCr, ///< 3 bytes per pixel: Y, Cb, Cr (JPEG's full-range YCbCr, as Pillow's "YCbCr")
};

/// Pillow's name for the mode ("RGB", "I;16", ...), for messages and tests.
const char* pilModeName(PilMode mode);

/// Bytes per pixel of a mode.
constexpr int pilModeBytes(PilMode mode)
{
    switch (mode) {
    case PilMode::One:
    case PilMode::L:
    case PilMode::P:
        return 1;
    case PilMode::PA:
    case PilMode::LA:
    case PilMode::I16:
        return 2;
    case PilMode::RGB:
    case PilMode::LAB:
    case PilMode::YCbCr:
        return 3;
    case PilMode::RGBA:
    case PilMode::RGBX:
    case PilMode::CMYK:
    case PilMode::I:
    case PilMode::F:
        return 4;
    }
    return 0;
}

struct PilImage {
    PilMode mode = PilMode::RGB;
    int width = 0;
    int height = 0;
    /// Row-major pixels, pilModeBytes(mode) bytes each, no row padding.
    std::vector<std::uint8_t> data;
    /// P and PA only: RGB triples, as many entries as the file's palette holds (at most 256). Pillow 9.4 maps
    /// an index beyond the palette's length to gray (i, i, i).
    std::vector<std::uint8_t> palette;
};

/// Pillow's `convert("RGB")` of the image: RGB bytes, 3 per pixel, row-major. L and 1 are replicated; P/PA
/// look up the palette (transparency ignored); LA/RGBA/RGBX/PA drop the extra channel; CMYK goes through
/// Pillow's cmyk2rgb; I and I;16 saturate to 0..255 (no shift); F, which Pillow converts through L, is
/// clipped to 0..255 and truncated toward zero (NaN gives 0). Throws std::invalid_argument if data is
/// shorter than the mode and size need. YCbCr uses Pillow's fixed-point tables; LAB goes through LittleCMS
/// exactly as Pillow's convert does it (a D50 Lab profile to LittleCMS's sRGB, perceptual intent).
std::vector<std::uint8_t> toRgb(const PilImage& image);

/// Pillow's YCbCr to RGB conversion of one pixel (libImaging/ConvertYCbCr.c, fixed point), into rgb[0..2].
void pilYCbCrToRgb(std::uint8_t y, std::uint8_t cb, std::uint8_t cr, std::uint8_t* rgb);

/// As toRgb, into out, which holds width * height * 3 bytes.
void toRgb(const PilImage& image, std::uint8_t* out);

/// Limits every decoder checks from the header, before any pixel buffer is allocated.
struct DecodeLimits {
    /// Refuse images with more pixels than this (decompression bombs); Pillow refuses above 2 * 89478485.
    std::int64_t maxPixels = 178956970;
};

} // namespace lens
