#include "image/formats/Dib.h"

#include <algorithm>

namespace lens::formats {

namespace {

constexpr std::uint32_t kRaw = 0;
constexpr std::uint32_t kRle8 = 1;
constexpr std::uint32_t kRle4 = 2;
constexpr std::uint32_t kBitfields = 3;

DibHeader notIdentified(const std::string& name, const char* format, const std::string& why)
{
    DibHeader header;
    header.verdict = DibVerdict::NotIdentified;
    const bool vowel = format[0] == 'I';
    header.error = fail(
        name, std::string(vowel ? "not an " : "not a ") + format + " file Pillow can identify (" + why + ")");
    return header;
}

DibHeader refused(Error error)
{
    DibHeader header;
    header.verdict = DibVerdict::Refused;
    header.error = std::move(error);
    return header;
}

struct Masks {
    std::uint32_t r = 0, g = 0, b = 0, a = 0;
    bool operator==(const Masks& o) const { return r == o.r && g == o.g && b == o.b && a == o.a; }
};

// Pillow's MASK_MODES: the bitfield layouts it reads, and their raw modes.
bool bitfieldsRawMode(int bits, const Masks& m, RawMode& raw)
{
    struct Layout {
        int bits;
        Masks masks;
        bool checkAlpha;
        RawMode raw;
    };
    static const Layout layouts[] = {
        {32, {0xFF0000, 0xFF00, 0xFF, 0x0}, true, RawMode::BGRX},
        {32, {0xFF000000, 0xFF0000, 0xFF00, 0x0}, true, RawMode::XBGR},
        {32, {0xFF000000, 0xFF0000, 0xFF00, 0xFF}, true, RawMode::ABGR},
        {32, {0xFF, 0xFF00, 0xFF0000, 0xFF000000}, true, RawMode::RGBA},
        {32, {0xFF0000, 0xFF00, 0xFF, 0xFF000000}, true, RawMode::BGRA},
        {32, {0x0, 0x0, 0x0, 0x0}, true, RawMode::BGRA},
        {24, {0xFF0000, 0xFF00, 0xFF, 0}, false, RawMode::BGR},
        {16, {0xF800, 0x7E0, 0x1F, 0}, false, RawMode::BGR16},
        {16, {0x7C00, 0x3E0, 0x1F, 0}, false, RawMode::BGR15},
    };
    for (const Layout& layout : layouts) {
        if (layout.bits != bits)
            continue;
        Masks wanted = layout.masks;
        Masks have = m;
        if (!layout.checkAlpha)
            have.a = wanted.a = 0;
        if (have == wanted) {
            raw = layout.raw;
            return true;
        }
    }
    return false;
}

} // namespace

DibHeader readDibHeader(const ByteView& bytes, const DibRequest& request, const std::string& name)
{
    const char* format = request.format;
    std::uint64_t pos = request.headerOffset;
    if (!bytes.has(pos, 4))
        return notIdentified(name, format, "the bitmap header is missing");
    const std::uint32_t headerSize = bytes.le32(pos);
    pos += 4;
    const std::uint64_t rest = headerSize > 4 ? headerSize - 4 : 0;
    if (!bytes.has(pos, rest))
        return refused(truncated(name, format, "the bitmap header", pos + rest, bytes.size()));
    const std::uint64_t h = pos;
    pos += rest;

    DibInfo info;
    std::uint32_t compression = kRaw;
    std::uint64_t colors = 0;
    Masks masks;
    int paletteStep = 4;
    if (headerSize == 12) {
        info.width = bytes.le16(h);
        info.height = bytes.le16(h + 2);
        info.bits = bytes.le16(h + 6);
        paletteStep = 3;
    } else if (headerSize == 40 || headerSize == 64 || headerSize == 108 || headerSize == 124) {
        const bool topDown = bytes.u8(h + 7) == 0xFF;
        info.bottomUp = !topDown;
        info.width = bytes.le32(h);
        const std::uint32_t rawHeight = bytes.le32(h + 4);
        info.height = topDown ? std::int64_t((std::uint64_t(1) << 32) - rawHeight) : std::int64_t(rawHeight);
        info.bits = bytes.le16(h + 10);
        compression = bytes.le32(h + 12);
        colors = bytes.le32(h + 28);
        if (compression == kBitfields) {
            if (rest >= 52) {
                masks = {bytes.le32(h + 36), bytes.le32(h + 40), bytes.le32(h + 44), bytes.le32(h + 48)};
            } else {
                // A 40-byte header keeps its three masks after it; the fourth RGBQUAD byte is reserved,
                // not alpha.
                if (!bytes.has(pos, 12))
                    return notIdentified(name, format, "the colour masks after the header are missing");
                masks = {bytes.le32(pos), bytes.le32(pos + 4), bytes.le32(pos + 8), 0};
                pos += 12;
            }
        }
    } else {
        return refused(fail(name,
                            std::string("unsupported ") + format + " header type (a header of "
                                + number(headerSize) + " bytes; Pillow reads 12, 40, 64, 108 or 124)"));
    }

    // Pillow's quirk: a bfOffBits that points at the palette means "after the palette".
    std::uint64_t dataOffset = request.dataOffset;
    if (info.bits <= 8 && colors == 0)
        colors = std::uint64_t(1) << info.bits;
    if (info.bits <= 8 && dataOffset == 14 + std::uint64_t(headerSize))
        dataOffset += 4 * colors;

    switch (info.bits) {
    case 1:
        info.mode = PilMode::P;
        info.raw = RawMode::P1;
        break;
    case 4:
        info.mode = PilMode::P;
        info.raw = RawMode::P4;
        break;
    case 8:
        info.mode = PilMode::P;
        info.raw = RawMode::P;
        break;
    case 16:
        info.mode = PilMode::RGB;
        info.raw = RawMode::BGR15;
        break;
    case 24:
        info.mode = PilMode::RGB;
        info.raw = RawMode::BGR;
        break;
    case 32:
        info.mode = PilMode::RGB;
        info.raw = RawMode::BGRX;
        break;
    default:
        return refused(fail(name,
                            std::string("unsupported ") + format + " pixel depth (" + number(info.bits)
                                + " bits per pixel)"));
    }

    if (compression == kBitfields) {
        RawMode raw = info.raw;
        if (!bitfieldsRawMode(info.bits, masks, raw))
            return refused(fail(name,
                                std::string("unsupported ") + format
                                    + " bitfields layout (Pillow reads 5-5-5 and 5-6-5 16-bit, 8-8-8 "
                                      "24-bit and a few 8-8-8-8 32-bit channel orders)"));
        info.raw = raw;
        if (raw == RawMode::ABGR || raw == RawMode::RGBA || raw == RawMode::BGRA)
            info.mode = PilMode::RGBA;
    } else if (compression == kRaw) {
        if (info.bits == 32 && request.cursorAt22) {
            info.raw = RawMode::BGRA;
            info.mode = PilMode::RGBA;
        }
    } else if (compression == kRle8 || compression == kRle4) {
        info.rle = true;
        info.rle4 = compression == kRle4;
    } else {
        return refused(fail(name,
                            std::string("unsupported ") + format + " compression ("
                                + (compression == 4       ? std::string("JPEG")
                                       : compression == 5 ? std::string("PNG")
                                                          : "type " + number(compression))
                                + ")"));
    }

    if (info.mode == PilMode::P) {
        if (colors == 0 || colors > 65536)
            return refused(fail(name,
                                std::string("unsupported ") + format + " palette size (" + number(colors)
                                    + " colours)"));
        const std::uint64_t wanted = std::uint64_t(paletteStep) * colors;
        const std::uint64_t got = std::min<std::uint64_t>(wanted, bytes.available(pos));
        const std::uint8_t* palette = bytes.data() + pos;
        pos += got;
        // A palette that is exactly black and white, or the gray ramp 0, 1, 2, ..., makes Pillow ditch it:
        // mode 1 or L, whose raw mode then reads the pixels at 1 or 8 bits whatever the file's depth.
        bool gray = true;
        for (std::uint64_t i = 0; i < colors && gray; ++i) {
            const std::uint8_t value = colors == 2 ? std::uint8_t(i ? 255 : 0) : std::uint8_t(i & 255);
            const std::uint64_t at = i * std::uint64_t(paletteStep);
            gray = at + 3 <= got && palette[at] == value && palette[at + 1] == value
                && palette[at + 2] == value;
        }
        if (gray) {
            info.mode = colors == 2 ? PilMode::One : PilMode::L;
            info.raw = colors == 2 ? RawMode::One : RawMode::L;
        } else {
            info.paletteBytes.assign(palette, palette + got);
            info.paletteStep = paletteStep;
        }
    }

    info.stride = ((std::uint64_t(info.width) * std::uint64_t(info.bits) + 31) >> 3) & ~std::uint64_t(3);
    info.pixelOffset = dataOffset ? dataOffset : pos;
    if (info.width <= 0 || info.height <= 0)
        return notIdentified(name, format,
                             "the image is " + number(std::uint64_t(info.width)) + " x "
                                 + number(std::uint64_t(info.height)) + " pixels");
    DibHeader header;
    header.info = std::move(info);
    return header;
}

namespace {

// Pillow's BmpRleDecoder: a flat stream of indices that rows wrap through, with its own rules for runs past
// the end of a row, deltas and word alignment (by absolute file position). Returns false when the stream
// stops before width * height indices.
bool decodeRle(const ByteView& bytes, const DibInfo& info, std::vector<std::uint8_t>& out)
{
    const std::uint64_t width = std::uint64_t(info.width);
    const std::uint64_t target = width * std::uint64_t(info.height);
    out.assign(std::size_t(target), 0);
    std::uint64_t length = 0;
    std::uint64_t x = 0;
    std::uint64_t p = info.pixelOffset;
    const std::uint64_t end = bytes.size();
    auto put = [&](std::uint8_t value) {
        if (length < target)
            out[std::size_t(length)] = value;
        ++length;
    };
    while (length < target) {
        if (p >= end || end - p < 2)
            break;
        std::uint64_t count = bytes.u8(std::size_t(p));
        const std::uint8_t byte = bytes.u8(std::size_t(p + 1));
        p += 2;
        if (count) {
            if (x + count > width)
                count = x < width ? width - x : 0;
            for (std::uint64_t i = 0; i < count; ++i)
                put(info.rle4 ? std::uint8_t(i % 2 ? byte & 0x0F : byte >> 4) : byte);
            x += count;
        } else if (byte == 0) {
            length = (length + width - 1) / width * width;
            x = 0;
        } else if (byte == 1) {
            break;
        } else if (byte == 2) {
            // Pillow 9.4 reads the delta's two bytes twice over: it checks the first pair and moves by the
            // second.
            if (p >= end || end - p < 4)
                break;
            const std::uint64_t right = bytes.u8(std::size_t(p + 2));
            const std::uint64_t up = bytes.u8(std::size_t(p + 3));
            p += 4;
            length += right + up * width;
            x = length % width;
        } else {
            const std::uint64_t wanted = info.rle4 ? byte / 2 : byte;
            const std::uint64_t got = std::min<std::uint64_t>(wanted, bytes.available(p));
            for (std::uint64_t i = 0; i < got; ++i) {
                const std::uint8_t value = bytes.u8(std::size_t(p + i));
                if (info.rle4) {
                    put(value >> 4);
                    put(value & 0x0F);
                } else {
                    put(value);
                }
            }
            p += got;
            if (got < wanted)
                break;
            x += byte;
            if (p % 2)
                ++p;
        }
    }
    return length >= target;
}

} // namespace

Result<PilImage> loadDib(const ByteView& bytes, const DibInfo& info, const DibRequest& request,
                         const std::string& name)
{
    const char* format = request.format;
    PilImage image = newImage(info.mode, int(info.width), int(info.height));

    if (info.mode == PilMode::P) {
        const std::size_t entries = info.paletteBytes.size() / std::size_t(info.paletteStep);
        if (entries > 256)
            return fail(name,
                        std::string("the ") + format + " palette has " + number(entries)
                            + " colours; Pillow reads at most 256");
        image.palette.resize(entries * 3);
        for (std::size_t i = 0; i < entries; ++i) {
            const std::uint8_t* bgr = info.paletteBytes.data() + i * std::size_t(info.paletteStep);
            image.palette[3 * i] = bgr[2];
            image.palette[3 * i + 1] = bgr[1];
            image.palette[3 * i + 2] = bgr[0];
        }
    }

    if (info.rle) {
        std::vector<std::uint8_t> indices;
        const bool complete = decodeRle(bytes, info, indices);
        if (info.mode != PilMode::P && info.mode != PilMode::L)
            return fail(name,
                        std::string("unsupported ") + format + " (run-length compression of a "
                            + number(info.bits) + "-bit "
                            + (info.mode == PilMode::One ? "black and white" : "colour") + " bitmap)");
        if (!complete)
            return fail(name,
                        std::string("truncated ") + format
                            + " (the run-length data ends before the last pixel)");
        const RawOutcome outcome
            = rawDecode(indices.data(), indices.size(), info.mode == PilMode::L ? RawMode::L : RawMode::P, 0,
                        info.bottomUp, image);
        (void)outcome;
        return image;
    }

    const bool mappable = request.memoryMapped
        && ((info.mode == PilMode::L && info.raw == RawMode::L)
            || (info.mode == PilMode::P && info.raw == RawMode::P));
    const std::uint64_t height = std::uint64_t(info.height);
    if (mappable && info.pixelOffset <= bytes.size()
        && height <= (bytes.size() - info.pixelOffset) / info.stride) {
        // Pillow maps the file and points each line at offset + y * stride, even when a 1- or 4-bit file
        // with a gray palette makes the 8-bit lines overlap; past the end of the file the page reads as 0.
        const std::size_t width = std::size_t(info.width);
        for (std::uint64_t y = 0; y < height; ++y) {
            const std::uint64_t start = info.pixelOffset + y * info.stride;
            const std::size_t have = std::min<std::size_t>(width, bytes.available(start));
            std::uint8_t* row = image.data.data() + std::size_t(info.bottomUp ? height - 1 - y : y) * width;
            std::copy(bytes.data() + start, bytes.data() + start + have, row);
        }
        return image;
    }

    const std::size_t available = bytes.available(info.pixelOffset);
    const std::uint8_t* start = bytes.data() + std::min<std::uint64_t>(info.pixelOffset, bytes.size());
    const RawOutcome outcome = rawDecode(start, available, info.raw, info.stride, info.bottomUp, image);
    if (outcome.kind == RawOutcome::Truncated)
        return truncated(name, format, "the pixel data", info.pixelOffset + outcome.needed, bytes.size());
    if (outcome.kind == RawOutcome::BadStride)
        return fail(name,
                    std::string("cannot decode this ") + format
                        + " (its gray palette makes Pillow read 8-bit lines longer than the file's rows)");
    return image;
}

} // namespace lens::formats
