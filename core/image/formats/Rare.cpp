#include "image/formats/Rare.h"

#include "image/formats/Dds.h"
#include "image/formats/FormatSupport.h"

#include <climits>
#include <cstring>
#include <optional>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

struct Opened {
    Verdict verdict = Verdict::NotIdentified;
    std::string why;
};

Result<PilImage> verdictError(const Opened& o, const std::string& name, const char* format)
{
    if (o.verdict == Verdict::NotIdentified)
        return fail(name, std::string("not a ") + format + " file Pillow can identify (" + o.why + ")");
    return fail(name, std::string("unsupported ") + format + " (" + o.why + ")");
}

// ---------------------------------------------------------------------------------------------------------
// GBR

struct GbrHeader : Opened {
    std::int64_t width = 0, height = 0;
    int depth = 1;
    std::uint64_t dataOffset = 0;
};

GbrHeader readGbr(const ByteView& bytes)
{
    GbrHeader h;
    if (bytes.size() < 8 || bytes.be32(0) < 20 || (bytes.be32(4) != 1 && bytes.be32(4) != 2)) {
        h.why = "no GIMP brush header";
        return h;
    }
    if (bytes.size() < 20) {
        h.why = "the header ends early";
        return h;
    }
    const std::uint32_t headerSize = bytes.be32(0);
    const std::uint32_t version = bytes.be32(4);
    h.width = bytes.be32(8);
    h.height = bytes.be32(12);
    h.depth = int(std::min<std::uint32_t>(bytes.be32(16), 16));
    if (h.width <= 0 || h.height <= 0 || (bytes.be32(16) != 1 && bytes.be32(16) != 4)) {
        h.why = "no pixels, or a colour depth other than 1 and 4";
        return h;
    }
    std::int64_t comment = std::int64_t(headerSize) - 20;
    std::uint64_t pos = 20;
    if (version == 2) {
        comment = std::int64_t(headerSize) - 28;
        if (!bytes.has(20, 4) || std::memcmp(bytes.data() + 20, "GIMP", 4) != 0 || !bytes.has(24, 4)) {
            h.why = "no \"GIMP\" magic number";
            return h;
        }
        pos = 28;
    }
    // Python's file.read() takes -1 as "the rest of the file" and refuses other negative lengths.
    if (comment < -1) {
        h.verdict = Verdict::Refused;
        h.why = "a header shorter than its fixed fields";
        return h;
    }
    pos += comment < 0 ? bytes.available(pos)
                       : std::min<std::uint64_t>(std::uint64_t(comment), bytes.available(pos));
    h.dataOffset = pos;
    h.verdict = Verdict::Opened;
    return h;
}

// ---------------------------------------------------------------------------------------------------------
// McIdas

struct McIdasHeader : Opened {
    std::int64_t width = 0, height = 0;
    int bytesPerSample = 1;
    std::int64_t offset = 0;
    std::int64_t stride = 0;
};

McIdasHeader readMcIdas(const ByteView& bytes)
{
    McIdasHeader h;
    static const std::uint8_t magic[8] = {0, 0, 0, 0, 0, 0, 0, 4};
    if (bytes.size() < 256 || std::memcmp(bytes.data(), magic, 8) != 0) {
        h.why = "no McIdas area directory";
        return h;
    }
    auto w = [&](int i) { return std::int64_t(std::int32_t(bytes.be32(std::size_t(4 * (i - 1))))); };
    const std::int64_t kind = w(11);
    if (kind != 1 && kind != 2 && kind != 4) {
        h.why = "an unsupported sample size";
        return h;
    }
    h.bytesPerSample = int(kind);
    h.width = w(10);
    h.height = w(9);
    h.offset = w(34) + w(15);
    h.stride = w(15) + w(10) * w(11) * w(14);
    if (h.width <= 0 || h.height <= 0) {
        h.why = "the image has no pixels";
        return h;
    }
    h.verdict = Verdict::Opened;
    return h;
}

