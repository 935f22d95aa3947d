#include "image/TiffDecoder.h"

#include "image/Exif.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <tiffio.h>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "Pillow's native raw modes are written for little-endian");

namespace lens {

namespace {

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

// ---------------------------------------------------------------------------------------------------------
// Pillow's image file directory (ImageFileDirectory_v2.load): entries of known types, data read from the file
// when it does not fit the entry; a truncated read ends the directory with the tags read so far.

class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size, bool little)
        : m_data(data)
        , m_size(size)
        , m_little(little)
    { }
    bool has(std::uint64_t offset, std::uint64_t count) const
    {
        return offset <= m_size && count <= m_size - offset;
    }
    std::uint64_t get(std::uint64_t at, int bytes) const
    {
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) {
            const std::uint64_t b = m_data[at + std::uint64_t(m_little ? i : bytes - 1 - i)];
            v |= b << (8 * i);
        }
        return v;
    }
    const std::uint8_t* at(std::uint64_t offset) const { return m_data + offset; }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    bool m_little;
};

int typeSize(int type)
{
    switch (type) {
    case 1: // BYTE
    case 2: // ASCII
    case 6: // SBYTE
    case 7: // UNDEFINED
        return 1;
    case 3: // SHORT
    case 8: // SSHORT
        return 2;
    case 4: // LONG
    case 9: // SLONG
    case 11: // FLOAT
    case 13: // IFD
        return 4;
    case 5: // RATIONAL
    case 10: // SRATIONAL
    case 12: // DOUBLE
    case 16: // LONG8
        return 8;
    default:
        return 0;
    }
}

