#include "image/formats/Tga.h"

#include "image/formats/FormatSupport.h"

#include <algorithm>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

struct TgaHeader {
    bool identified = false;
    std::string why;
    int imageType = 0;
    int depth = 0;
    std::int64_t width = 0;
    std::int64_t height = 0;
    PilMode mode = PilMode::L;
    bool flipHorizontally = false;
    bool bottomUp = true;
    bool hasRawMode = false;
    RawMode raw = RawMode::L;
    bool rle = false;
    std::uint64_t pixelOffset = 0;
    /// The colour map Pillow attaches: none, 16-bit (BGR;15) or 24-bit (BGR) entries, 32-bit (refused).
    int mapDepth = 0;
    std::vector<std::uint8_t> mapBytes;
};

TgaHeader readTga(const ByteView& bytes)
{
    TgaHeader h;
    if (bytes.size() < 18) {
        h.why = "the 18-byte header ends early";
        return h;
    }
    const int idLength = bytes.u8(0);
    const int colorMapType = bytes.u8(1);
    h.imageType = bytes.u8(2);
    h.depth = bytes.u8(16);
    const int flags = bytes.u8(17);
    h.width = bytes.le16(12);
    h.height = bytes.le16(14);
    const int d = h.depth;
    if ((colorMapType != 0 && colorMapType != 1) || h.width <= 0 || h.height <= 0
        || (d != 1 && d != 8 && d != 16 && d != 24 && d != 32)) {
        h.why = "its header is not a TGA header";
        return h;
    }
    const int type = h.imageType;
    if (type == 3 || type == 11)
        h.mode = d == 1 ? PilMode::One : d == 16 ? PilMode::LA : PilMode::L;
    else if (type == 1 || type == 9)
        h.mode = PilMode::P;
    else if (type == 2 || type == 10)
        h.mode = d == 32 ? PilMode::RGBA : PilMode::RGB;
    else {
        h.why = "unknown TGA image type " + number(std::uint64_t(type));
        return h;
    }
    const int orientation = flags & 0x30;
    h.flipHorizontally = orientation == 0x10 || orientation == 0x30;
    h.bottomUp = orientation == 0 || orientation == 0x10;
    h.rle = (type & 8) != 0;

    std::uint64_t pos = 18 + std::min<std::uint64_t>(std::uint64_t(idLength), bytes.available(18));
    if (colorMapType) {
        const std::uint64_t start = bytes.le16(3);
        const std::uint64_t count = bytes.le16(5);
        const int mapDepth = bytes.u8(7);
        if (mapDepth == 16 || mapDepth == 24 || mapDepth == 32) {
            // Pillow puts `start` zero entries before the entries it reads.
            const std::uint64_t entry = std::uint64_t(mapDepth / 8);
            const std::uint64_t got = std::min<std::uint64_t>(entry * count, bytes.available(pos));
            h.mapDepth = mapDepth;
            h.mapBytes.assign(std::size_t(entry * start), 0);
            h.mapBytes.insert(h.mapBytes.end(), bytes.data() + pos, bytes.data() + pos + got);
            pos += got;
        }
        // Other entry sizes: no palette, and the pixels are read from where the map starts.
    }
    h.pixelOffset = pos;

    struct Entry {
        int type, depth;
        RawMode raw;
    };
    static const Entry rawModes[] = {
        {1, 8, RawMode::P},      {3, 1, RawMode::One},  {3, 8, RawMode::L},     {3, 16, RawMode::LA},
        {2, 16, RawMode::BGR15}, {2, 24, RawMode::BGR}, {2, 32, RawMode::BGRA},
    };
    for (const Entry& e : rawModes)
        if (e.type == (type & 7) && e.depth == d) {
            h.hasRawMode = true;
            h.raw = e.raw;
        }
    h.identified = true;
    return h;
}

// Pillow's TGA RLE decoder: packets fill a line buffer; a run may not cross the end of a line (Pillow
// reports an overrun), a literal may.
enum class RleOutcome { Done, Truncated, Overrun };