// ---------------------------------------------------------------------------------------------------------
// FTEX

struct FtexHeader : Opened {
    std::int64_t width = 0, height = 0;
    bool dxt1 = false;
    std::uint64_t dataOffset = 0;
    std::uint64_t dataSize = 0;
};

FtexHeader readFtex(const ByteView& bytes)
{
    FtexHeader h;
    if (bytes.size() < 4 || std::memcmp(bytes.data(), "FTEX", 4) != 0) {
        h.why = "no \"FTEX\" signature";
        return h;
    }
    if (bytes.size() < 24) {
        h.why = "the header ends early";
        return h;
    }
    auto s32 = [&](std::size_t at) { return std::int64_t(std::int32_t(bytes.le32(at))); };
    h.width = s32(8);
    h.height = s32(12);
    if (s32(20) != 1) {
        h.verdict = Verdict::Refused;
        h.why = "more than one texture format";
        return h;
    }
    if (bytes.size() < 32) {
        h.why = "the format table ends early";
        return h;
    }
    const std::int64_t format = s32(24);
    const std::int64_t where = s32(28);
    if (where < 0) {
        h.verdict = Verdict::Refused;
        h.why = "a negative data offset";
        return h;
    }
    if (!bytes.has(std::uint64_t(where), 4)) {
        h.why = "the texture data is missing";
        return h;
    }
    const std::int64_t mipmapSize = s32(std::size_t(where));
    if (mipmapSize < -1) {
        h.verdict = Verdict::Refused;
        h.why = "a negative texture size";
        return h;
    }
    const std::uint64_t start = std::uint64_t(where) + 4;
    h.dataOffset = start;
    h.dataSize = mipmapSize < 0 ? bytes.available(start)
                                : std::min<std::uint64_t>(std::uint64_t(mipmapSize), bytes.available(start));
    if (format != 0 && format != 1) {
        h.verdict = Verdict::Refused;
        h.why = "texture compression format " + std::to_string(format);
        return h;
    }
    h.dxt1 = format == 0;
    if (h.width <= 0 || h.height <= 0) {
        h.why = "the image has no pixels";
        return h;
    }
    h.verdict = Verdict::Opened;
    return h;
}

// ---------------------------------------------------------------------------------------------------------
// XV thumbnails

struct XvHeader : Opened {
    std::int64_t width = 0, height = 0;
    std::uint64_t dataOffset = 0;
};

std::optional<std::int64_t> pythonInt(const std::string& token)
{
    std::size_t i = 0;
    bool negative = false;
    if (i < token.size() && (token[i] == '+' || token[i] == '-'))
        negative = token[i++] == '-';
    std::int64_t value = 0;
    bool lastDigit = false;
    if (i >= token.size())
        return std::nullopt;
    for (; i < token.size(); ++i) {
        const char c = token[i];
        if (c >= '0' && c <= '9') {
            value = value > (INT64_MAX - 9) / 10 ? INT64_MAX / 2 : value * 10 + (c - '0');
            lastDigit = true;
        } else if (c == '_' && lastDigit) {
            lastDigit = false;
        } else {
            return std::nullopt;
        }
    }
    if (!lastDigit)
        return std::nullopt;
    return negative ? -value : value;
}