double decodeValue(const Reader& r, std::uint64_t at, int type)
{
    switch (type) {
    case 1:
        return double(r.get(at, 1));
    case 6:
        return double(std::int8_t(r.get(at, 1)));
    case 3:
        return double(r.get(at, 2));
    case 8:
        return double(std::int16_t(r.get(at, 2)));
    case 4:
    case 13:
        return double(r.get(at, 4));
    case 9:
        return double(std::int32_t(r.get(at, 4)));
    case 16:
        return double(r.get(at, 8));
    case 5:
    case 10: {
        const std::uint64_t n = r.get(at, 4), d = r.get(at + 4, 4);
        const double num = type == 5 ? double(n) : double(std::int32_t(n));
        const double den = type == 5 ? double(d) : double(std::int32_t(d));
        return den == 0 ? std::nan("") : num / den;
    }
    case 11: {
        const std::uint32_t bits = std::uint32_t(r.get(at, 4));
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
    case 12: {
        const std::uint64_t bits = r.get(at, 8);
        double f;
        std::memcpy(&f, &bits, 8);
        return f;
    }
    default:
        return 0;
    }
}

// One entry: where its values are; they are decoded on demand (a strip offset array can be as long as the
// file allows).
struct Tag {
    int type = 0;
    std::uint64_t count = 0;
    std::uint64_t dataAt = 0;
    // BYTE, ASCII and UNDEFINED values are bytes or text in Pillow, which never match its tables.
    bool numeric() const { return type != 1 && type != 2 && type != 7; }
};

struct Directory {
    explicit Directory(const Reader& reader)
        : r(reader)
    { }
    const Reader& r;
    std::map<std::uint16_t, Tag> tags;
    std::uint64_t offset = 0;

    const Tag* find(std::uint16_t tag) const
    {
        const auto it = tags.find(tag);
        return it == tags.end() ? nullptr : &it->second;
    }
    double value(const Tag& t, std::uint64_t i) const
    {
        return decodeValue(r, t.dataAt + i * std::uint64_t(typeSize(t.type)), t.type);
    }
    // A tag TiffTags gives length 1: its first value (Pillow stores it as a scalar).
    std::optional<double> scalar(std::uint16_t tag) const
    {
        const Tag* t = find(tag);
        if (!t || !t->numeric() || t->count == 0)
            return std::nullopt;
        return value(*t, 0);
    }
    // A tuple tag; nullopt when absent, `ok` false when Pillow's value could never match a table key.
    std::optional<std::vector<double>> tuple(std::uint16_t tag, bool& ok, std::size_t limit = 64) const
    {
        const Tag* t = find(tag);
        if (!t)
            return std::nullopt;
        if (!t->numeric() || t->count > limit) {
            ok = false;
            return std::vector<double> {};
        }
        std::vector<double> out;
        for (std::uint64_t i = 0; i < t->count; ++i)
            out.push_back(value(*t, i));
        return out;
    }
};

void readDirectory(const Reader& r, std::uint64_t offset, bool big, Directory& dir)
{
    dir.offset = offset;
    const int countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12, inlineBytes = big ? 8 : 4;
    if (!r.has(offset, std::uint64_t(countBytes)))
        return;
    const std::uint64_t entries = r.get(offset, countBytes);
    std::uint64_t at = offset + std::uint64_t(countBytes);
    for (std::uint64_t i = 0; i < entries; ++i, at += std::uint64_t(entryBytes)) {
        if (!r.has(at, std::uint64_t(entryBytes)))
            return;
        const std::uint16_t id = std::uint16_t(r.get(at, 2));
        const int type = int(r.get(at + 2, 2));
        const std::uint64_t count = r.get(at + 4, big ? 8 : 4);
        const int unit = typeSize(type);
        if (unit == 0)
            continue; // Pillow skips tags of unknown types
        if (count > (std::uint64_t(1) << 40) / std::uint64_t(unit))
            return; // more data than any file holds: Pillow's read of it fails and ends the directory
        const std::uint64_t bytes = count * std::uint64_t(unit);
        std::uint64_t dataAt = at + (big ? 12 : 8);
        if (bytes > std::uint64_t(inlineBytes)) {
            dataAt = r.get(dataAt, inlineBytes);
            if (!r.has(dataAt, bytes))
                return;
        }
        Tag tag;
        tag.type = type;
        tag.count = count;
        tag.dataAt = dataAt;
        dir.tags[id] = std::move(tag);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Pillow's OPEN_INFO: (byte order, photometric, sample format, fill order, bits per sample, extra samples) ->
// (mode, raw mode), generated from Debian's python3-pil 9.4.

struct OpenInfo {
    const char* key;
    const char* mode;
    const char* raw;
};

const OpenInfo kOpenInfo[] = {
    {"II|0|1|1|1|", "1", "1;I"},
    {"MM|0|1|1|1|", "1", "1;I"},
    {"II|0|1|2|1|", "1", "1;IR"},
    {"MM|0|1|2|1|", "1", "1;IR"},
    {"II|1|1|1|1|", "1", "1"},
    {"MM|1|1|1|1|", "1", "1"},
    {"II|1|1|2|1|", "1", "1;R"},
    {"MM|1|1|2|1|", "1", "1;R"},
    {"II|0|1|1|2|", "L", "L;2I"},
    {"MM|0|1|1|2|", "L", "L;2I"},
    {"II|0|1|2|2|", "L", "L;2IR"},
    {"MM|0|1|2|2|", "L", "L;2IR"},
    {"II|1|1|1|2|", "L", "L;2"},
    {"MM|1|1|1|2|", "L", "L;2"},
    {"II|1|1|2|2|", "L", "L;2R"},
    {"MM|1|1|2|2|", "L", "L;2R"},
    {"II|0|1|1|4|", "L", "L;4I"},
    {"MM|0|1|1|4|", "L", "L;4I"},
    {"II|0|1|2|4|", "L", "L;4IR"},
    {"MM|0|1|2|4|", "L", "L;4IR"},
    {"II|1|1|1|4|", "L", "L;4"},
    {"MM|1|1|1|4|", "L", "L;4"},
    {"II|1|1|2|4|", "L", "L;4R"},
    {"MM|1|1|2|4|", "L", "L;4R"},
    {"II|0|1|1|8|", "L", "L;I"},
    {"MM|0|1|1|8|", "L", "L;I"},
    {"II|0|1|2|8|", "L", "L;IR"},
    {"MM|0|1|2|8|", "L", "L;IR"},
    {"II|1|1|1|8|", "L", "L"},
    {"MM|1|1|1|8|", "L", "L"},
    {"II|1|1|2|8|", "L", "L;R"},
    {"MM|1|1|2|8|", "L", "L;R"},
    {"II|1|1|1|12|", "I;16", "I;12"},
    {"II|0|1|1|16|", "I;16", "I;16"},
    {"II|1|1|1|16|", "I;16", "I;16"},
    {"MM|1|1|1|16|", "I;16B", "I;16B"},
    {"II|1|1|2|16|", "I;16", "I;16R"},
    {"II|1|2|1|16|", "I", "I;16S"},
    {"MM|1|2|1|16|", "I", "I;16BS"},
    {"II|0|3|1|32|", "F", "F;32F"},
    {"MM|0|3|1|32|", "F", "F;32BF"},
    {"II|1|1|1|32|", "I", "I;32N"},
    {"II|1|2|1|32|", "I", "I;32S"},
    {"MM|1|2|1|32|", "I", "I;32BS"},
    {"II|1|3|1|32|", "F", "F;32F"},
    {"MM|1|3|1|32|", "F", "F;32BF"},
    {"II|1|1|1|8,8|2", "LA", "LA"},
    {"MM|1|1|1|8,8|2", "LA", "LA"},
    {"II|2|1|1|8,8,8|", "RGB", "RGB"},
    {"MM|2|1|1|8,8,8|", "RGB", "RGB"},
    {"II|2|1|2|8,8,8|", "RGB", "RGB;R"},
    {"MM|2|1|2|8,8,8|", "RGB", "RGB;R"},
    {"II|2|1|1|8,8,8,8|", "RGBA", "RGBA"},
    {"MM|2|1|1|8,8,8,8|", "RGBA", "RGBA"},
    {"II|2|1|1|8,8,8,8|0", "RGBX", "RGBX"},
    {"MM|2|1|1|8,8,8,8|0", "RGBX", "RGBX"},
    {"II|2|1|1|8,8,8,8,8|0,0", "RGBX", "RGBXX"},
    {"MM|2|1|1|8,8,8,8,8|0,0", "RGBX", "RGBXX"},
    {"II|2|1|1|8,8,8,8,8,8|0,0,0", "RGBX", "RGBXXX"},
    {"MM|2|1|1|8,8,8,8,8,8|0,0,0", "RGBX", "RGBXXX"},
    {"II|2|1|1|8,8,8,8|1", "RGBA", "RGBa"},
    {"MM|2|1|1|8,8,8,8|1", "RGBA", "RGBa"},
    {"II|2|1|1|8,8,8,8,8|1,0", "RGBA", "RGBaX"},
    {"MM|2|1|1|8,8,8,8,8|1,0", "RGBA", "RGBaX"},
    {"II|2|1|1|8,8,8,8,8,8|1,0,0", "RGBA", "RGBaXX"},
    {"MM|2|1|1|8,8,8,8,8,8|1,0,0", "RGBA", "RGBaXX"},
    {"II|2|1|1|8,8,8,8|2", "RGBA", "RGBA"},
    {"MM|2|1|1|8,8,8,8|2", "RGBA", "RGBA"},
    {"II|2|1|1|8,8,8,8,8|2,0", "RGBA", "RGBAX"},
    {"MM|2|1|1|8,8,8,8,8|2,0", "RGBA", "RGBAX"},
    {"II|2|1|1|8,8,8,8,8,8|2,0,0", "RGBA", "RGBAXX"},
    {"MM|2|1|1|8,8,8,8,8,8|2,0,0", "RGBA", "RGBAXX"},
    {"II|2|1|1|8,8,8,8|999", "RGBA", "RGBA"},
    {"MM|2|1|1|8,8,8,8|999", "RGBA", "RGBA"},
    {"II|2|1|1|16,16,16|", "RGB", "RGB;16L"},
    {"MM|2|1|1|16,16,16|", "RGB", "RGB;16B"},
    {"II|2|1|1|16,16,16,16|", "RGBA", "RGBA;16L"},
    {"MM|2|1|1|16,16,16,16|", "RGBA", "RGBA;16B"},
    {"II|2|1|1|16,16,16,16|0", "RGBX", "RGBX;16L"},
    {"MM|2|1|1|16,16,16,16|0", "RGBX", "RGBX;16B"},
    {"II|2|1|1|16,16,16,16|1", "RGBA", "RGBa;16L"},
    {"MM|2|1|1|16,16,16,16|1", "RGBA", "RGBa;16B"},
    {"II|2|1|1|16,16,16,16|2", "RGBA", "RGBA;16L"},
    {"MM|2|1|1|16,16,16,16|2", "RGBA", "RGBA;16B"},
    {"II|3|1|1|1|", "P", "P;1"},
    {"MM|3|1|1|1|", "P", "P;1"},
    {"II|3|1|2|1|", "P", "P;1R"},
    {"MM|3|1|2|1|", "P", "P;1R"},
    {"II|3|1|1|2|", "P", "P;2"},
    {"MM|3|1|1|2|", "P", "P;2"},
    {"II|3|1|2|2|", "P", "P;2R"},
    {"MM|3|1|2|2|", "P", "P;2R"},
    {"II|3|1|1|4|", "P", "P;4"},
    {"MM|3|1|1|4|", "P", "P;4"},
    {"II|3|1|2|4|", "P", "P;4R"},
    {"MM|3|1|2|4|", "P", "P;4R"},
    {"II|3|1|1|8|", "P", "P"},
    {"MM|3|1|1|8|", "P", "P"},
    {"II|3|1|1|8,8|2", "PA", "PA"},
    {"MM|3|1|1|8,8|2", "PA", "PA"},
    {"II|3|1|2|8|", "P", "P;R"},
    {"MM|3|1|2|8|", "P", "P;R"},
    {"II|5|1|1|8,8,8,8|", "CMYK", "CMYK"},
    {"MM|5|1|1|8,8,8,8|", "CMYK", "CMYK"},
    {"II|5|1|1|8,8,8,8,8|0", "CMYK", "CMYKX"},
    {"MM|5|1|1|8,8,8,8,8|0", "CMYK", "CMYKX"},
    {"II|5|1|1|8,8,8,8,8,8|0,0", "CMYK", "CMYKXX"},
    {"MM|5|1|1|8,8,8,8,8,8|0,0", "CMYK", "CMYKXX"},
    {"II|5|1|1|16,16,16,16|", "CMYK", "CMYK;16L"},
    {"II|6|1|1|8,8,8|", "RGB", "RGBX"},
    {"MM|6|1|1|8,8,8|", "RGB", "RGBX"},
    {"II|8|1|1|8,8,8|", "LAB", "LAB"},
    {"MM|8|1|1|8,8,8|", "LAB", "LAB"},
};

// ---------------------------------------------------------------------------------------------------------
// Pillow's image memory for the modes TIFF opens: 1, L, P one byte a pixel; I;16 and I;16B two (little- and
// big-endian); I and F four; LA, PA, RGB, RGBA, RGBX and CMYK four (LA/PA keep the gray or index in byte 0
// and alpha in byte 3, RGB leaves byte 3 unused). The unpackers below write that layout, as Unpack.c does.

enum class Mode { One, L, P, I16, I16B, I, F, LA, PA, RGB, RGBA, RGBX, CMYK, LAB };

std::optional<Mode> modeNamed(const std::string& name)
{
    static const std::map<std::string, Mode> modes
        = {{"1", Mode::One},      {"L", Mode::L},     {"P", Mode::P},       {"I;16", Mode::I16},
           {"I;16B", Mode::I16B}, {"I", Mode::I},     {"F", Mode::F},       {"LA", Mode::LA},
           {"PA", Mode::PA},      {"RGB", Mode::RGB}, {"RGBA", Mode::RGBA}, {"RGBX", Mode::RGBX},
           {"CMYK", Mode::CMYK},  {"LAB", Mode::LAB}};
    const auto it = modes.find(name);
    return it == modes.end() ? std::nullopt : std::optional<Mode>(it->second);
}

int pixelSize(Mode mode)
{
    switch (mode) {
    case Mode::One:
    case Mode::L:
    case Mode::P:
        return 1;
    case Mode::I16:
    case Mode::I16B:
        return 2;
    default:
        return 4;
    }
}

using UnpackFn = void (*)(std::uint8_t* out, const std::uint8_t* in, int pixels);

struct Unpacker {
    int bits = 0;
    UnpackFn fn = nullptr;
};

const std::uint8_t* bitflipTable()
{
    static const auto table = [] {
        std::array<std::uint8_t, 256> t {};
        for (int i = 0; i < 256; ++i) {
            int r = 0;
            for (int b = 0; b < 8; ++b)
                if (i & (1 << b))
                    r |= 1 << (7 - b);
            t[std::size_t(i)] = std::uint8_t(r);
        }
        return t;
    }();
    return table.data();
}

inline std::uint8_t clip8(int v)
{
    return std::uint8_t(v <= 0 ? 0 : v >= 255 ? 255 : v);
}

// Sub-byte gray and palette samples: `bits` per sample, MSB first, optionally bit-reversed bytes first,
// scaled (gray) and inverted (MinIsWhite).
template <int Bits, bool Reversed, bool Invert, bool Scale>
void unpackPacked(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    const std::uint8_t* flip = bitflipTable();
    constexpr int perByte = 8 / Bits;
    constexpr int mask = (1 << Bits) - 1;
    constexpr int scale = Bits == 1 ? 255 : Bits == 2 ? 0x55 : 0x11;
    for (int i = 0; i < pixels; ++i) {
        std::uint8_t byte = in[i / perByte];
        if (Reversed)
            byte = flip[byte];
        int v = (byte >> (8 - Bits * (i % perByte + 1))) & mask;
        if (Scale)
            v *= scale;
        if (Invert)
            v = Scale ? 255 - v : v;
        out[i] = std::uint8_t(v);
    }
}

void copy1(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    std::memcpy(out, in, std::size_t(pixels));
}
void invert1(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i)
        out[i] = std::uint8_t(~in[i]);
}
void flip1(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    const std::uint8_t* flip = bitflipTable();
    for (int i = 0; i < pixels; ++i)
        out[i] = flip[in[i]];
}
void copy2(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    std::memcpy(out, in, std::size_t(pixels) * 2);
}
void swap2(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        out[2 * i] = in[2 * i + 1];
        out[2 * i + 1] = in[2 * i];
    }
}
void flip2(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    const std::uint8_t* flip = bitflipTable();
    for (int i = 0; i < 2 * pixels; ++i)
        out[i] = flip[in[i]];
}
// "I;12": 12-bit samples packed MSB first into 16-bit little-endian values.
void unpackI12(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    int i = 0;
    for (; i < pixels - 1; i += 2) {
        const std::uint16_t a = std::uint16_t((in[0] << 4) + (in[1] >> 4));
        const std::uint16_t b = std::uint16_t(((in[1] & 0x0F) << 8) + in[2]);
        std::memcpy(out, &a, 2);
        std::memcpy(out + 2, &b, 2);
        in += 3;
        out += 4;
    }
    if (i == pixels - 1) {
        const std::uint16_t a = std::uint16_t((in[0] << 4) + (in[1] >> 4));
        std::memcpy(out, &a, 2);
    }
}
template <bool Big, bool Signed> void int16ToI(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        const std::uint16_t u = Big ? std::uint16_t((in[2 * i] << 8) | in[2 * i + 1])
                                    : std::uint16_t(in[2 * i] | (in[2 * i + 1] << 8));
        const std::int32_t v = Signed ? std::int32_t(std::int16_t(u)) : std::int32_t(u);
        std::memcpy(out + 4 * i, &v, 4);
    }
}
void copy4(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    std::memcpy(out, in, std::size_t(pixels) * 4);
}
void swap4(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i)
        for (int k = 0; k < 4; ++k)
            out[4 * i + k] = in[4 * i + 3 - k];
}
// Gray + alpha into L..A (unpackLA).
void unpackLA(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        out[4 * i] = out[4 * i + 1] = out[4 * i + 2] = in[2 * i];
        out[4 * i + 3] = in[2 * i + 1];
    }
}
// Three 8-bit samples into RGB(255).
void unpackRGB(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        out[4 * i] = in[3 * i];
        out[4 * i + 1] = in[3 * i + 1];
        out[4 * i + 2] = in[3 * i + 2];
        out[4 * i + 3] = 255;
    }
}
void unpackRGBR(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    const std::uint8_t* flip = bitflipTable();
    for (int i = 0; i < pixels; ++i) {
        out[4 * i] = flip[in[3 * i]];
        out[4 * i + 1] = flip[in[3 * i + 1]];
        out[4 * i + 2] = flip[in[3 * i + 2]];
        out[4 * i + 3] = 255;
    }
}
// Four 8-bit samples, then Skip more ignored.
template <int Skip> void copy4skip(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i)
        std::memcpy(out + 4 * i, in + (4 + Skip) * i, 4);
}
// Premultiplied RGBA (unpackRGBa, unpackRGBaskip1/2): colour * 255 / alpha, clipped; alpha 0 gives 0.
template <int Skip> void unpremultiply(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        const std::uint8_t* p = in + (4 + Skip) * i;
        std::uint8_t* o = out + 4 * i;
        const int a = p[3];
        if (a == 0) {
            o[0] = o[1] = o[2] = o[3] = 0;
        } else if (a == 255) {
            std::memcpy(o, p, 4);
        } else {
            o[0] = clip8(p[0] * 255 / a);
            o[1] = clip8(p[1] * 255 / a);
            o[2] = clip8(p[2] * 255 / a);
            o[3] = std::uint8_t(a);
        }
    }
}
// 16-bit samples: the high byte of each (offset 1 little-endian, 0 big-endian), Count of them, the fourth
// output byte 255 when Count is 3.
template <int Count, int High> void high16(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        for (int k = 0; k < Count; ++k)
            out[4 * i + k] = in[2 * (Count * i + k) + High];
        if (Count == 3)
            out[4 * i + 3] = 255;
    }
}
template <int High> void unpremultiply16(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        const std::uint8_t* p = in + 8 * i;
        std::uint8_t* o = out + 4 * i;
        const int a = p[6 + High];
        if (a == 0) {
            o[0] = o[1] = o[2] = o[3] = 0;
        } else if (a == 255) {
            o[0] = p[High];
            o[1] = p[2 + High];
            o[2] = p[4 + High];
            o[3] = 255;
        } else {
            o[0] = clip8(p[High] * 255 / a);
            o[1] = clip8(p[2 + High] * 255 / a);
            o[2] = clip8(p[4 + High] * 255 / a);
            o[3] = std::uint8_t(a);
        }
    }
}
// One plane into byte Band of a four-byte pixel; the 16-bit version keeps the high byte (native order).
template <int Band> void band8(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i)
        out[4 * i + Band] = in[i];
}
template <int Band> void band16N(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i)
        out[4 * i + Band] = in[2 * i + 1];
}

