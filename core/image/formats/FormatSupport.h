#pragma once

// Shared pieces of the hand-written format decoders (internal to core/image/formats): bounds-checked byte
// access, messages that name the file, Pillow's decompression-bomb check, and Pillow's "raw" decoder with
// the raw modes (Unpack.c) the formats use. Pillow reads a row of `stride` bytes per image line, unpacks the
// first (width * bits + 7) / 8 of them and needs no padding after the last line; the same rule lives here
// once.
//
// Threading: plain functions and values; reentrant.

#include "image/PilImage.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace lens::formats {

/// A read-only view of the file's bytes. Every accessor is bounds-checked by the caller through has().
class ByteView {
public:
    ByteView(const std::uint8_t* data, std::size_t size)
        : m_data(data)
        , m_size(size)
    { }

    const std::uint8_t* data() const { return m_data; }
    std::size_t size() const { return m_size; }
    /// True when [offset, offset + count) lies inside the file (no overflow).
    bool has(std::uint64_t offset, std::uint64_t count) const
    {
        return offset <= m_size && count <= m_size - offset;
    }
    /// Bytes available from offset (0 past the end).
    std::size_t available(std::uint64_t offset) const { return offset < m_size ? m_size - offset : 0; }

    std::uint8_t u8(std::size_t offset) const { return m_data[offset]; }
    std::uint16_t le16(std::size_t offset) const
    {
        return std::uint16_t(m_data[offset] | (m_data[offset + 1] << 8));
    }
    std::uint32_t le32(std::size_t offset) const
    {
        return std::uint32_t(m_data[offset]) | (std::uint32_t(m_data[offset + 1]) << 8)
            | (std::uint32_t(m_data[offset + 2]) << 16) | (std::uint32_t(m_data[offset + 3]) << 24);
    }
    std::uint16_t be16(std::size_t offset) const
    {
        return std::uint16_t((m_data[offset] << 8) | m_data[offset + 1]);
    }
    std::uint32_t be32(std::size_t offset) const
    {
        return (std::uint32_t(m_data[offset]) << 24) | (std::uint32_t(m_data[offset + 1]) << 16)
            | (std::uint32_t(m_data[offset + 2]) << 8) | std::uint32_t(m_data[offset + 3]);
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
};

/// "name: problem".
Error fail(const std::string& name, const std::string& problem);

/// "name: truncated FORMAT (what ends at byte N of M)" for data that stops before it should.
Error truncated(const std::string& name, const char* format, const char* what, std::uint64_t needed,
                std::uint64_t size);

/// Pillow's decompression-bomb check (Image._decompression_bomb_check) against limits.maxPixels, and the
/// sizes an int-indexed image can hold. Returns an error when the image must be refused.
std::optional<Error> checkPixelLimit(std::int64_t width, std::int64_t height, const std::string& name,
                                     const DecodeLimits& limits);

/// A zero-filled image of the mode and size (already checked against the limits).
PilImage newImage(PilMode mode, int width, int height);

/// Pillow raw modes (Unpack.c) the hand-written decoders use, each for one image mode.
enum class RawMode {
    One, ///< "1": 1 bit, MSB first, set = 255
    OneI, ///< "1;I": 1 bit, MSB first, set = 0
    OneR, ///< "1;R": 1 bit, LSB first, set = 255
    L, ///< "L": 8-bit gray
    L4, ///< "L;4": 4-bit gray scaled by 0x11
    L16, ///< "L;16": little-endian 16-bit gray, high byte taken
    L16B, ///< "L;16B": big-endian 16-bit gray, high byte taken
    LA, ///< "LA" into mode LA
    P1, ///< "P;1"
    P4, ///< "P;4"
    P, ///< "P"
    P2L, ///< "P;2L": 2 bit planes per line
    P4L, ///< "P;4L": 4 bit planes per line
    RGB, ///< "RGB"
    RGBL, ///< "RGB;L": line-interleaved planes
    BGR, ///< "BGR"
    BGR15, ///< "BGR;15" (also "BGR;5"): 5-5-5 little-endian, B in the low bits, v * 255 / 31
    BGR16, ///< "BGR;16": 5-6-5 little-endian, B in the low bits
    RGBX, ///< "RGBX" into mode RGB
    BGRX, ///< "BGRX" into mode RGB
    XBGR, ///< "XBGR" into mode RGB
    RGBA, ///< "RGBA"
    BGRA, ///< "BGRA" into RGBA
    ABGR, ///< "ABGR" into RGBA
    ARGB, ///< "ARGB" into RGBA
    CMYK, ///< "CMYK"
    RGB16B, ///< "RGB;16B": big-endian 16-bit samples, high bytes taken
    RGBA16B, ///< "RGBA;16B": big-endian 16-bit samples, high bytes taken
    I16B, ///< "I;16B": big-endian 16-bit into mode I
    I32B, ///< "I;32B": big-endian 32-bit into mode I
    F32, ///< "F;32F": little-endian float into mode F
    F32B, ///< "F;32BF": big-endian float into mode F
};

/// The image mode a raw mode unpacks into, and its bits per pixel in the file.
PilMode rawModeTarget(RawMode raw);
int rawModeBits(RawMode raw);

/// Unpacks one line of `pixels` pixels from `in` into `out` (pilModeBytes(target) bytes per pixel). `in`
/// must hold (pixels * bits + 7) / 8 bytes.
void unpackRow(RawMode raw, std::uint8_t* out, const std::uint8_t* in, int pixels);

/// What Pillow's raw decoder made of the data.
struct RawOutcome {
    enum Kind {
        Filled, ///< every line unpacked
        Truncated, ///< the data ends before the last line; `needed` is where it would have to reach
        BadStride, ///< stride shorter than a line (Pillow's "bad configuration" decoder error)
    } kind
        = Filled;
    std::uint64_t needed = 0;
};

/// Pillow's raw decoder over `size` bytes from `data`: lines of `stride` bytes (0: packed), bottom-up when
/// `bottomUp`, into `image` (already sized, of the raw mode's target mode). The last line needs no padding.
/// `needed` of a Truncated outcome counts from `data`.
RawOutcome rawDecode(const std::uint8_t* data, std::size_t size, RawMode raw, std::uint64_t stride,
                     bool bottomUp, PilImage& image);

/// Pillow's Image.transpose(FLIP_LEFT_RIGHT) in place.
void flipLeftRight(PilImage& image);

/// Human-readable decimal, for messages.
std::string number(std::uint64_t value);

/// Bytes from the file quoted for a message: printable ASCII kept, anything else as \xNN.
std::string quoted(const std::string& bytes);

} // namespace lens::formats
