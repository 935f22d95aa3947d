#pragma once

// The EXIF Orientation tag as Pillow 9.4's Image.getexif() reads it (the first image file directory of a
// TIFF-structured block, the last Orientation entry there), and the transposition ImageOps.exif_transpose
// makes of it. Pillow never applies it when decoding, except for TIFF files (see TiffDecoder.h).
//
// Threading: pure functions; reentrant.

#include <cstddef>
#include <cstdint>

namespace lens {

/// The Orientation (1..8) of an EXIF block: a TIFF header and its first directory, optionally preceded by
/// "Exif\0\0" (as in JPEG APP1 and PNG eXIf once Pillow prefixes it). 1 when the block has none, it is
/// malformed, or the value is not one integer in 1..8.
int exifOrientation(const std::uint8_t* data, std::size_t size);

/// True for the orientations 5..8, whose transposition swaps width and height.
bool orientationSwapsAxes(int orientation);

/// Pillow's Image.transpose for an orientation, as exif_transpose maps it (2 FLIP_LEFT_RIGHT, 3 ROTATE_180,
/// 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270, 7 TRANSVERSE, 8 ROTATE_90; anything else copies): `in` holds
/// width x height packed pixels of pixelBytes bytes; `out` receives the result, height x width for 5..8.
void transposeForOrientation(int orientation, const std::uint8_t* in, int width, int height, int pixelBytes,
                             std::uint8_t* out);

} // namespace lens