// CIE L*a*b* triplets, a and b stored signed: Pillow keeps them with 128 as zero (ImagingUnpackLAB).
void unpackLAB(std::uint8_t* out, const std::uint8_t* in, int pixels)
{
    for (int i = 0; i < pixels; ++i) {
        out[4 * i] = in[3 * i];
        out[4 * i + 1] = std::uint8_t(in[3 * i + 1] ^ 128);
        out[4 * i + 2] = std::uint8_t(in[3 * i + 2] ^ 128);
        out[4 * i + 3] = 255;
    }
}

// The (mode, raw mode) pairs of Unpack.c that TIFF files reach.
std::optional<Unpacker> findUnpacker(Mode mode, const std::string& raw)
{
    using Table = std::map<std::string, Unpacker>;
    static const std::map<Mode, Table> tables = {
        {Mode::One,
         {{"1", {1, unpackPacked<1, false, false, true>}},
          {"1;I", {1, unpackPacked<1, false, true, true>}},
          {"1;R", {1, unpackPacked<1, true, false, true>}},
          {"1;IR", {1, unpackPacked<1, true, true, true>}}}},
        {Mode::L,
         {{"L;2", {2, unpackPacked<2, false, false, true>}},
          {"L;2I", {2, unpackPacked<2, false, true, true>}},
          {"L;2R", {2, unpackPacked<2, true, false, true>}},
          {"L;2IR", {2, unpackPacked<2, true, true, true>}},
          {"L;4", {4, unpackPacked<4, false, false, true>}},
          {"L;4I", {4, unpackPacked<4, false, true, true>}},
          {"L;4R", {4, unpackPacked<4, true, false, true>}},
          {"L;4IR", {4, unpackPacked<4, true, true, true>}},
          {"L", {8, copy1}},
          {"L;I", {8, invert1}},
          {"L;R", {8, flip1}}}},
        {Mode::P,
         {{"P;1", {1, unpackPacked<1, false, false, false>}},
          {"P;2", {2, unpackPacked<2, false, false, false>}},
          {"P;4", {4, unpackPacked<4, false, false, false>}},
          {"P", {8, copy1}},
          {"P;R", {8, flip1}}}},
        {Mode::I16,
         {{"I;16", {16, copy2}}, {"I;16N", {16, copy2}}, {"I;16R", {16, flip2}}, {"I;12", {12, unpackI12}}}},
        {Mode::I16B, {{"I;16B", {16, copy2}}, {"I;16N", {16, swap2}}}},
        {Mode::I,
         {{"I;16S", {16, int16ToI<false, true>}},
          {"I;16BS", {16, int16ToI<true, true>}},
          {"I;16NS", {16, int16ToI<false, true>}},
          {"I;32N", {32, copy4}},
          {"I;32S", {32, copy4}},
          {"I;32BS", {32, swap4}}}},
        {Mode::F, {{"F;32F", {32, copy4}}, {"F;32BF", {32, swap4}}}},
        {Mode::LA, {{"LA", {16, unpackLA}}}},
        {Mode::PA, {{"PA", {16, unpackLA}}}},
        {Mode::RGB,
         {{"RGB", {24, unpackRGB}},
          {"RGB;R", {24, unpackRGBR}},
          {"RGBX", {32, copy4}},
          {"RGB;16L", {48, high16<3, 1>}},
          {"RGB;16B", {48, high16<3, 0>}},
          {"RGB;16N", {48, high16<3, 1>}},
          {"R", {8, band8<0>}},
          {"G", {8, band8<1>}},
          {"B", {8, band8<2>}}}},
        {Mode::RGBA,
         {{"RGBA", {32, copy4}},
          {"RGBa", {32, unpremultiply<0>}},
          {"RGBaX", {40, unpremultiply<1>}},
          {"RGBaXX", {48, unpremultiply<2>}},
          {"RGBAX", {40, copy4skip<1>}},
          {"RGBAXX", {48, copy4skip<2>}},
          {"RGBA;16L", {64, high16<4, 1>}},
          {"RGBA;16B", {64, high16<4, 0>}},
          {"RGBA;16N", {64, high16<4, 1>}},
          {"RGBa;16L", {64, unpremultiply16<1>}},
          {"RGBa;16B", {64, unpremultiply16<0>}},
          {"RGBa;16N", {64, unpremultiply16<1>}},
          {"R", {8, band8<0>}},
          {"G", {8, band8<1>}},
          {"B", {8, band8<2>}},
          {"A", {8, band8<3>}}}},
        {Mode::RGBX,
         {{"RGBX", {32, copy4}},
          {"RGBXX", {40, copy4skip<1>}},
          {"RGBXXX", {48, copy4skip<2>}},
          {"RGBX;16L", {64, high16<4, 1>}},
          {"RGBX;16B", {64, high16<4, 0>}},
          {"RGBX;16N", {64, high16<4, 1>}},
          {"R", {8, band8<0>}},
          {"G", {8, band8<1>}},
          {"B", {8, band8<2>}},
          {"X", {8, band8<3>}}}},
        {Mode::LAB,
         {{"LAB", {24, unpackLAB}}, {"L", {8, band8<0>}}, {"A", {8, band8<1>}}, {"B", {8, band8<2>}}}},
        {Mode::CMYK,
         {{"CMYK", {32, copy4}},
          {"CMYKX", {40, copy4skip<1>}},
          {"CMYKXX", {48, copy4skip<2>}},
          {"CMYK;16L", {64, high16<4, 1>}},
          {"CMYK;16B", {64, high16<4, 0>}},
          {"CMYK;16N", {64, high16<4, 1>}},
          {"C", {8, band8<0>}},
          {"M", {8, band8<1>}},
          {"Y", {8, band8<2>}},
          {"K", {8, band8<3>}}}},
    };
    const auto table = tables.find(mode);
    if (table == tables.end())
        return std::nullopt;
    const auto it = table->second.find(raw);
    return it == table->second.end() ? std::nullopt : std::optional<Unpacker>(it->second);
}