RleOutcome decodeRle(const std::uint8_t* in, std::size_t size, const TgaHeader& h, PilImage& image)
{
    const int depth = h.depth / 8;
    const std::size_t lineBytes = (std::size_t(image.width) * std::size_t(rawModeBits(h.raw)) + 7) / 8;
    const std::size_t outLine = std::size_t(image.width) * std::size_t(pilModeBytes(image.mode));
    std::vector<std::uint8_t> line(lineBytes);
    std::int64_t y = h.bottomUp ? image.height - 1 : 0;
    const int step = h.bottomUp ? -1 : 1;
    std::size_t x = 0;
    const std::uint8_t* ptr = in;
    std::size_t bytes = size;
    for (;;) {
        if (bytes < 1)
            return RleOutcome::Truncated;
        std::size_t n = std::size_t(depth) * ((ptr[0] & 0x7f) + 1);
        std::size_t extra = 0;
        if (ptr[0] & 0x80) {
            if (bytes < std::size_t(1 + depth))
                return RleOutcome::Truncated;
            if (x + n > lineBytes)
                return RleOutcome::Overrun;
            for (std::size_t i = 0; i < n; i += std::size_t(depth))
                std::memcpy(line.data() + x + i, ptr + 1, std::size_t(depth));
            ptr += 1 + depth;
            bytes -= std::size_t(1 + depth);
        } else {
            if (bytes < 1 + n)
                return RleOutcome::Truncated;
            if (x + n > lineBytes) {
                extra = n - (lineBytes - x);
                n = lineBytes - x;
            }
            std::memcpy(line.data() + x, ptr + 1, n);
            ptr += 1 + n;
            bytes -= 1 + n;
        }
        for (;;) {
            x += n;
            if (x >= lineBytes) {
                unpackRow(h.raw, image.data.data() + std::size_t(y) * outLine, line.data(), image.width);
                x = 0;
                y += step;
                if (y < 0 || y >= image.height)
                    return RleOutcome::Done;
            }
            if (extra == 0 || x > 0)
                break;
            n = std::min(extra, lineBytes);
            std::memcpy(line.data() + x, ptr, n);
            ptr += n;
            bytes -= n;
            extra -= n;
        }
    }
}

} // namespace

bool looksLikeTga(const std::uint8_t* data, std::size_t size)
{
    return readTga(ByteView(data, size)).identified;
}

Result<PilImage> decodeTga(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    TgaHeader h = readTga(bytes);
    if (!h.identified)
        return fail(name, "not a TGA file Pillow can identify (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    if (!h.hasRawMode)
        return fail(name,
                    "unsupported TGA (image type " + number(std::uint64_t(h.imageType)) + " at "
                        + number(std::uint64_t(h.depth)) + " bits per pixel)");

    // Pillow attaches the colour map with putpalette, which takes 16- and 24-bit entries, at most 256 of
    // them, and only on P, L and LA images (turning L into P and LA into PA).
    PilMode mode = rawModeTarget(h.raw);
    std::vector<std::uint8_t> palette;
    if (h.mapDepth) {
        if (h.mapDepth == 32)
            return fail(name, "unsupported TGA (a colour map of 32-bit entries, which Pillow cannot read)");
        if (mode != PilMode::P && mode != PilMode::L && mode != PilMode::LA)
            return fail(name,
                        "unsupported TGA (a colour map on a " + number(std::uint64_t(h.depth))
                            + "-bit image, which Pillow cannot attach)");
        const std::size_t entrySize = std::size_t(h.mapDepth / 8);
        const std::size_t entries = h.mapBytes.size() / entrySize;
        if (entries > 256)
            return fail(name,
                        "unsupported TGA (a colour map of " + number(entries)
                            + " entries; Pillow reads at most 256)");
        palette.resize(entries * 3);
        unpackRow(h.mapDepth == 16 ? RawMode::BGR15 : RawMode::BGR, palette.data(), h.mapBytes.data(),
                  int(entries));
    }

    PilImage image = newImage(mode, int(h.width), int(h.height));
    const std::uint8_t* pixels = data + std::min<std::uint64_t>(h.pixelOffset, size);
    const std::size_t available = bytes.available(h.pixelOffset);
    if (h.rle) {
        const RleOutcome outcome = decodeRle(pixels, available, h, image);
        if (outcome == RleOutcome::Truncated)
            return fail(name, "truncated TGA (the run-length data ends before the last pixel)");
        if (outcome == RleOutcome::Overrun)
            return fail(name, "corrupt TGA (a run-length packet runs past the end of a line)");
    } else {
        const RawOutcome outcome = rawDecode(pixels, available, h.raw, 0, h.bottomUp, image);
        if (outcome.kind != RawOutcome::Filled)
            return truncated(name, "TGA", "the pixel data", h.pixelOffset + outcome.needed, size);
    }
    if (h.flipHorizontally)
        flipLeftRight(image);
    if (h.mapDepth) {
        if (image.mode == PilMode::L)
            image.mode = PilMode::P;
        else if (image.mode == PilMode::LA)
            image.mode = PilMode::PA;
        image.palette = std::move(palette);
    }
    return image;
}

} // namespace lens
