#include "image/formats/Sun.h"

#include "image/formats/FormatSupport.h"

#include <cstring>

namespace lens {

namespace {

using namespace formats;

struct SunHeader {
    bool identified = false;
    std::string why;
    std::int64_t width = 0, height = 0;
    int depth = 0;
    PilMode mode = PilMode::L;
    RawMode raw = RawMode::L;
    bool rle = false;
    std::uint64_t offset = 32;
    std::uint64_t stride = 0;
    bool hasPalette = false;
    std::vector<std::uint8_t> paletteBytes;
};

SunHeader readSun(const ByteView& bytes)
{
    SunHeader h;
    if (bytes.size() < 32 || bytes.be32(0) != 0x59A66A95) {
        h.why = "no Sun raster magic number or a short header";
        return h;
    }
    h.width = bytes.be32(4);
    h.height = bytes.be32(8);
    h.depth = int(std::min<std::uint32_t>(bytes.be32(12), 1000));
    const std::uint32_t type = bytes.be32(20);
    const std::uint32_t paletteType = bytes.be32(24);
    const std::uint32_t paletteLength = bytes.be32(28);
    switch (bytes.be32(12)) {
    case 1:
        h.mode = PilMode::One;
        h.raw = RawMode::OneI;
        break;
    case 4:
        h.raw = RawMode::L4;
        break;
    case 8:
        h.raw = RawMode::L;
        break;
    case 24:
        h.mode = PilMode::RGB;
        h.raw = type == 3 ? RawMode::RGB : RawMode::BGR;
        break;
    case 32:
        h.mode = PilMode::RGB;
        h.raw = type == 3 ? RawMode::RGBX : RawMode::BGRX;
        break;
    default:
        h.why = "an unsupported depth";
        return h;
    }
    if (paletteLength) {
        if (paletteLength > 1024) {
            h.why = "a colour map longer than 1024 bytes";
            return h;
        }
        if (paletteType != 1) {
            h.why = "a colour map that is not RGB";
            return h;
        }
        h.offset += paletteLength;
        const std::size_t got = std::size_t(std::min<std::uint64_t>(paletteLength, bytes.available(32)));
        h.hasPalette = true;
        h.paletteBytes.assign(bytes.data() + 32, bytes.data() + 32 + got);
        if (h.mode == PilMode::L) {
            h.mode = PilMode::P;
            h.raw = h.raw == RawMode::L4 ? RawMode::P4 : RawMode::P;
        }
    }
    h.stride = ((std::uint64_t(h.width) * std::uint64_t(h.depth) + 15) / 16) * 2;
    if (type == 2) {
        h.rle = true;
    } else if (!(type == 0 || type == 1 || type == 3 || type == 4 || type == 5)) {
        h.why = "an unsupported raster type";
        return h;
    }
    if (h.width <= 0 || h.height <= 0) {
        h.why = "the image has no pixels";
        return h;
    }
    h.identified = true;
    return h;
}

// SunRleDecode.c: 0x80 0x00 is a literal 0x80, 0x80 n v a run of n + 1 values that may go on into the next
// lines; anything else a literal byte. Lines are not padded.
bool decodeRle(const std::uint8_t* in, std::size_t size, const SunHeader& h, PilImage& image)
{
    const std::size_t lineBytes = (std::size_t(image.width) * std::size_t(rawModeBits(h.raw)) + 7) / 8;
    const std::size_t outLine = std::size_t(image.width) * std::size_t(pilModeBytes(image.mode));
    std::vector<std::uint8_t> line(lineBytes);
    std::size_t x = 0;
    std::int64_t y = 0;
    std::size_t p = 0;
    while (true) {
        if (p >= size)
            return false;
        std::size_t n = 1;
        std::size_t extra = 0;
        std::uint8_t extraValue = 0;
        if (in[p] == 0x80) {
            if (size - p < 2)
                return false;
            if (in[p + 1] == 0) {
                line[x] = 0x80;
                p += 2;
            } else {
                if (size - p < 3)
                    return false;
                n = std::size_t(in[p + 1]) + 1;
                if (x + n > lineBytes) {
                    extra = n - (lineBytes - x);
                    n = lineBytes - x;
                    extraValue = in[p + 2];
                }
                std::memset(line.data() + x, in[p + 2], n);
                p += 3;
            }
        } else {
            line[x] = in[p];
            p += 1;
        }
        for (;;) {
            x += n;
            if (x >= lineBytes) {
                unpackRow(h.raw, image.data.data() + std::size_t(y) * outLine, line.data(), image.width);
                x = 0;
                if (++y >= image.height)
                    return true;
            }
            if (extra == 0 || x > 0)
                break;
            n = std::min(extra, lineBytes);
            std::memset(line.data() + x, extraValue, n);
            extra -= n;
        }
    }
}

} // namespace

bool looksLikeSun(const std::uint8_t* data, std::size_t size)
{
    return readSun(ByteView(data, size)).identified;
}

Result<PilImage> decodeSun(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const SunHeader h = readSun(bytes);
    if (!h.identified)
        return fail(name, "not a Sun raster file Pillow can identify (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    std::vector<std::uint8_t> palette;
    if (h.hasPalette) {
        // putpalette("RGB;L"): planar R, G, B thirds; only on L/P images, at most 256 entries.
        if (h.mode != PilMode::P)
            return fail(name,
                        "unsupported Sun raster (a colour map on a " + number(std::uint64_t(h.depth))
                            + "-bit image, which Pillow cannot attach)");
        const std::size_t entries = h.paletteBytes.size() / 3;
        if (entries > 256)
            return fail(name,
                        "unsupported Sun raster (a colour map of " + number(entries)
                            + " entries; Pillow reads at most 256)");
        palette.resize(entries * 3);
        unpackRow(RawMode::RGBL, palette.data(), h.paletteBytes.data(), int(entries));
    }
    PilImage image = newImage(h.mode, int(h.width), int(h.height));
    image.palette = std::move(palette);
    const std::uint8_t* start = data + std::min<std::uint64_t>(h.offset, size);
    const std::size_t available = bytes.available(h.offset);
    if (h.rle) {
        if (!decodeRle(start, available, h, image))
            return fail(name, "truncated Sun raster (the run-length data ends before the last pixel)");
        return image;
    }
    const RawOutcome outcome = rawDecode(start, available, h.raw, h.stride, false, image);
    if (outcome.kind == RawOutcome::Truncated)
        return truncated(name, "Sun raster", "the pixel data", h.offset + outcome.needed, size);
    if (outcome.kind == RawOutcome::BadStride)
        return fail(name, "cannot decode this Sun raster (its rows are shorter than its pixels)");
    return image;
}

} // namespace lens