// The planar unpackers TiffDecode.c takes from the RGBA table whatever the image mode.
Unpacker planeUnpacker(int plane, bool sixteen)
{
    static const UnpackFn eight[4] = {band8<0>, band8<1>, band8<2>, band8<3>};
    static const UnpackFn wide[4] = {band16N<0>, band16N<1>, band16N<2>, band16N<3>};
    return sixteen ? Unpacker {16, wide[plane]} : Unpacker {8, eight[plane]};
}

// Pillow's image in memory while it is decoded.
struct Canvas {
    Mode mode;
    int width;
    int height;
    int pixelBytes;
    std::vector<std::uint8_t> pixels;

    std::uint8_t* at(std::int64_t x, std::int64_t y)
    {
        return pixels.data()
            + (std::size_t(y) * std::size_t(width) + std::size_t(x)) * std::size_t(pixelBytes);
    }
};

// ---------------------------------------------------------------------------------------------------------
// TiffImageFile._setup: the mode, raw mode and layout Pillow settles on.

constexpr std::uint16_t kImageWidth = 256, kImageLength = 257, kBitsPerSample = 258, kCompression = 259,
                        kPhotometric = 262, kFillOrder = 266, kStripOffsets = 273, kOrientation = 274,
                        kSamplesPerPixel = 277, kRowsPerStrip = 278, kPlanarConfig = 284, kColorMap = 320,
                        kTileWidth = 322, kTileLength = 323, kTileOffsets = 324, kExtraSamples = 338,
                        kSampleFormat = 339, kWindowsMediaPhoto = 0xBC01;

struct Setup {
    Mode mode = Mode::L;
    std::string modeName;
    std::string raw; // for Pillow's own raw decoder
    std::string libtiffRaw; // after _setup's adjustments for libtiff
    int width = 0;
    int height = 0;
    int compression = 1;
    int photometric = 0;
    int planar = 1;
    int bpsCount = 1;
    std::vector<int> bps;
    int orientation = 0;
};

// A tag value Pillow compares with integers: the integer, or INT_MIN (which matches nothing) for a fraction,
// NaN, infinity or a value out of range.
int exactInt(double v)
{
    if (!std::isfinite(v) || v != std::floor(v) || v < INT_MIN || v > INT_MAX)
        return INT_MIN;
    return int(v);
}