XvHeader readXv(const ByteView& bytes)
{
    XvHeader h;
    if (bytes.size() < 6 || std::memcmp(bytes.data(), "P7 332", 6) != 0) {
        h.why = "no \"P7 332\" signature";
        return h;
    }
    std::size_t pos = 6;
    auto line = [&]() {
        const std::size_t start = pos;
        while (pos < bytes.size() && bytes.u8(pos++) != '\n') { }
        return std::string(reinterpret_cast<const char*>(bytes.data()) + start, pos - start);
    };
    line();
    std::string s;
    while (true) {
        s = line();
        if (s.empty()) {
            h.why = "no size line";
            return h;
        }
        if (s[0] != '#')
            break;
    }
    std::vector<std::string> tokens;
    for (std::size_t i = 0; i < s.size();) {
        while (i < s.size() && std::strchr(" \t\n\r\v\f", s[i]) && s[i])
            ++i;
        const std::size_t start = i;
        while (i < s.size() && !(std::strchr(" \t\n\r\v\f", s[i]) && s[i]))
            ++i;
        if (i > start)
            tokens.push_back(s.substr(start, i - start));
    }
    if (tokens.empty()) {
        h.why = "an empty size line";
        return h;
    }
    const std::optional<std::int64_t> width = pythonInt(tokens[0]);
    if (!width) {
        h.verdict = Verdict::Refused;
        h.why = "a width that is not a number";
        return h;
    }
    if (tokens.size() < 2) {
        h.why = "no height";
        return h;
    }
    const std::optional<std::int64_t> height = pythonInt(tokens[1]);
    if (!height) {
        h.verdict = Verdict::Refused;
        h.why = "a height that is not a number";
        return h;
    }
    h.width = *width;
    h.height = *height;
    h.dataOffset = pos;
    if (h.width <= 0 || h.height <= 0) {
        h.why = "the image has no pixels";
        return h;
    }
    h.verdict = Verdict::Opened;
    return h;
}

} // namespace

