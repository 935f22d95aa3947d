#include "image/formats/FormatSupport.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace lens::formats {

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

Error truncated(const std::string& name, const char* format, const char* what, std::uint64_t needed,
                std::uint64_t size)
{
    return fail(name,
                std::string("truncated ") + format + " (" + what + " would end at byte " + number(needed)
                    + " but the file has " + number(size) + ")");
}

std::string number(std::uint64_t value)
{
    return std::to_string(value);
}

std::string quoted(const std::string& bytes)
{
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : bytes) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f && u != '\\' && u != '"') {
            out += c;
        } else {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out + "\"";
}

std::optional<Error> checkPixelLimit(std::int64_t width, std::int64_t height, const std::string& name,
                                     const DecodeLimits& limits)
{
    if (width <= 0 || height <= 0)
        return fail(
            name, "the image has no pixels (" + std::to_string(width) + " x " + std::to_string(height) + ")");
    // Pillow refuses width * height above twice MAX_IMAGE_PIXELS; dimensions that do not fit an int
    // cannot be held at all.
    const bool tooLarge = width > INT_MAX || height > INT_MAX || height > limits.maxPixels / width
        || width * height > limits.maxPixels;
    if (tooLarge)
        return fail(name,
                    "the image is " + std::to_string(width) + " x " + std::to_string(height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");
    return std::nullopt;
}

PilImage newImage(PilMode mode, int width, int height)
{
    PilImage image;
    image.mode = mode;
    image.width = width;
    image.height = height;
    image.data.assign(std::size_t(width) * std::size_t(height) * std::size_t(pilModeBytes(mode)), 0);
    return image;
}

PilMode rawModeTarget(RawMode raw)
{
    switch (raw) {
    case RawMode::One:
    case RawMode::OneI:
    case RawMode::OneR:
        return PilMode::One;
    case RawMode::L:
    case RawMode::L4:
    case RawMode::L16:
    case RawMode::L16B:
        return PilMode::L;
    case RawMode::LA:
        return PilMode::LA;
    case RawMode::P1:
    case RawMode::P4:
    case RawMode::P:
    case RawMode::P2L:
    case RawMode::P4L:
        return PilMode::P;
        return PilMode::PA;
    case RawMode::RGB:
    case RawMode::RGBL:
    case RawMode::BGR:
    case RawMode::BGR15:
    case RawMode::BGR16:
    case RawMode::RGBX:
    case RawMode::BGRX:
    case RawMode::XBGR:
    case RawMode::RGB16B:
        return PilMode::RGB;
        return PilMode::RGBX;
    case RawMode::RGBA:
    case RawMode::BGRA:
    case RawMode::ABGR:
    case RawMode::ARGB:
    case RawMode::RGBA16B:
        return PilMode::RGBA;
    case RawMode::CMYK:
        return PilMode::CMYK;
    case RawMode::I16B:
    case RawMode::I32B:
        return PilMode::I;
    case RawMode::F32:
    case RawMode::F32B:
        return PilMode::F;
    }
    return PilMode::L;
}

int rawModeBits(RawMode raw)
{
    switch (raw) {
    case RawMode::One:
    case RawMode::OneI:
    case RawMode::OneR:
    case RawMode::P1:
        return 1;
    case RawMode::P2L:
        return 2;
    case RawMode::L4:
    case RawMode::P4:
    case RawMode::P4L:
        return 4;
    case RawMode::L:
    case RawMode::P:
        return 8;
    case RawMode::L16:
    case RawMode::L16B:
    case RawMode::LA:
    case RawMode::BGR15:
    case RawMode::BGR16:
    case RawMode::I16B:
        return 16;
    case RawMode::RGB:
    case RawMode::RGBL:
    case RawMode::BGR:
        return 24;
    case RawMode::RGBX:
    case RawMode::BGRX:
    case RawMode::XBGR:
    case RawMode::RGBA:
    case RawMode::BGRA:
    case RawMode::ABGR:
    case RawMode::ARGB:
    case RawMode::CMYK:
    case RawMode::I32B:
    case RawMode::F32:
    case RawMode::F32B:
        return 32;
    case RawMode::RGB16B:
        return 48;
    case RawMode::RGBA16B:
        return 64;
    }
    return 8;
}

namespace {

// Bits MSB first, `depth` bits per pixel, each mapped through `map`.
template <typename Map>
void unpackBits(std::uint8_t* out, const std::uint8_t* in, int pixels, int depth, Map map)
{
    const int perByte = 8 / depth;
    const int mask = (1 << depth) - 1;
    for (int i = 0; i < pixels; ++i) {
        const int shift = 8 - depth * (i % perByte + 1);
        out[i] = map((in[i / perByte] >> shift) & mask);
    }
}

// Bit planes of one line, as Pillow's "P;2L" / "P;4L": plane k of a line starts (pixels + 7) / 8 bytes
// after plane k - 1.
void unpackPlanes(std::uint8_t* out, const std::uint8_t* in, int pixels, int planes)
{
    const int planeBytes = (pixels + 7) / 8;
    for (int i = 0; i < pixels; ++i) {
        const int bit = 0x80 >> (i % 8);
        int value = 0;
        for (int k = 0; k < planes; ++k)
            if (in[i / 8 + k * planeBytes] & bit)
                value |= 1 << k;
        out[i] = std::uint8_t(value);
    }
}

std::uint8_t scale5(int v)
{
    return std::uint8_t(v * 255 / 31);
}

std::uint8_t scale6(int v)
{
    return std::uint8_t(v * 255 / 63);
}

} // namespace

void unpackRow(RawMode raw, std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    switch (raw) {
    case RawMode::One:
        unpackBits(out, in, pixels, 1, [](int v) { return std::uint8_t(v ? 255 : 0); });
        return;
    case RawMode::OneI:
        unpackBits(out, in, pixels, 1, [](int v) { return std::uint8_t(v ? 0 : 255); });
        return;
    case RawMode::OneR:
        for (int i = 0; i < pixels; ++i)
            out[i] = ((in[i / 8] >> (i % 8)) & 1) ? 255 : 0;
        return;
    case RawMode::L:
    case RawMode::P:
        std::memcpy(out, in, std::size_t(pixels));
        return;
    case RawMode::L4:
        unpackBits(out, in, pixels, 4, [](int v) { return std::uint8_t(v * 0x11); });
        return;
    case RawMode::L16:
        for (int i = 0; i < pixels; ++i)
            out[i] = in[2 * i + 1];
        return;
    case RawMode::L16B:
        for (int i = 0; i < pixels; ++i)
            out[i] = in[2 * i];
        return;
    case RawMode::LA:
        std::memcpy(out, in, std::size_t(pixels) * 2);
        return;
    case RawMode::P1:
        unpackBits(out, in, pixels, 1, [](int v) { return std::uint8_t(v); });
        return;
    case RawMode::P4:
        unpackBits(out, in, pixels, 4, [](int v) { return std::uint8_t(v); });
        return;
    case RawMode::P2L:
        unpackPlanes(out, in, pixels, 2);
        return;
    case RawMode::P4L:
        unpackPlanes(out, in, pixels, 4);
        return;
    case RawMode::RGB:
        std::memcpy(out, in, std::size_t(pixels) * 3);
        return;
    case RawMode::RGBL:
        for (int i = 0; i < pixels; ++i) {
            out[3 * i] = in[i];
            out[3 * i + 1] = in[i + pixels];
            out[3 * i + 2] = in[i + 2 * pixels];
        }
        return;
    case RawMode::BGR:
        for (int i = 0; i < pixels; ++i) {
            out[3 * i] = in[3 * i + 2];
            out[3 * i + 1] = in[3 * i + 1];
            out[3 * i + 2] = in[3 * i];
        }
        return;
    case RawMode::BGR15:
        for (int i = 0; i < pixels; ++i) {
            const int v = in[2 * i] | (in[2 * i + 1] << 8);
            out[3 * i] = scale5((v >> 10) & 31);
            out[3 * i + 1] = scale5((v >> 5) & 31);
            out[3 * i + 2] = scale5(v & 31);
        }
        return;
    case RawMode::BGR16:
        for (int i = 0; i < pixels; ++i) {
            const int v = in[2 * i] | (in[2 * i + 1] << 8);
            out[3 * i] = scale5((v >> 11) & 31);
            out[3 * i + 1] = scale6((v >> 5) & 63);
            out[3 * i + 2] = scale5(v & 31);
        }
        return;
    case RawMode::RGBX:
        for (int i = 0; i < pixels; ++i) {
            out[3 * i] = in[4 * i];
            out[3 * i + 1] = in[4 * i + 1];
            out[3 * i + 2] = in[4 * i + 2];
        }
        return;
    case RawMode::BGRX:
        for (int i = 0; i < pixels; ++i) {
            out[3 * i] = in[4 * i + 2];
            out[3 * i + 1] = in[4 * i + 1];
            out[3 * i + 2] = in[4 * i];
        }
        return;
    case RawMode::XBGR:
        for (int i = 0; i < pixels; ++i) {
            out[3 * i] = in[4 * i + 3];
            out[3 * i + 1] = in[4 * i + 2];
            out[3 * i + 2] = in[4 * i + 1];
        }
        return;
    case RawMode::RGBA:
    case RawMode::CMYK:
        std::memcpy(out, in, std::size_t(pixels) * 4);
        return;
    case RawMode::BGRA:
        for (int i = 0; i < pixels; ++i) {
            out[4 * i] = in[4 * i + 2];
            out[4 * i + 1] = in[4 * i + 1];
            out[4 * i + 2] = in[4 * i];
            out[4 * i + 3] = in[4 * i + 3];
        }
        return;
    case RawMode::ABGR:
        for (int i = 0; i < pixels; ++i) {
            out[4 * i] = in[4 * i + 3];
            out[4 * i + 1] = in[4 * i + 2];
            out[4 * i + 2] = in[4 * i + 1];
            out[4 * i + 3] = in[4 * i];
        }
        return;
    case RawMode::ARGB:
        for (int i = 0; i < pixels; ++i) {
            out[4 * i] = in[4 * i + 1];
            out[4 * i + 1] = in[4 * i + 2];
            out[4 * i + 2] = in[4 * i + 3];
            out[4 * i + 3] = in[4 * i];
        }
        return;
    case RawMode::I32B:
    case RawMode::F32B:
        for (int i = 0; i < pixels; ++i) {
            const std::uint32_t v = (std::uint32_t(in[4 * i]) << 24) | (std::uint32_t(in[4 * i + 1]) << 16)
                | (std::uint32_t(in[4 * i + 2]) << 8) | std::uint32_t(in[4 * i + 3]);
            std::memcpy(out + 4 * i, &v, 4);
        }
        return;
    case RawMode::RGB16B:
        for (int i = 0; i < 3 * pixels; ++i)
            out[i] = in[2 * i];
        return;
    case RawMode::RGBA16B:
        for (int i = 0; i < 4 * pixels; ++i)
            out[i] = in[2 * i];
        return;
    case RawMode::I16B:
        for (int i = 0; i < pixels; ++i) {
            const std::int32_t v = (in[2 * i] << 8) | in[2 * i + 1];
            std::memcpy(out + 4 * i, &v, 4);
        }
        return;
    case RawMode::F32:
        for (int i = 0; i < pixels; ++i) {
            const std::uint32_t v = std::uint32_t(in[4 * i]) | (std::uint32_t(in[4 * i + 1]) << 8)
                | (std::uint32_t(in[4 * i + 2]) << 16) | (std::uint32_t(in[4 * i + 3]) << 24);
            std::memcpy(out + 4 * i, &v, 4);
        }
        return;
    }
}

RawOutcome rawDecode(const std::uint8_t* data, std::size_t size, RawMode raw, std::uint64_t stride,
                     bool bottomUp, PilImage& image)
{
    const std::uint64_t lineBytes = (std::uint64_t(image.width) * std::uint64_t(rawModeBits(raw)) + 7) / 8;
    if (stride == 0)
        stride = lineBytes;
    if (stride < lineBytes)
        return {RawOutcome::BadStride, 0};
    const std::uint64_t height = std::uint64_t(image.height);
    // Overflow-safe: stride is at most a few GiB and height an int.
    const std::uint64_t needed = (height - 1) * stride + lineBytes;
    if (needed > size)
        return {RawOutcome::Truncated, needed};
    const std::size_t outLine = std::size_t(image.width) * std::size_t(pilModeBytes(image.mode));
    for (std::uint64_t y = 0; y < height; ++y) {
        const std::uint64_t row = bottomUp ? height - 1 - y : y;
        unpackRow(raw, image.data.data() + row * outLine, data + y * stride, image.width);
    }
    return {};
}

void flipLeftRight(PilImage& image)
{
    const std::size_t bytes = std::size_t(pilModeBytes(image.mode));
    const std::size_t line = std::size_t(image.width) * bytes;
    for (int y = 0; y < image.height; ++y) {
        std::uint8_t* row = image.data.data() + std::size_t(y) * line;
        for (int a = 0, b = image.width - 1; a < b; ++a, --b)
            std::swap_ranges(row + std::size_t(a) * bytes, row + std::size_t(a + 1) * bytes,
                             row + std::size_t(b) * bytes);
    }
}

} // namespace lens::formats