// Python's int() of a tag value: truncated toward zero; nullopt where int() raises or the value is absurd.
std::optional<std::int64_t> truncated(double v)
{
    if (!std::isfinite(v) || std::fabs(v) > 9e15)
        return std::nullopt;
    return std::int64_t(v);
}

std::string numberText(double v)
{
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15)
        return std::to_string(std::int64_t(v));
    return "x"; // never matches a table key
}

std::string joined(const std::vector<double>& values)
{
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i)
        out += (i ? "," : "") + numberText(values[i]);
    return out;
}

// Pillow's COMPRESSION_INFO keys; any other value fails its lookup.
bool knownCompression(int c)
{
    switch (c) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 32771:
    case 32773:
    case 32809:
    case 32946:
    case 34676:
    case 34677:
    case 34925:
    case 50000:
    case 50001:
        return true;
    default:
        return false;
    }
}

std::optional<Error> setUp(const Directory& dir, bool little, const std::string& name, Setup& s)
{
    if (dir.find(kWindowsMediaPhoto))
        return fail(name, "a Windows Media Photo TIFF, which Pillow does not support");
    const Tag* compressionTag = dir.find(kCompression);
    const double compression = dir.scalar(kCompression).value_or(1);
    s.compression = exactInt(compression);
    if ((compressionTag && (!compressionTag->numeric() || compressionTag->count == 0))
        || !knownCompression(s.compression) || compression != std::floor(compression))
        return fail(name, "TIFF compression " + numberText(compression) + ", which Pillow does not know");
    s.planar = exactInt(dir.scalar(kPlanarConfig).value_or(1));
    int photo = exactInt(dir.scalar(kPhotometric).value_or(0));
    if (s.compression == 6) // old-style JPEG: YCbCr, whatever the tag says
        photo = 6;
    s.photometric = photo;
    const int fillOrder = exactInt(dir.scalar(kFillOrder).value_or(1));
    const auto width = dir.scalar(kImageWidth), height = dir.scalar(kImageLength);
    if (!width || !height)
        return fail(name, "not a TIFF file Pillow opens (no image size)");
    const auto w = truncated(*width), h = truncated(*height);
    if (!w || !h || *w < 1 || *h < 1 || *w > INT_MAX || *h > INT_MAX)
        return fail(name,
                    "not a TIFF file Pillow opens (the image is " + numberText(*width) + "x"
                        + numberText(*height) + " pixels)");
    s.width = int(*w);
    s.height = int(*h);

    bool ok = true;
    std::vector<double> sampleFormat = dir.tuple(kSampleFormat, ok).value_or(std::vector<double> {1});
    if (sampleFormat.size() > 1
        && std::all_of(sampleFormat.begin(), sampleFormat.end(), [](double v) { return v == 1; }))
        sampleFormat = {1};
    std::vector<double> bps = dir.tuple(kBitsPerSample, ok).value_or(std::vector<double> {1});
    const std::vector<double> extra = dir.tuple(kExtraSamples, ok).value_or(std::vector<double> {});
    int bpsCount = (photo == 2 || photo == 6 || photo == 8) ? 3 : photo == 5 ? 4 : 1;
    bpsCount += int(extra.size());
    const double spp
        = dir.scalar(kSamplesPerPixel).value_or(s.compression == 6 && (photo == 2 || photo == 6) ? 3 : 1);
    if (spp > 6)
        return fail(name, "not a TIFF file Pillow opens (" + numberText(spp) + " samples per pixel)");
    const int sppValue = exactInt(spp);
    if (sppValue < 0)
        return fail(name, "not a TIFF file Pillow opens (" + numberText(spp) + " samples per pixel)");
    const std::size_t samples = std::size_t(sppValue);
    if (samples < bps.size())
        bps.resize(samples);
    else if (samples > bps.size() && bps.size() == 1)
        bps.assign(samples, bps.front());
    if (bps.size() != samples || !ok)
        return fail(name, "not a TIFF file Pillow opens (unknown data organization)");

    const auto key = [&](int fill) {
        return std::string(little ? "II" : "MM") + "|" + std::to_string(photo) + "|" + joined(sampleFormat)
            + "|" + std::to_string(fill) + "|" + joined(bps) + "|" + joined(extra);
    };
    const auto lookup = [](const std::string& k) -> const OpenInfo* {
        for (const OpenInfo& info : kOpenInfo)
            if (k == info.key)
                return &info;
        return nullptr;
    };
    const OpenInfo* info = lookup(key(fillOrder));
    if (!info)
        return fail(name,
                    "a TIFF pixel layout Pillow does not know (photometric " + std::to_string(photo) + ", "
                        + joined(bps) + " bits per sample, sample format " + joined(sampleFormat)
                        + ", extra samples " + (extra.empty() ? "none" : joined(extra)) + ")");
    s.modeName = info->mode;
    s.raw = info->raw;
    // libtiff undoes the fill order itself, and returns 16-bit samples in native order.
    const OpenInfo* forLibtiff = fillOrder == 2 ? lookup(key(1)) : info;
    if (!forLibtiff && s.compression != 1)
        return fail(name, "a TIFF pixel layout Pillow does not know (fill order 2 with these samples)");
    s.libtiffRaw = forLibtiff ? forLibtiff->raw : info->raw;
    if (s.compression != 1)
        s.modeName = forLibtiff->mode;
    if (s.libtiffRaw == "I;16")
        s.libtiffRaw = "I;16N";
    for (const char* order : {";16B", ";16L"}) {
        const std::size_t at = s.libtiffRaw.find(order);
        if (at != std::string::npos)
            s.libtiffRaw.replace(at, 4, ";16N");
    }
    if (photo == 6 && s.compression == 7 && s.planar == 1)
        s.libtiffRaw = "RGB";
    const auto mode = modeNamed(s.modeName);
    if (!mode)
        return fail(name, "TIFF mode " + s.modeName + ", which this decoder does not know");
    s.mode = *mode;
    s.bpsCount = bpsCount;
    for (double b : bps)
        s.bps.push_back(exactInt(b));
    if (const auto o = dir.scalar(kOrientation))
        s.orientation = exactInt(*o);
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------------
// Uncompressed files: Pillow's tile list (one tile per strip or tile, in file order) and its raw decoder.

std::optional<Error> decodeRaw(const Directory& dir, const Setup& s, const std::uint8_t* data,
                               std::size_t size, const std::string& name, const DecodeLimits& limits,
                               Canvas& canvas)
{
    const Tag* offsets = dir.find(kStripOffsets);
    std::int64_t w = 0, h = 0;
    if (offsets) {
        const auto rows = truncated(dir.scalar(kRowsPerStrip).value_or(s.height));
        if (!rows)
            return fail(name, "not a TIFF file Pillow opens (unreadable rows per strip)");
        h = *rows;
        w = s.width;
    } else if ((offsets = dir.find(kTileOffsets))) {
        const auto tw = dir.scalar(kTileWidth), tl = dir.scalar(kTileLength);
        if (!tw || !tl)
            return fail(name, "not a TIFF file Pillow opens (tiles without a tile size)");
        const auto tileWidth = truncated(*tw), tileLength = truncated(*tl);
        if (!tileWidth || !tileLength)
            return fail(name, "not a TIFF file Pillow opens (unreadable tile size)");
        w = *tileWidth;
        h = *tileLength;
    } else {
        return fail(name, "not a TIFF file Pillow opens (no strip or tile offsets)");
    }
    if (!offsets->numeric())
        return fail(name, "not a TIFF file Pillow opens (unreadable strip offsets)");
    int sumBits = 0;
    for (int b : s.bps)
        sumBits += b;

    struct Tile {
        std::uint64_t offset;
        std::int64_t x0, y0, x1, y1;
        std::string raw;
        std::int64_t stride;
    };
    std::vector<Tile> tiles;
    std::int64_t x = 0, y = 0;
    std::size_t layer = 0;
    for (std::uint64_t i = 0; i < offsets->count; ++i) {
        double stride = x + w > s.width ? double(w) * sumBits / 8 : 0;
        std::string raw = s.raw;
        if (s.planar == 2) {
            if (layer >= s.raw.size())
                return fail(name, "not a TIFF file Pillow opens (more planes than samples)");
            raw = std::string(1, s.raw[layer]);
            stride /= s.bpsCount;
        }
        const auto offset = truncated(dir.value(*offsets, i));
        tiles.push_back({offset && *offset >= 0 ? std::uint64_t(*offset) : std::uint64_t(size), x, y,
                         std::min<std::int64_t>(x + w, s.width), std::min<std::int64_t>(y + h, s.height), raw,
                         std::int64_t(stride)});
        x += w;
        if (x >= s.width) {
            x = 0;
            y += h;
            if (y >= s.height) {
                x = y = 0;
                ++layer;
            }
        }
        if (tiles.size() > std::size_t(limits.maxPixels))
            return fail(name, "the TIFF file has more strips than pixels");
    }
    std::stable_sort(tiles.begin(), tiles.end(),
                     [](const Tile& a, const Tile& b) { return a.offset < b.offset; });

    for (const Tile& tile : tiles) {
        const auto unpacker = findUnpacker(s.mode, tile.raw);
        if (!unpacker)
            return fail(name,
                        "TIFF raw mode " + tile.raw + " for mode " + s.modeName
                            + ", which Pillow cannot unpack");
        const std::int64_t tileWidth = tile.x1 - tile.x0, rows = tile.y1 - tile.y0;
        if (tileWidth <= 0 || rows <= 0)
            return fail(name, "the TIFF file has an empty strip or tile");
        const std::uint64_t rowBytes = (std::uint64_t(tileWidth) * std::uint64_t(unpacker->bits) + 7) / 8;
        std::uint64_t step = rowBytes;
        if (tile.stride) {
            if (tile.stride < std::int64_t(rowBytes))
                return fail(name,
                            "the TIFF file's tile layout is inconsistent (a row is longer than its stride)");
            step = std::uint64_t(tile.stride);
        }
        const std::uint64_t needed = (std::uint64_t(rows) - 1) * step + rowBytes;
        if (tile.offset > size || needed > size - tile.offset)
            return fail(name,
                        "truncated TIFF (the image data ends before byte "
                            + std::to_string(tile.offset + needed) + " of " + std::to_string(size) + ")");
        for (std::int64_t r = 0; r < rows; ++r)
            unpacker->fn(canvas.at(tile.x0, tile.y0 + r), data + tile.offset + std::uint64_t(r) * step,
                         int(tileWidth));
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------------------
// Compressed files: libtiff on the file in memory, as ImagingLibTiffDecode drives it.

struct Source {
    const std::uint8_t* data;
    std::size_t size;
    std::uint64_t position = 0;
    std::uint8_t header[4]; // the byte-order mark libtiff accepts, for Pillow's two lenient prefixes
};

tmsize_t readProc(thandle_t handle, void* buffer, tmsize_t count)
{
    auto* src = static_cast<Source*>(handle);
    if (count <= 0 || src->position >= src->size)
        return 0;
    const std::size_t n
        = std::size_t(std::min<std::uint64_t>(std::uint64_t(count), src->size - src->position));
    std::memcpy(buffer, src->data + src->position, n);
    for (std::uint64_t i = src->position; i < 4 && i < src->position + n; ++i)
        static_cast<std::uint8_t*>(buffer)[i - src->position] = src->header[i];
    src->position += n;
    return tmsize_t(n);
}

tmsize_t writeProc(thandle_t, void*, tmsize_t)
{
    return 0;
}

toff_t seekProc(thandle_t handle, toff_t offset, int whence)
{
    auto* src = static_cast<Source*>(handle);
    switch (whence) {
    case SEEK_SET:
        src->position = offset;
        break;
    case SEEK_CUR:
        src->position += offset;
        break;
    case SEEK_END:
        src->position = src->size + offset;
        break;
    default:
        break;
    }
    return src->position;
}

int closeProc(thandle_t)
{
    return 0;
}

toff_t sizeProc(thandle_t handle)
{
    return static_cast<Source*>(handle)->size;
}

int mapProc(thandle_t, void**, toff_t*)
{
    return 0; // no mapping: reads go through readProc, which presents the corrected header
}

void unmapProc(thandle_t, void*, toff_t)
{ }

struct Messages {
    std::string first;
};

int errorHandler(TIFF*, void* user, const char* module, const char* format, va_list args)
{
    auto* messages = static_cast<Messages*>(user);
    if (messages && messages->first.empty()) {
        char buffer[512];
        std::vsnprintf(buffer, sizeof buffer, format, args);
        messages->first = buffer;
    }
    return 1; // handled: libtiff calls no global handler (which would print)
}

int warningHandler(TIFF*, void*, const char*, const char*, va_list)
{
    return 1;
}

struct TiffCloser {
    void operator()(TIFF* t) const { TIFFClose(t); }
};
struct OptionsDeleter {
    void operator()(TIFFOpenOptions* o) const { TIFFOpenOptionsFree(o); }
};

std::optional<Error> decodeLibtiff(const Setup& s, const std::uint8_t* data, std::size_t size,
                                   std::uint64_t ifdOffset, const std::string& name,
                                   const DecodeLimits& limits, Canvas& canvas)
{
    static std::once_flag silenced;
    std::call_once(silenced, [] {
        // Handlers are per file below; these globals only catch what libtiff reports before it has a file.
        TIFFSetErrorHandler(nullptr);
        TIFFSetWarningHandler(nullptr);
    });
    Messages messages;
    std::unique_ptr<TIFFOpenOptions, OptionsDeleter> options(TIFFOpenOptionsAlloc());
    if (!options)
        return fail(name, "out of memory");
    TIFFOpenOptionsSetErrorHandlerExtR(options.get(), errorHandler, &messages);
    TIFFOpenOptionsSetWarningHandlerExtR(options.get(), warningHandler, nullptr);
    // No single libtiff allocation needs more than the whole image (or 64 MiB for small ones).
    const std::uint64_t imageBytes = std::uint64_t(s.width) * std::uint64_t(s.height) * 16;
    TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(),
                                        tmsize_t(std::max<std::uint64_t>(imageBytes, 64u << 20)));

    Source source {data, size, 0, {}};
    std::memcpy(source.header, data, 4);
    if (std::memcmp(data, "MM\x2A\x00", 4) == 0)
        std::memcpy(source.header, "MM\x00\x2A", 4);
    else if (std::memcmp(data, "II\x00\x2A", 4) == 0)
        std::memcpy(source.header, "II\x2A\x00", 4);

    const auto libtiffError = [&](const char* what) {
        return fail(name,
                    std::string("corrupt TIFF data (")
                        + (messages.first.empty() ? what : messages.first.c_str()) + ")");
    };
    std::unique_ptr<TIFF, TiffCloser> tiff(TIFFClientOpenExt("tempfile.tif", "rC", &source, readProc,
                                                             writeProc, seekProc, closeProc, sizeProc,
                                                             mapProc, unmapProc, options.get()));
    if (!tiff)
        return libtiffError("libtiff could not open it");
    TIFF* t = tiff.get();
    if (ifdOffset && !TIFFSetSubDirectory(t, ifdOffset))
        return libtiffError("libtiff could not read the image directory");
    std::uint32_t width = 0, height = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &height);
    if (std::int64_t(width) != s.width || std::int64_t(height) != s.height)
        return fail(name, "corrupt TIFF data (libtiff reads another image size)");
    std::uint16_t photometric = 0, compression = 0, planar = 0;
    TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric);
    TIFFGetField(t, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(t, TIFFTAG_PLANARCONFIG, &planar);

    const auto unpacker = findUnpacker(s.mode, s.libtiffRaw);
    const bool tiled = TIFFIsTiled(t);
    std::uint32_t tileWidth = 0, tileLength = 0;
    if (tiled) {
        TIFFGetField(t, TIFFTAG_TILEWIDTH, &tileWidth);
        TIFFGetField(t, TIFFTAG_TILELENGTH, &tileLength);
        // A tile larger than the pixel limit would be allocated whole however small the image: a bomb.
        if (tileWidth == 0 || tileLength == 0
            || std::uint64_t(tileWidth) * tileLength > std::uint64_t(limits.maxPixels))
            return fail(name,
                        "the TIFF tiles are " + std::to_string(tileWidth) + "x" + std::to_string(tileLength)
                            + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                            + " pixels (a decompression bomb?)");
        const std::uint64_t tileBytes = std::uint64_t(TIFFTileSize64(t));
        if (tileBytes > std::max<std::uint64_t>(imageBytes, 64u << 20))
            return fail(name, "the TIFF tiles are larger than the image itself (a decompression bomb?)");
    }

    if (photometric == PHOTOMETRIC_YCBCR
        && !(compression == COMPRESSION_JPEG && planar == PLANARCONFIG_CONTIG)) {
        // _decodeAsRGBA: libtiff's TIFFRGBAImage does the YCbCr conversion and subsampling.
        if (!unpacker)
            return fail(name, "TIFF raw mode " + s.libtiffRaw + ", which Pillow cannot unpack");
        std::uint32_t rowsPerBlock = 0;
        const int have = tiled ? TIFFGetFieldDefaulted(t, TIFFTAG_TILELENGTH, &rowsPerBlock)
                               : TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rowsPerBlock);
        if (have != 1 || rowsPerBlock == std::uint32_t(-1))
            rowsPerBlock = std::uint32_t(s.height);
        char message[1024] = "";
        TIFFRGBAImage img;
        if (!TIFFRGBAImageOK(t, message) || !TIFFRGBAImageBegin(&img, t, 0, message))
            return fail(name, std::string("corrupt TIFF data (") + message + ")");
        struct End {
            TIFFRGBAImage& img;
            ~End() { TIFFRGBAImageEnd(&img); }
        } end {img};
        img.req_orientation = ORIENTATION_TOPLEFT;
        img.col_offset = 0;
        if (INT_MAX / 4 < img.width)
            return fail(name, "the TIFF image is too wide");
        const std::uint64_t rowBytes = std::uint64_t(img.width) * 4;
        if (std::uint64_t(INT_MAX) / rowBytes < rowsPerBlock)
            return fail(name, "the TIFF strips are too large");
        // Rows past the image are never read, so the buffer needs no more than the image's height.
        const std::uint32_t bufferRows = std::min<std::uint32_t>(rowsPerBlock, std::uint32_t(s.height));
        std::vector<std::uint32_t> buffer(std::size_t(bufferRows) * img.width);
        for (std::int64_t y = 0; y < s.height; y += rowsPerBlock) {
            img.row_offset = int(y);
            const std::uint32_t rows
                = std::uint32_t(std::min<std::int64_t>(rowsPerBlock, std::int64_t(img.height) - y));
            if (rows > bufferRows || !TIFFRGBAImageGet(&img, buffer.data(), img.width, rows))
                return libtiffError("libtiff could not decode it");
            const std::int64_t last = std::min<std::int64_t>(rowsPerBlock, s.height - y);
            for (std::int64_t r = 0; r < last; ++r)
                unpacker->fn(
                    canvas.at(0, y + r),
                    reinterpret_cast<const std::uint8_t*>(buffer.data() + std::size_t(r) * img.width),
                    s.width);
        }
        return std::nullopt;
    }
    if (photometric == PHOTOMETRIC_YCBCR)
        TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);

    // _pickUnpackers
    const int bands = s.mode == Mode::LA || s.mode == Mode::PA                   ? 2
        : s.mode == Mode::RGB || s.mode == Mode::LAB                             ? 3
        : (s.mode == Mode::RGBA || s.mode == Mode::RGBX || s.mode == Mode::CMYK) ? 4
                                                                                 : 1;
    std::vector<Unpacker> unpackers;
    int planes = 1;
    if (planar == PLANARCONFIG_SEPARATE && bands > 1) {
        std::uint16_t bits = 8;
        TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bits);
        if (bits != 8 && bits != 16)
            return fail(name,
                        "corrupt TIFF data (separate planes of " + std::to_string(bits) + "-bit samples)");
        for (int p = 0; p < bands; ++p)
            unpackers.push_back(planeUnpacker(p, bits == 16));
        planes = bands;
    } else {
        if (!unpacker)
            return fail(name,
                        "TIFF raw mode " + s.libtiffRaw + " for mode " + s.modeName
                            + ", which Pillow cannot unpack");
        unpackers.push_back(*unpacker);
    }
    // state->bits: the raw mode's bits per pixel, as Pillow's decoder was set up with.
    const int stateBits = unpacker ? unpacker->bits : 8 * planes;

    std::vector<std::uint8_t> buffer;
    if (tiled) {
        const tmsize_t tileBytes = TIFFTileSize(t);
        const tmsize_t rowBytes = TIFFTileRowSize(t);
        if (tileBytes == 0 || rowBytes == 0 || rowBytes > tileBytes)
            return libtiffError("libtiff cannot size its tiles");
        if (tileBytes > INT_MAX - 1)
            return fail(name, "the TIFF tiles are too large");
        if (std::uint64_t(tileBytes)
            > ((std::uint64_t(tileLength) * std::uint64_t(stateBits) / std::uint64_t(planes) + 7) / 8)
                * tileWidth)
            return fail(name, "corrupt TIFF data (the tiles are larger than their pixels)");
        buffer.resize(std::size_t(tileBytes));
        for (std::int64_t y = 0; y < s.height; y += tileLength) {
            for (int plane = 0; plane < planes; ++plane) {
                for (std::int64_t x = 0; x < s.width; x += tileWidth) {
                    if (TIFFReadTile(t, buffer.data(), std::uint32_t(x), std::uint32_t(y), 0,
                                     std::uint16_t(plane))
                        == -1)
                        return libtiffError("libtiff could not decode a tile");
                    const std::int64_t cw = std::min<std::int64_t>(tileWidth, s.width - x);
                    const std::int64_t ch = std::min<std::int64_t>(tileLength, s.height - y);
                    for (std::int64_t r = 0; r < ch; ++r)
                        unpackers[std::size_t(plane)].fn(
                            canvas.at(x, y + r), buffer.data() + std::size_t(r) * std::size_t(rowBytes),
                            int(cw));
                }
            }
        }
    } else {
        std::uint32_t rowsPerStrip = 0;
        if (TIFFGetField(t, TIFFTAG_ROWSPERSTRIP, &rowsPerStrip) != 1 || rowsPerStrip == std::uint32_t(-1))
            rowsPerStrip = std::uint32_t(s.height);
        if (rowsPerStrip > INT_MAX)
            return fail(name, "the TIFF strips are too large");
        const tmsize_t stripBytes = TIFFStripSize(t);
        if (stripBytes > INT_MAX - 1)
            return fail(name, "the TIFF strips are too large");
        const std::uint64_t unpackerRowBytes
            = (std::uint64_t(s.width) * std::uint64_t(stateBits) / std::uint64_t(planes) + 7) / 8;
        if (std::uint64_t(stripBytes) > unpackerRowBytes * rowsPerStrip)
            return fail(name, "corrupt TIFF data (the strips are larger than their pixels)");
        const tmsize_t rowBytes = TIFFScanlineSize(t);
        if (rowBytes == 0 || unpackerRowBytes > std::uint64_t(rowBytes))
            return fail(name, "corrupt TIFF data (the rows are shorter than their pixels)");
        buffer.resize(std::size_t(std::max<tmsize_t>(stripBytes, 1)));
        for (std::int64_t y = 0; y < s.height; y += rowsPerStrip) {
            for (int plane = 0; plane < planes; ++plane) {
                if (TIFFReadEncodedStrip(t, TIFFComputeStrip(t, std::uint32_t(y), std::uint16_t(plane)),
                                         buffer.data(), stripBytes)
                    == -1)
                    return libtiffError("libtiff could not decode a strip");
                const std::int64_t rows = std::min<std::int64_t>(rowsPerStrip, s.height - y);
                for (std::int64_t r = 0; r < rows; ++r) {
                    if (std::uint64_t(r + 1) * std::uint64_t(rowBytes) > buffer.size() && r > 0)
                        return fail(name, "corrupt TIFF data (a strip holds fewer rows than it should)");
                    unpackers[std::size_t(plane)].fn(
                        canvas.at(0, y + r), buffer.data() + std::size_t(r) * std::size_t(rowBytes), s.width);
                }
            }
        }
    }
    // Separate planes of associated (or unspecified) alpha: un-premultiply, as TiffDecode.c does.
    if (planes > 3 && s.mode == Mode::RGBA) {
        std::uint16_t extraCount = 0;
        std::uint16_t* sampleInfo = nullptr;
        TIFFGetFieldDefaulted(t, TIFFTAG_EXTRASAMPLES, &extraCount, &sampleInfo);
        if (extraCount >= 1 && sampleInfo
            && (sampleInfo[0] == EXTRASAMPLE_UNSPECIFIED || sampleInfo[0] == EXTRASAMPLE_ASSOCALPHA)) {
            for (int y = 0; y < s.height; ++y)
                unpremultiply<0>(canvas.at(0, y), canvas.at(0, y), s.width);
        }
    }
    return std::nullopt;
}