bool looksLikeGbr(const std::uint8_t* data, std::size_t size)
{
    return readGbr(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeGbr(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const GbrHeader h = readGbr(bytes);
    if (h.verdict != Verdict::Opened)
        return verdictError(h, name, "GBR");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(h.depth == 1 ? PilMode::L : PilMode::RGBA, int(h.width), int(h.height));
    if (bytes.available(h.dataOffset) < image.data.size())
        return truncated(name, "GBR", "the brush pixels", h.dataOffset + image.data.size(), size);
    std::memcpy(image.data.data(), data + h.dataOffset, image.data.size());
    return image;
}

bool looksLikePixar(const std::uint8_t* data, std::size_t size)
{
    const ByteView bytes(data, size);
    return size >= 428 && std::memcmp(data, "\x80\xe8\x00\x00", 4) == 0 && bytes.le16(424) == 14
        && bytes.le16(426) == 2 && bytes.le16(416) > 0 && bytes.le16(418) > 0;
}

Result<PilImage> decodePixar(const std::uint8_t* data, std::size_t size, const std::string& name,
                             const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    if (!looksLikePixar(data, size))
        return fail(name, "not a PIXAR file Pillow can identify (only its 8-bit RGB layout is read)");
    const std::int64_t width = bytes.le16(418), height = bytes.le16(416);
    if (std::optional<Error> error = checkPixelLimit(width, height, name, limits))
        return *error;
    PilImage image = newImage(PilMode::RGB, int(width), int(height));
    const RawOutcome outcome = rawDecode(data + std::min<std::size_t>(1024, size), bytes.available(1024),
                                         RawMode::RGB, 0, false, image);
    if (outcome.kind != RawOutcome::Filled)
        return truncated(name, "PIXAR", "the pixel data", 1024 + outcome.needed, size);
    return image;
}

bool looksLikeXvThumb(const std::uint8_t* data, std::size_t size)
{
    return readXv(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeXvThumb(const std::uint8_t* data, std::size_t size, const std::string& name,
                               const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const XvHeader h = readXv(bytes);
    if (h.verdict != Verdict::Opened)
        return verdictError(h, name, "XV thumbnail");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(PilMode::P, int(h.width), int(h.height));
    // XV's fixed 3-3-2 palette.
    image.palette.resize(768);
    for (int r = 0, i = 0; r < 8; ++r)
        for (int g = 0; g < 8; ++g)
            for (int b = 0; b < 4; ++b, ++i) {
                image.palette[std::size_t(3 * i)] = std::uint8_t(r * 255 / 7);
                image.palette[std::size_t(3 * i + 1)] = std::uint8_t(g * 255 / 7);
                image.palette[std::size_t(3 * i + 2)] = std::uint8_t(b * 255 / 3);
            }
    const RawOutcome outcome = rawDecode(data + std::min<std::uint64_t>(h.dataOffset, size),
                                         bytes.available(h.dataOffset), RawMode::P, 0, false, image);
    if (outcome.kind != RawOutcome::Filled)
        return truncated(name, "XV thumbnail", "the pixel data", h.dataOffset + outcome.needed, size);
    return image;
}

bool looksLikeMcIdas(const std::uint8_t* data, std::size_t size)
{
    return readMcIdas(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeMcIdas(const std::uint8_t* data, std::size_t size, const std::string& name,
                              const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const McIdasHeader h = readMcIdas(bytes);
    if (h.verdict != Verdict::Opened)
        return verdictError(h, name, "McIdas");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    if (h.offset < 0)
        return fail(name, "corrupt McIdas file (a negative data offset)");
    if (h.stride > INT_MAX || h.stride < INT_MIN)
        return fail(name, "corrupt McIdas file (a line stride out of range)");
    const PilMode mode = h.bytesPerSample == 1 ? PilMode::L : PilMode::I;
    const RawMode raw = h.bytesPerSample == 1 ? RawMode::L
        : h.bytesPerSample == 2               ? RawMode::I16B
                                              : RawMode::I32B;
    PilImage image = newImage(mode, int(h.width), int(h.height));
    const std::uint64_t offset = std::uint64_t(h.offset);
    const std::int64_t fileSize = std::int64_t(size);
    // 8-bit files are memory-mapped by Pillow when the rows fit by its own test; a stride of 0 or less is
    // then replaced by the width.
    if (mode == PilMode::L && !(h.offset + h.height * h.stride > fileSize)) {
        const std::int64_t stride = h.stride > 0 ? h.stride : h.width;
        if (h.offset + h.height * stride > fileSize)
            return fail(name, "truncated McIdas file (the lines do not fit in the file)");
        for (std::int64_t y = 0; y < h.height; ++y) {
            const std::uint64_t start = offset + std::uint64_t(y * stride);
            const std::size_t have = std::min<std::size_t>(std::size_t(h.width), bytes.available(start));
            std::memcpy(image.data.data() + std::size_t(y * h.width), data + start, have);
        }
        return image;
    }
    if (h.stride < 0)
        return fail(name, "corrupt McIdas file (a negative line stride)");
    const RawOutcome outcome = rawDecode(data + std::min<std::uint64_t>(offset, size),
                                         bytes.available(offset), raw, std::uint64_t(h.stride), false, image);
    if (outcome.kind == RawOutcome::BadStride)
        return fail(name, "corrupt McIdas file (lines shorter than the image width)");
    if (outcome.kind == RawOutcome::Truncated)
        return truncated(name, "McIdas", "the pixel data", offset + outcome.needed, size);
    return image;
}

bool looksLikeFtex(const std::uint8_t* data, std::size_t size)
{
    return readFtex(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeFtex(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const FtexHeader h = readFtex(bytes);
    if (h.verdict != Verdict::Opened)
        return verdictError(h, name, "FTEX");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(h.dxt1 ? PilMode::RGBA : PilMode::RGB, int(h.width), int(h.height));
    const std::uint8_t* start = data + h.dataOffset;
    if (h.dxt1) {
        if (!decodeBc1Blocks(start, std::size_t(h.dataSize), image))
            return fail(name, "truncated FTEX (the compressed blocks end before the last one)");
        return image;
    }
    const RawOutcome outcome = rawDecode(start, std::size_t(h.dataSize), RawMode::RGB, 0, false, image);
    if (outcome.kind != RawOutcome::Filled)
        return truncated(name, "FTEX", "the texture data", h.dataOffset + outcome.needed, size);
    return image;
}

} // namespace lens
