#include "image/PngDecoder.h"

#include "image/Exif.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <regex>
#include <zlib.h>

namespace lens {

namespace {

constexpr std::size_t kMaxTextChunk = 1024 * 1024; // ImageFile.SAFEBLOCK, Pillow's MAX_TEXT_CHUNK
constexpr std::size_t kMaxTextMemory = 64 * kMaxTextChunk; // MAX_TEXT_MEMORY

std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

std::string chunkName(const std::uint8_t* id)
{
    std::string out;
    for (int i = 0; i < 4; ++i)
        out += (id[i] >= 0x20 && id[i] < 0x7F) ? char(id[i]) : '?';
    return out;
}

// Pillow's is_cid: four bytes matching \w (ASCII letters, digits, underscore).
bool isChunkId(const std::uint8_t* id)
{
    for (int i = 0; i < 4; ++i) {
        const std::uint8_t c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

bool is(const std::uint8_t* id, const char* name)
{
    return std::memcmp(id, name, 4) == 0;
}

// Pillow's raw modes for PNG (PngImagePlugin._MODES) and what they unpack into.
enum class Raw { One, L2, L4, L, I16B, RGB, RGB16B, P1, P2, P4, P, LA, LA16B, RGBA, RGBA16B };

struct Layout {
    PilMode mode;
    Raw raw;
    int bits; // per pixel
};

std::optional<Layout> layoutFor(int depth, int colour)
{
    switch (colour * 100 + depth) {
    case 1:
        return Layout {PilMode::One, Raw::One, 1};
    case 2:
        return Layout {PilMode::L, Raw::L2, 2};
    case 4:
        return Layout {PilMode::L, Raw::L4, 4};
    case 8:
        return Layout {PilMode::L, Raw::L, 8};
    case 16:
        return Layout {PilMode::I, Raw::I16B, 16};
    case 208:
        return Layout {PilMode::RGB, Raw::RGB, 24};
    case 216:
        return Layout {PilMode::RGB, Raw::RGB16B, 48};
    case 301:
        return Layout {PilMode::P, Raw::P1, 1};
    case 302:
        return Layout {PilMode::P, Raw::P2, 2};
    case 304:
        return Layout {PilMode::P, Raw::P4, 4};
    case 308:
        return Layout {PilMode::P, Raw::P, 8};
    case 408:
        return Layout {PilMode::LA, Raw::LA, 16};
    case 416:
        return Layout {PilMode::RGBA, Raw::LA16B, 32}; // Pillow has no LA;16B -> LA unpacker
    case 608:
        return Layout {PilMode::RGBA, Raw::RGBA, 32};
    case 616:
        return Layout {PilMode::RGBA, Raw::RGBA16B, 64};
    default:
        return std::nullopt;
    }
}

// Unpacks pixel i of a packed row into out (Unpack.c's unpackers for these raw modes).
inline void unpackPixel(Raw raw, const std::uint8_t* row, std::size_t i, std::uint8_t* out)
{
    switch (raw) {
    case Raw::One:
        out[0] = (row[i >> 3] >> (7 - (i & 7))) & 1 ? 255 : 0;
        break;
    case Raw::L2:
        out[0] = std::uint8_t(((row[i >> 2] >> (6 - 2 * (i & 3))) & 3) * 0x55);
        break;
    case Raw::L4:
        out[0] = std::uint8_t(((row[i >> 1] >> (4 - 4 * (i & 1))) & 15) * 0x11);
        break;
    case Raw::P1:
        out[0] = (row[i >> 3] >> (7 - (i & 7))) & 1;
        break;
    case Raw::P2:
        out[0] = (row[i >> 2] >> (6 - 2 * (i & 3))) & 3;
        break;
    case Raw::P4:
        out[0] = (row[i >> 1] >> (4 - 4 * (i & 1))) & 15;
        break;
    case Raw::L:
    case Raw::P:
        out[0] = row[i];
        break;
    case Raw::I16B: {
        const std::int32_t v = (std::int32_t(row[2 * i]) << 8) | row[2 * i + 1];
        std::memcpy(out, &v, 4);
        break;
    }
    case Raw::RGB:
        std::memcpy(out, row + 3 * i, 3);
        break;
    case Raw::RGB16B:
        out[0] = row[6 * i];
        out[1] = row[6 * i + 2];
        out[2] = row[6 * i + 4];
        break;
    case Raw::LA:
        out[0] = row[2 * i];
        out[1] = row[2 * i + 1];
        break;
    case Raw::LA16B:
        out[0] = out[1] = out[2] = row[4 * i];
        out[3] = row[4 * i + 2];
        break;
    case Raw::RGBA:
        std::memcpy(out, row + 4 * i, 4);
        break;
    case Raw::RGBA16B:
        out[0] = row[8 * i];
        out[1] = row[8 * i + 2];
        out[2] = row[8 * i + 4];
        out[3] = row[8 * i + 6];
        break;
    }
}

void unpackRow(Raw raw, const std::uint8_t* row, std::size_t pixels, std::uint8_t* out, int outBytes)
{
    switch (raw) {
    case Raw::L:
    case Raw::P:
    case Raw::RGB:
    case Raw::LA:
    case Raw::RGBA:
        std::memcpy(out, row, pixels * std::size_t(outBytes));
        return;
    default:
        for (std::size_t i = 0; i < pixels; ++i)
            unpackPixel(raw, row, i, out + i * std::size_t(outBytes));
    }
}

// ZipDecode.c's predictor step on one filtered row (buffer[0] is the filter type).
bool unfilter(std::uint8_t* row, const std::uint8_t* previous, std::size_t length, std::size_t bpp)
{
    switch (row[0]) {
    case 0:
        return true;
    case 1:
        for (std::size_t i = bpp + 1; i <= length; ++i)
            row[i] = std::uint8_t(row[i] + row[i - bpp]);
        return true;
    case 2:
        for (std::size_t i = 1; i <= length; ++i)
            row[i] = std::uint8_t(row[i] + previous[i]);
        return true;
    case 3: {
        std::size_t i = 1;
        for (; i <= bpp && i <= length; ++i)
            row[i] = std::uint8_t(row[i] + previous[i] / 2);
        for (; i <= length; ++i)
            row[i] = std::uint8_t(row[i] + (row[i - bpp] + previous[i]) / 2);
        return true;
    }
    case 4: {
        std::size_t i = 1;
        for (; i <= bpp && i <= length; ++i)
            row[i] = std::uint8_t(row[i] + previous[i]);
        for (; i <= length; ++i) {
            const int a = row[i - bpp], b = previous[i], c = previous[i - bpp];
            const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
            row[i] = std::uint8_t(row[i] + ((pa <= pb && pa <= pc) ? a : (pb <= pc) ? b : c));
        }
        return true;
    }
    default:
        return false;
    }
}

enum class Inflated { Ok, TooLarge, Corrupt };

// Python's zlib.decompressobj().decompress(data, kMaxTextChunk) as Pillow's _safe_zlib_decompress uses it:
// too large when the output limit stops it with input left over; a truncated stream is not an error.
Inflated inflateText(const std::uint8_t* in, std::size_t size, std::string& out)
{
    z_stream z {};
    if (inflateInit(&z) != Z_OK)
        return Inflated::Corrupt;
    out.resize(kMaxTextChunk);
    z.next_in = const_cast<Bytef*>(in);
    z.avail_in = uInt(std::min<std::size_t>(size, 0xFFFFFFFFu));
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    const int status = inflate(&z, Z_FINISH);
    const std::size_t produced = out.size() - z.avail_out;
    const bool left = z.avail_in > 0;
    inflateEnd(&z);
    out.resize(produced);
    if (status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR || status == Z_STREAM_ERROR)
        return Inflated::Corrupt;
    if (status != Z_STREAM_END && produced == kMaxTextChunk && left)
        return Inflated::TooLarge;
    return Inflated::Ok;
}

std::size_t utf8Length(const std::string& s, bool& valid)
{
    // Characters in valid UTF-8 (Python's len of the decoded str); valid = false on a malformed sequence.
    std::size_t count = 0;
    valid = true;
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = s[i];
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) {
            valid = false;
            return count;
        }
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) {
                valid = false;
                return count;
            }
        if ((n == 2 && c < 0xC2) || (n == 3 && c == 0xE0 && static_cast<unsigned char>(s[i + 1]) < 0xA0)
            || (n == 3 && c == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0)
            || (n == 4
                && (c > 0xF4 || (c == 0xF0 && static_cast<unsigned char>(s[i + 1]) < 0x90)
                    || (c == 0xF4 && static_cast<unsigned char>(s[i + 1]) >= 0x90)))) {
            valid = false;
            return count;
        }
        i += n;
        ++count;
    }
    return count;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Image.getexif()'s reading of ImageMagick's "Raw profile type exif" text: lines 4 onward, hex.
int rawProfileOrientation(const std::string& text)
{
    std::size_t pos = 0;
    for (int line = 0; line < 3; ++line) {
        pos = text.find('\n', pos);
        if (pos == std::string::npos)
            return 1;
        ++pos;
    }
    std::vector<std::uint8_t> bytes;
    int high = -1;
    for (std::size_t i = pos; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n')
            continue;
        if (c == ' ' && high < 0)
            continue; // bytes.fromhex allows spaces between bytes
        const int v = hexValue(c);
        if (v < 0)
            return 1;
        if (high < 0) {
            high = v;
        } else {
            bytes.push_back(std::uint8_t(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0)
        return 1;
    return exifOrientation(bytes.data(), bytes.size());
}

struct Metadata {
    bool haveExif = false; // an eXIf chunk or a tEXt "exif" entry
    std::vector<std::uint8_t> exif;
    bool haveRawProfile = false;
    std::string rawProfile;
    bool haveXmp = false;
    std::string xmp;

    int orientation() const
    {
        int value = 1;
        bool found = false;
        if (haveExif) {
            value = exifOrientation(exif.data(), exif.size());
            found = value != 1;
        } else if (haveRawProfile) {
            value = rawProfileOrientation(rawProfile);
            found = value != 1;
        }
        if (!found && haveXmp) {
            static const std::regex pattern("tiff:Orientation(=\"|>)([0-9])");
            std::smatch match;
            if (std::regex_search(xmp, match, pattern))
                value = match[2].str()[0] - '0';
        }
        return value >= 1 && value <= 8 ? value : 1;
    }
};

// PngStream's chunk handlers: what they record and where they raise (refusing the file). The same rules
// apply before the image data (PngImageFile._open) and after it (load_end, which Pillow runs on every load).
class ChunkRules {
public:
    explicit ChunkRules(const std::string& name)
        : m_name(name)
    { }

    std::optional<Layout> layout;
    std::int64_t width = 0, height = 0;
    bool haveSize = false, interlaced = false;
    std::vector<std::uint8_t> palette;
    bool animated = false;
    std::optional<std::uint32_t> sequence;
    bool haveBox = false;
    std::int64_t box[4] = {0, 0, 0, 0};
    Metadata metadata;

    // Chunks other than IDAT, fdAT and IEND, which the callers handle.
    std::optional<Error> handle(const std::uint8_t* id, const std::uint8_t* s, std::size_t n, bool afterImage)
    {
        if (is(id, "IHDR")) {
            if (n < 13)
                return fail(m_name, "the PNG file has a truncated IHDR chunk");
            if (!afterImage) {
                width = be32(s);
                height = be32(s + 4);
                haveSize = true;
                layout = layoutFor(s[8], s[9]);
                interlaced = s[12] != 0;
            }
            if (s[11] != 0)
                return fail(m_name, "the PNG file uses an unknown filter method");
        } else if (is(id, "PLTE")) {
            if (!afterImage && layout && layout->mode == PilMode::P) {
                if (n / 3 > 256)
                    return fail(m_name, "the PNG palette has more than 256 entries");
                palette.assign(s, s + n);
            }
        } else if (is(id, "tRNS")) {
            const PilMode mode = layout ? layout->mode : PilMode::RGB;
            if (layout && (mode == PilMode::One || mode == PilMode::L || mode == PilMode::I) && n < 2)
                return fail(m_name, "the PNG file has a truncated tRNS chunk");
            if (layout && mode == PilMode::RGB && n < 6)
                return fail(m_name, "the PNG file has a truncated tRNS chunk");
        } else if (is(id, "gAMA")) {
            if (n < 4)
                return fail(m_name, "the PNG file has a truncated gAMA chunk");
        } else if (is(id, "cHRM")) {
            if (n % 4 != 0)
                return fail(m_name, "the PNG file has a malformed cHRM chunk");
        } else if (is(id, "sRGB")) {
            if (n < 1)
                return fail(m_name, "the PNG file has a truncated sRGB chunk");
        } else if (is(id, "pHYs")) {
            if (n < 9)
                return fail(m_name, "the PNG file has a truncated pHYs chunk");
        } else if (is(id, "iCCP")) {
            // Pillow reads the compression method at the separator itself, so only a missing separator (the
            // last byte then) can fail the check.
            const std::uint8_t* nul = static_cast<const std::uint8_t*>(std::memchr(s, 0, n));
            if (!nul && (n == 0 || s[n - 1] != 0))
                return fail(m_name, "the PNG file has a malformed iCCP chunk");
            if (nul) {
                const std::size_t start = std::size_t(nul - s) + 2;
                std::string profile;
                if (start <= n && inflateText(s + start, n - start, profile) == Inflated::TooLarge)
                    return fail(m_name,
                                "the ICC profile decompresses to more than 1 MiB, which Pillow refuses");
            }
        } else if (is(id, "acTL")) {
            if (n < 8)
                return fail(m_name, "the APNG file has a truncated acTL chunk");
            if (!afterImage) {
                const std::uint32_t frames = be32(s);
                animated = !animated && frames != 0 && frames <= 0x80000000u;
            }
        } else if (is(id, "fcTL")) {
            if (n < 26)
                return fail(m_name, "the APNG file has a truncated fcTL chunk");
            const std::uint32_t seq = be32(s);
            if ((!sequence && seq != 0) || (sequence && *sequence + 1 != seq))
                return fail(m_name, "the APNG file has frame sequence errors");
            sequence = seq;
            if (!haveSize)
                return fail(m_name, "the APNG file has a frame before its header");
            const std::int64_t w = be32(s + 4), h = be32(s + 8), x = be32(s + 12), y = be32(s + 16);
            if (x + w > width || y + h > height)
                return fail(m_name, "the APNG file has invalid frames");
            if (!afterImage) {
                haveBox = true;
                box[0] = x;
                box[1] = y;
                box[2] = w;
                box[3] = h;
            }
        } else {
            return text(id, s, n);
        }
        return std::nullopt;
    }

    // fdAT's own checks (chunk_fdAT), given its first four bytes.
    std::optional<Error> frameData(std::uint32_t length, const std::uint8_t* seqBytes)
    {
        if (length < 4)
            return fail(m_name, "the APNG file has a truncated fdAT chunk");
        const std::uint32_t seq = be32(seqBytes);
        if (!sequence || *sequence + 1 != seq)
            return fail(m_name, "the APNG file has frame sequence errors");
        sequence = seq;
        return std::nullopt;
    }

private:
    // Text chunks (tEXt, zTXt, iTXt) and eXIf.
    std::optional<Error> text(const std::uint8_t* id, const std::uint8_t* s, std::size_t n)
    {
        if (is(id, "eXIf")) {
            metadata.haveExif = true;
            metadata.exif.assign({'E', 'x', 'i', 'f', 0, 0});
            metadata.exif.insert(metadata.exif.end(), s, s + n);
            return std::nullopt;
        }
        const bool tEXt = is(id, "tEXt"), zTXt = is(id, "zTXt"), iTXt = is(id, "iTXt");
        if (!tEXt && !zTXt && !iTXt)
            return std::nullopt;
        const std::uint8_t* nul = static_cast<const std::uint8_t*>(std::memchr(s, 0, n));
        const std::string key(reinterpret_cast<const char*>(s), nul ? std::size_t(nul - s) : n);
        const std::uint8_t* rest = nul ? nul + 1 : s + n;
        const std::size_t restSize = std::size_t(s + n - rest);
        if (tEXt) {
            if (key.empty())
                return std::nullopt;
            const std::string value(reinterpret_cast<const char*>(rest), restSize);
            if (key == "exif") {
                metadata.haveExif = true;
                metadata.exif.assign(rest, rest + restSize);
            }
            store(key, value);
            return countText(restSize);
        }
        if (zTXt) {
            const int method = restSize ? rest[0] : 0;
            if (method != 0)
                return fail(m_name,
                            "unknown compression method " + std::to_string(method) + " in a zTXt chunk");
            std::string value;
            if (restSize > 0) {
                switch (inflateText(rest + 1, restSize - 1, value)) {
                case Inflated::Ok:
                    break;
                case Inflated::TooLarge:
                    return fail(m_name,
                                "a zTXt text chunk decompresses to more than 1 MiB, which Pillow refuses");
                case Inflated::Corrupt:
                    value.clear();
                    break;
                }
            }
            if (key.empty())
                return std::nullopt;
            store(key, value);
            return countText(value.size());
        }
        if (!nul || restSize < 2)
            return std::nullopt;
        const int compressed = rest[0], method = rest[1];
        const std::uint8_t* r = rest + 2;
        const std::size_t rSize = restSize - 2;
        const std::uint8_t* nul1 = static_cast<const std::uint8_t*>(std::memchr(r, 0, rSize));
        if (!nul1)
            return std::nullopt;
        const std::uint8_t* nul2
            = static_cast<const std::uint8_t*>(std::memchr(nul1 + 1, 0, std::size_t(r + rSize - nul1 - 1)));
        if (!nul2)
            return std::nullopt;
        const std::string lang(reinterpret_cast<const char*>(r), std::size_t(nul1 - r));
        const std::string translated(reinterpret_cast<const char*>(nul1 + 1), std::size_t(nul2 - nul1 - 1));
        std::string value(reinterpret_cast<const char*>(nul2 + 1), std::size_t(r + rSize - nul2 - 1));
        if (compressed != 0) {
            if (method != 0)
                return std::nullopt;
            std::string inflated;
            switch (inflateText(nul2 + 1, value.size(), inflated)) {
            case Inflated::Ok:
                value = std::move(inflated);
                break;
            case Inflated::TooLarge:
                return fail(m_name,
                            "an iTXt text chunk decompresses to more than 1 MiB, which Pillow refuses");
            case Inflated::Corrupt:
                return std::nullopt;
            }
        }
        bool valid = true;
        utf8Length(lang, valid);
        if (!valid)
            return std::nullopt;
        utf8Length(translated, valid);
        if (!valid)
            return std::nullopt;
        const std::size_t characters = utf8Length(value, valid);
        if (!valid)
            return std::nullopt;
        store(key, value);
        return countText(characters);
    }

    void store(const std::string& key, const std::string& value)
    {
        if (key == "Raw profile type exif") {
            metadata.haveRawProfile = true;
            metadata.rawProfile = value;
        } else if (key == "XML:com.adobe.xmp") {
            metadata.haveXmp = true;
            metadata.xmp = value;
        }
    }

    std::optional<Error> countText(std::size_t characters)
    {
        m_textMemory += characters;
        if (m_textMemory > kMaxTextMemory)
            return fail(m_name, "the text chunks hold more than 64 MiB, which Pillow refuses");
        return std::nullopt;
    }

    const std::string& m_name;
    std::size_t m_textMemory = 0;
};

// Pillow's zip decoder (ZipDecode.c) for one tile, fed the image data chunk by chunk.
class RowDecoder {
public:
    RowDecoder(const Layout& layout, PilImage& image, int x0, int y0, int width, int height, bool interlaced)
        : m_layout(layout)
        , m_image(image)
        , m_x0(x0)
        , m_y0(y0)
        , m_width(width)
        , m_height(height)
        , m_interlaced(interlaced)
        , m_bpp(std::size_t((layout.bits + 7) / 8))
        , m_bytes(rowBytes(width))
    {
        m_row.assign(m_bytes + 1, 0);
        m_previous.assign(m_bytes + 1, 0);
        m_pixel.resize(std::size_t(pilModeBytes(layout.mode)) * std::size_t(width));
        if (m_interlaced)
            startPass(0);
        else
            m_rowLength = m_bytes;
    }
    ~RowDecoder()
    {
        if (m_zlibReady)
            inflateEnd(&m_z);
    }
    RowDecoder(const RowDecoder&) = delete;
    RowDecoder& operator=(const RowDecoder&) = delete;

    enum class Status { NeedMore, Done, Broken, UnknownFilter };

    Status feed(const std::uint8_t* data, std::size_t size)
    {
        if (!m_zlibReady) {
            if (inflateInit(&m_z) != Z_OK)
                return Status::Broken;
            m_zlibReady = true;
        }
        while (size > 0) {
            const uInt piece = uInt(std::min<std::size_t>(size, 1u << 30));
            m_z.next_in = const_cast<Bytef*>(data);
            m_z.avail_in = piece;
            while (m_z.avail_in > 0) {
                const std::size_t want = m_rowLength + 1;
                m_z.next_out = m_row.data() + m_filled;
                m_z.avail_out = uInt(want - m_filled);
                const int err = inflate(&m_z, Z_NO_FLUSH);
                if (err < 0 && err != Z_BUF_ERROR)
                    return Status::Broken;
                m_filled = want - m_z.avail_out;
                if (m_filled < want) {
                    // The stream ended inside a row, or zlib cannot go on (a preset dictionary): more data
                    // will not help, and Pillow ends up with "image file is truncated".
                    if (err != Z_OK)
                        break;
                    continue;
                }
                m_filled = 0;
                if (!unfilter(m_row.data(), m_previous.data(), m_rowLength, m_bpp))
                    return Status::UnknownFilter;
                store();
                // As ZipDecode.c: the end of the zlib stream right after a row ends the image too (the rows
                // not reached stay zero).
                if (m_done || err == Z_STREAM_END)
                    return Status::Done;
                std::swap(m_row, m_previous);
            }
            const std::size_t used = piece - m_z.avail_in;
            if (used == 0)
                return Status::NeedMore;
            data += used;
            size -= used;
        }
        return Status::NeedMore;
    }

private:
    static constexpr int kStartRow[7] = {0, 0, 4, 0, 2, 0, 1};
    static constexpr int kStartCol[7] = {0, 4, 0, 2, 0, 1, 0};
    static constexpr int kRowStep[7] = {8, 8, 8, 4, 4, 2, 2};
    static constexpr int kColStep[7] = {8, 8, 4, 4, 2, 2, 1};

    std::size_t rowBytes(std::int64_t pixels) const { return std::size_t((pixels * m_layout.bits + 7) / 8); }
    std::int64_t passColumns(int pass) const
    {
        return m_width > kStartCol[pass] ? (m_width - kStartCol[pass] + kColStep[pass] - 1) / kColStep[pass]
                                         : 0;
    }

    void startPass(int pass)
    {
        for (; pass < 7; ++pass) {
            if (m_height > kStartRow[pass] && passColumns(pass) > 0) {
                m_pass = pass;
                m_y = kStartRow[pass];
                m_rowLength = rowBytes(passColumns(pass));
                std::fill(m_previous.begin(), m_previous.end(), 0);
                return;
            }
        }
        m_done = true;
    }

    void store()
    {
        const int outBytes = pilModeBytes(m_layout.mode);
        const std::size_t stride = std::size_t(m_image.width) * std::size_t(outBytes);
        std::uint8_t* line
            = m_image.data.data() + std::size_t(m_y0 + m_y) * stride + std::size_t(m_x0) * outBytes;
        if (!m_interlaced) {
            unpackRow(m_layout.raw, m_row.data() + 1, std::size_t(m_width), line, outBytes);
            if (++m_y >= m_height)
                m_done = true;
            return;
        }
        const std::int64_t columns = passColumns(m_pass);
        unpackRow(m_layout.raw, m_row.data() + 1, std::size_t(columns), m_pixel.data(), outBytes);
        for (std::int64_t i = 0; i < columns; ++i) {
            const std::size_t x = std::size_t(kStartCol[m_pass] + i * kColStep[m_pass]);
            std::memcpy(line + x * outBytes, m_pixel.data() + std::size_t(i) * outBytes,
                        std::size_t(outBytes));
        }
        m_y += kRowStep[m_pass];
        if (m_y >= m_height) {
            // The filters of a new pass start from a black previous line (the buffers swap after this).
            std::fill(m_row.begin(), m_row.end(), 0);
            const int next = m_pass + 1;
            startPass(next);
            // startPass cleared m_previous, which is about to become the row buffer: harmless.
        }
    }

    const Layout m_layout;
    PilImage& m_image;
    const int m_x0, m_y0, m_width, m_height;
    const bool m_interlaced;
    const std::size_t m_bpp;
    const std::size_t m_bytes;
    std::vector<std::uint8_t> m_row, m_previous, m_pixel;
    std::size_t m_rowLength = 0;
    std::size_t m_filled = 0;
    int m_pass = 0;
    int m_y = 0;
    bool m_done = false;
    z_stream m_z {};
    bool m_zlibReady = false;
};

} // namespace

bool looksLikePng(const std::uint8_t* data, std::size_t size)
{
    return size >= 8 && std::memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0;
}

Result<PilImage> decodePng(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits, int* orientation)
{
    if (!looksLikePng(data, size))
        return fail(name, "not a PNG file");
    ChunkRules rules(name);
    const auto truncatedAt = [&](const std::string& what) {
        return fail(name, "truncated PNG (the file ends inside " + what + ")");
    };

    // PngImageFile._open: every chunk up to the first IDAT (or fdAT), each CRC-checked.
    std::size_t pos = 8;
    std::size_t dataStart = 0, dataLength = 0;
    for (;;) {
        if (size - pos < 8)
            return truncatedAt("a chunk header");
        const std::uint32_t length = be32(data + pos);
        const std::uint8_t* id = data + pos + 4;
        if (!isChunkId(id))
            return fail(name, "broken PNG file (a chunk has the invalid type \"" + chunkName(id) + "\")");
        pos += 8;
        if (is(id, "IEND"))
            return fail(name, "the PNG file has no image data");
        if (is(id, "IDAT")) {
            dataStart = pos;
            dataLength = length;
            break;
        }
        if (is(id, "fdAT")) {
            if (length >= 4 && size - pos < 4)
                return truncatedAt("an fdAT chunk");
            if (auto error = rules.frameData(length, data + pos))
                return *error;
            dataStart = pos + 4;
            dataLength = length - 4;
            break;
        }
        if (length > size - pos)
            return truncatedAt("the " + chunkName(id) + " chunk");
        if (auto error = rules.handle(id, data + pos, length, false))
            return *error;
        if (size - pos - length < 4)
            return fail(name, "broken PNG file (incomplete checksum in " + chunkName(id) + ")");
        const uLong crc = crc32(crc32(0, id, 4), data + pos, uInt(length));
        pos += length;
        if (crc != be32(data + pos))
            return fail(name, "broken PNG file (bad checksum in " + chunkName(id) + ")");
        pos += 4;
    }
    const std::optional<Layout> layout = rules.layout;
    const std::int64_t width = rules.width, height = rules.height;
    if (!layout || !rules.haveSize || width <= 0 || height <= 0)
        return fail(name,
                    rules.haveSize && layout
                        ? "the PNG image has no pixels"
                        : "not a PNG file Pillow opens (unknown bit depth or colour type)");
    if (width > limits.maxPixels / height)
        return fail(name,
                    "the image is " + std::to_string(width) + "x" + std::to_string(height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");
    if (width > 0x7fffffff || height > 0x7fffffff)
        return fail(name, "the image is too large");
    std::int64_t box[4] = {0, 0, width, height};
    if (rules.haveBox)
        std::copy(rules.box, rules.box + 4, box);
    if (box[2] <= 0 || box[3] <= 0)
        return fail(name, "the APNG file has an empty first frame");

    PilImage image;
    image.mode = layout->mode;
    image.width = int(width);
    image.height = int(height);
    image.data.assign(std::size_t(width) * std::size_t(height) * std::size_t(pilModeBytes(layout->mode)), 0);
    if (layout->mode == PilMode::P)
        image.palette = rules.palette;

    // load_read: the data of this chunk and of the IDAT/fdAT chunks right after it (CRCs not checked).
    RowDecoder rows(*layout, image, int(box[0]), int(box[1]), int(box[2]), int(box[3]), rules.interlaced);
    RowDecoder::Status status = RowDecoder::Status::NeedMore;
    std::size_t tail = 0;
    for (;;) {
        tail = dataStart + dataLength + 4;
        const std::size_t available = std::min<std::size_t>(dataLength, size - std::min(size, dataStart));
        status = rows.feed(data + dataStart, available);
        if (status != RowDecoder::Status::NeedMore || available < dataLength)
            break;
        pos = dataStart + dataLength + 4; // past the CRC
        if (pos > size || size - pos < 8)
            break;
        const std::uint32_t length = be32(data + pos);
        const std::uint8_t* id = data + pos + 4;
        if (!isChunkId(id))
            return fail(name, "broken PNG file (a chunk has the invalid type \"" + chunkName(id) + "\")");
        pos += 8;
        if (is(id, "IDAT") || is(id, "DDAT")) {
            dataStart = pos;
            dataLength = length;
        } else if (is(id, "fdAT")) {
            if (length >= 4 && size - pos < 4)
                break;
            if (auto error = rules.frameData(length, data + pos))
                return *error;
            dataStart = pos + 4;
            dataLength = length - 4;
        } else {
            tail = pos - 8; // load_read pushes this chunk back for load_end
            break;
        }
    }
    switch (status) {
    case RowDecoder::Status::Done:
        break;
    case RowDecoder::Status::NeedMore:
        return fail(name, "truncated PNG (the image data ends before the last row)");
    case RowDecoder::Status::Broken:
        return fail(name, "corrupt PNG image data (zlib could not decompress it)");
    case RowDecoder::Status::UnknownFilter:
        return fail(name, "corrupt PNG image data (unknown filter type)");
    }

    // load_end: the chunks after the image data, up to IEND (or the next frame of an animation). Pillow runs
    // their handlers on every load, so their errors refuse the file too; CRCs are not checked here.
    pos = tail;
    while (pos <= size && size - pos >= 8) {
        const std::uint32_t length = be32(data + pos);
        const std::uint8_t* id = data + pos + 4;
        if (!isChunkId(id) || is(id, "IEND") || (is(id, "fcTL") && rules.animated))
            break;
        pos += 8;
        if (is(id, "IDAT")) {
            // skipped below
        } else if (is(id, "fdAT")) {
            if (length >= 4 && size - pos < 4)
                return truncatedAt("an fdAT chunk");
            if (auto error = rules.frameData(length, data + pos))
                return *error;
        } else {
            if (length > size - pos)
                return truncatedAt("the " + chunkName(id) + " chunk");
            if (auto error = rules.handle(id, data + pos, length, true))
                return *error;
        }
        if (length > size - pos)
            return truncatedAt("the " + chunkName(id) + " chunk");
        pos += std::size_t(length) + 4;
    }
    if (orientation)
        *orientation = rules.metadata.orientation();
    return image;
}

} // namespace lens