// Pillow's memory layout to PilImage's, then TiffImageFile.load_end's transposition.
PilImage finish(Canvas& canvas, const Setup& s, const Directory& dir)
{
    PilImage out;
    out.width = canvas.width;
    out.height = canvas.height;
    const std::size_t n = std::size_t(canvas.width) * std::size_t(canvas.height);
    switch (canvas.mode) {
    case Mode::One:
        out.mode = PilMode::One;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::L:
        out.mode = PilMode::L;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::P:
        out.mode = PilMode::P;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::I16:
        out.mode = PilMode::I16;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::I16B:
        out.mode = PilMode::I16;
        out.data = std::move(canvas.pixels);
        for (std::size_t i = 0; i < n; ++i)
            std::swap(out.data[2 * i], out.data[2 * i + 1]);
        break;
    case Mode::I:
        out.mode = PilMode::I;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::F:
        out.mode = PilMode::F;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::LA:
    case Mode::PA:
        out.mode = canvas.mode == Mode::LA ? PilMode::LA : PilMode::PA;
        out.data.resize(n * 2);
        for (std::size_t i = 0; i < n; ++i) {
            out.data[2 * i] = canvas.pixels[4 * i];
            out.data[2 * i + 1] = canvas.pixels[4 * i + 3];
        }
        break;
    case Mode::RGB:
        out.mode = PilMode::RGB;
        out.data.resize(n * 3);
        for (std::size_t i = 0; i < n; ++i)
            std::memcpy(&out.data[3 * i], &canvas.pixels[4 * i], 3);
        break;
    case Mode::RGBA:
        out.mode = PilMode::RGBA;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::RGBX:
        out.mode = PilMode::RGBX;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::CMYK:
        out.mode = PilMode::CMYK;
        out.data = std::move(canvas.pixels);
        break;
    case Mode::LAB:
        out.mode = PilMode::LAB;
        out.data.resize(n * 3);
        for (std::size_t i = 0; i < n; ++i)
            std::memcpy(&out.data[3 * i], &canvas.pixels[4 * i], 3);
        break;
    }
    if (out.mode == PilMode::P || out.mode == PilMode::PA) {
        // The colour map, 16-bit planes of red, green, blue, each value // 256 ("RGB;L").
        if (const Tag* map = dir.find(kColorMap); map && map->numeric()) {
            const std::uint64_t entries = std::min<std::uint64_t>(map->count / 3, 256);
            out.palette.resize(std::size_t(entries) * 3);
            for (std::uint64_t i = 0; i < entries; ++i)
                for (int c = 0; c < 3; ++c)
                    out.palette[std::size_t(3 * i + std::uint64_t(c))] = std::uint8_t(
                        std::uint64_t(dir.value(*map, std::uint64_t(c) * entries + i)) / 256 & 0xFF);
        }
    }
    if (s.orientation >= 2 && s.orientation <= 8) {
        const int bytes = pilModeBytes(out.mode);
        std::vector<std::uint8_t> turned(out.data.size());
        transposeForOrientation(s.orientation, out.data.data(), out.width, out.height, bytes, turned.data());
        out.data = std::move(turned);
        if (orientationSwapsAxes(s.orientation))
            std::swap(out.width, out.height);
    }
    return out;
}

} // namespace

