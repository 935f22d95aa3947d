#include "image/formats/Sgi.h"

#include "image/formats/FormatSupport.h"

#include <cstring>

namespace lens {

namespace {

using namespace formats;

constexpr std::uint64_t kHeader = 512;

bool hasHeader(const ByteView& bytes)
{
    return bytes.size() >= 12 && bytes.be16(0) == 474;
}

struct SgiLayout {
    bool supported = false;
    PilMode mode = PilMode::L;
    RawMode raw = RawMode::L;
};

// Pillow's MODES table, keyed by bytes per sample, dimension and channel count.
SgiLayout layout(int bpc, int dimension, int zsize)
{
    SgiLayout l;
    if (bpc != 1 && bpc != 2)
        return l;
    if ((dimension == 1 || dimension == 2) && zsize == 1) {
        l = {true, PilMode::L, bpc == 1 ? RawMode::L : RawMode::L16B};
    } else if (dimension == 3 && zsize == 3) {
        l = {true, PilMode::RGB, bpc == 1 ? RawMode::RGB : RawMode::RGB16B};
    } else if (dimension == 3 && zsize == 4) {
        l = {true, PilMode::RGBA, bpc == 1 ? RawMode::RGBA : RawMode::RGBA16B};
    }
    return l;
}

// expandrow / expandrow2: `n` is the row's length from the table, used by Pillow as a packet count. Returns
// 0 when the row is done, 1 for Pillow's early stop, -1 for an overrun. `end` is the index of the file's
// last byte past the header, as Pillow's end_of_buffer.
int expandRow(std::uint8_t* row, const std::uint8_t* buffer, std::int64_t src, std::int64_t end,
              std::int64_t n, int channels, int bpc, int channel, std::int64_t xsize)
{
    std::int64_t x = 0;
    std::size_t dest = std::size_t(channel * bpc);
    const std::size_t step = std::size_t(channels * bpc);
    for (; n > 0; --n) {
        if (src + (bpc - 1) > end)
            return -1;
        const std::uint8_t pixel = buffer[src + (bpc - 1)];
        src += bpc;
        if (n == 1 && pixel != 0)
            return 1;
        int count = pixel & 0x7f;
        if (!count)
            return 0;
        if (x + count > xsize)
            return -1;
        x += count;
        if (pixel & 0x80) {
            if (src + std::int64_t(bpc) * count > end)
                return -1;
            while (count--) {
                std::memcpy(row + dest, buffer + src, std::size_t(bpc));
                src += bpc;
                dest += step;
            }
        } else {
            // Pillow's 16-bit check asks for one byte more than the value needs.
            if (src + (bpc == 1 ? 0 : 2) > end)
                return -1;
            const std::uint8_t* value = buffer + src;
            while (count--) {
                std::memcpy(row + dest, value, std::size_t(bpc));
                dest += step;
            }
            src += bpc;
        }
    }
    return 0;
}

} // namespace

bool looksLikeSgi(const std::uint8_t* data, std::size_t size)
{
    const ByteView bytes(data, size);
    if (!hasHeader(bytes))
        return false;
    // An unsupported layout is a refusal; a supported one with no pixels is not identified.
    return !layout(bytes.u8(3), bytes.be16(4), bytes.be16(10)).supported || (bytes.be16(6) && bytes.be16(8));
}

Result<PilImage> decodeSgi(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    if (!hasHeader(bytes))
        return fail(name, "not an SGI file Pillow can identify (no magic number 474 or a short header)");
    const int compression = bytes.u8(2);
    const int bpc = bytes.u8(3);
    const int dimension = bytes.be16(4);
    const std::int64_t width = bytes.be16(6);
    const std::int64_t height = bytes.be16(8);
    const int zsize = bytes.be16(10);
    const SgiLayout l = layout(bpc, dimension, zsize);
    const PilMode mode = l.mode;
    const RawMode raw = l.raw;
    if (!l.supported) {
        return fail(name,
                    "unsupported SGI (" + number(std::uint64_t(bpc)) + " bytes per sample, dimension "
                        + number(std::uint64_t(dimension)) + ", " + number(std::uint64_t(zsize))
                        + " channels)");
    }
    if (width <= 0 || height <= 0)
        return fail(name,
                    "not an SGI file Pillow can identify (the image is " + number(std::uint64_t(width))
                        + " x " + number(std::uint64_t(height)) + " pixels)");
    if (std::optional<Error> error = checkPixelLimit(width, height, name, limits))
        return *error;
    if (compression != 0 && compression != 1)
        return fail(name, "unsupported SGI (compression " + number(std::uint64_t(compression)) + ")");

    const int channels = zsize;
    PilImage image = newImage(mode, int(width), int(height));
    const std::size_t outLine = std::size_t(width) * std::size_t(pilModeBytes(mode));
    if (compression == 0) {
        // One plane per channel, each bottom-up; 16-bit planes give their high byte.
        const std::uint64_t plane = std::uint64_t(width * height) * std::uint64_t(bpc);
        const std::size_t pixelBytes = std::size_t(pilModeBytes(mode));
        for (int c = 0; c < channels; ++c) {
            const std::uint64_t start = kHeader + plane * std::uint64_t(c);
            if (bytes.available(start) < plane)
                return truncated(name, "SGI", "the pixel data", start + plane, size);
            const std::uint8_t* in = data + start;
            for (std::int64_t y = 0; y < height; ++y) {
                std::uint8_t* out = image.data.data() + std::size_t(height - 1 - y) * outLine;
                for (std::int64_t x = 0; x < width; ++x)
                    out[std::size_t(x) * pixelBytes + std::size_t(c)]
                        = in[std::size_t((y * width + x) * bpc)];
            }
        }
        return image;
    }

    // RLE: Pillow reads everything after the header, then two tables of height * channels big-endian
    // offsets and lengths.
    const std::int64_t bufferSize = std::int64_t(size) - std::int64_t(kHeader);
    const std::int64_t tables = std::int64_t(channels) * height;
    if (bufferSize < 8 * tables)
        return fail(name, "truncated SGI (the run-length tables do not fit in the file)");
    const std::uint8_t* buffer = data + kHeader;
    const std::int64_t end = bufferSize - 1;
    std::vector<std::uint8_t> row(std::size_t(width) * std::size_t(channels) * 2, 0);
    for (std::int64_t rowNo = 0; rowNo < height; ++rowNo) {
        for (int c = 0; c < channels; ++c) {
            const std::size_t index = std::size_t(rowNo + std::int64_t(c) * height);
            const std::uint32_t offset = bytes.be32(kHeader + 4 * index);
            const std::uint32_t length
                = bytes.be32(std::size_t(kHeader + 4 * std::uint64_t(tables) + 4 * index));
            if (offset < kHeader)
                return fail(name, "corrupt SGI (a row offset points into the header)");
            const int status = expandRow(row.data(), buffer, std::int64_t(offset - kHeader), end, length,
                                         channels, bpc, c, width);
            if (status == -1)
                return fail(name, "corrupt SGI (a run-length row runs past its line or the end of the file)");
            if (status == 1)
                return image;
        }
        unpackRow(raw, image.data.data() + std::size_t(height - 1 - rowNo) * outLine, row.data(), int(width));
    }
    return image;
}

} // namespace lens