bool looksLikeTiff(const std::uint8_t* data, std::size_t size)
{
    if (size < 4)
        return false;
    static const char* const prefixes[]
        = {"MM\x00\x2A", "II\x2A\x00", "MM\x2A\x00", "II\x00\x2A", "MM\x00\x2B", "II\x2B\x00"};
    for (const char* p : prefixes)
        if (std::memcmp(data, p, 4) == 0)
            return true;
    return false;
}

Result<PilImage> decodeTiff(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits)
{
    if (!looksLikeTiff(data, size) || size < 8)
        return fail(name, "not a TIFF file");
    const bool little = data[0] == 'I';
    const Reader reader(data, size, little);
    const bool big = reader.get(2, 2) == 43;
    std::uint64_t first = 0;
    if (big) {
        if (size < 16)
            return fail(name, "truncated TIFF (the file ends inside its header)");
        first = reader.get(8, 8);
    } else {
        first = reader.get(4, 4);
    }
    if (first == 0)
        return fail(name, "the TIFF file holds no image");
    Directory dir(reader);
    readDirectory(reader, first, big, dir);
    Setup setup;
    if (auto error = setUp(dir, little, name, setup))
        return *error;
    if (std::int64_t(setup.width) > limits.maxPixels / setup.height)
        return fail(name,
                    "the image is " + std::to_string(setup.width) + "x" + std::to_string(setup.height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");
    if ((setup.mode == Mode::P || setup.mode == Mode::PA) && !dir.find(kColorMap))
        return fail(name, "the TIFF palette image has no colour map");
    if (const Tag* map = dir.find(kColorMap);
        map && (setup.mode == Mode::P || setup.mode == Mode::PA) && map->count / 3 > 256)
        return fail(name, "the TIFF colour map has more than 256 entries");

    Canvas canvas {setup.mode, setup.width, setup.height, pixelSize(setup.mode), {}};
    try {
        canvas.pixels.assign(
            std::size_t(setup.width) * std::size_t(setup.height) * std::size_t(canvas.pixelBytes), 0);
    } catch (const std::bad_alloc&) {
        return fail(name,
                    "out of memory for a " + std::to_string(setup.width) + "x" + std::to_string(setup.height)
                        + " image");
    }
    const std::optional<Error> error = setup.compression == 1
        ? decodeRaw(dir, setup, data, size, name, limits, canvas)
        : decodeLibtiff(setup, data, size, first, name, limits, canvas);
    if (error)
        return *error;
    return finish(canvas, setup, dir);
}

} // namespace lens
