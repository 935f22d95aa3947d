#include "image/formats/Dds.h"

#include "image/formats/FormatSupport.h"

#include <cstring>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

constexpr std::uint32_t kAlphaPixels = 0x1;
constexpr std::uint32_t kRgb = 0x40;
constexpr std::uint32_t kLuminance = 0x20000;

enum class Kind { Raw, Bc1, Bc2, Bc3, Bc4, Bc5, Bc5Signed, Bc6, Bc6Signed, Bc7 };

struct DdsHeader {
    Verdict verdict = Verdict::NotIdentified;
    std::string why;
    std::int64_t width = 0, height = 0;
    PilMode mode = PilMode::RGBA;
    Kind kind = Kind::Raw;
    /// Raw only: the raw mode, or none when Pillow has no unpacker for the mask order.
    bool hasRawMode = true;
    RawMode raw = RawMode::RGBA;
    std::uint64_t dataOffset = 128;
};

DdsHeader readDds(const ByteView& bytes)
{
    DdsHeader h;
    if (bytes.size() < 4 || std::memcmp(bytes.data(), "DDS ", 4) != 0) {
        h.why = "no \"DDS \" signature";
        return h;
    }
    if (bytes.size() < 8) {
        h.why = "the header ends early";
        return h;
    }
    const std::uint32_t headerSize = bytes.le32(4);
    if (headerSize != 124) {
        h.verdict = Verdict::Refused;
        h.why = "a header of " + number(headerSize) + " bytes; Pillow reads 124";
        return h;
    }
    if (bytes.size() < 128) {
        h.verdict = Verdict::Refused;
        h.why = "the header ends early";
        return h;
    }
    h.height = bytes.le32(12);
    h.width = bytes.le32(16);
    const std::uint32_t flags = bytes.le32(80);
    const std::uint8_t* fourcc = bytes.data() + 84;
    const std::uint32_t masks[4] = {bytes.le32(92), bytes.le32(96), bytes.le32(100), bytes.le32(104)};
    if (flags & kLuminance) {
        h.mode = (flags & kAlphaPixels) ? PilMode::LA : PilMode::L;
        h.raw = (flags & kAlphaPixels) ? RawMode::LA : RawMode::L;
    } else if (flags & kRgb) {
        // Pillow names each mask by its channel (the last channel wins for equal masks), then reads the
        // channels named for 0xFF000000 (with alpha), 0xFF0000, 0xFF00 and 0xFF, reversed.
        auto letter = [&](std::uint32_t mask) -> char {
            char found = 0;
            for (int i = 0; i < 4; ++i)
                if (masks[i] == mask)
                    found = "RGBA"[i];
            return found;
        };
        std::string order;
        const bool alpha = flags & kAlphaPixels;
        if (alpha)
            order += letter(0xFF000000);
        else
            h.mode = PilMode::RGB;
        order += letter(0xFF0000);
        order += letter(0xFF00);
        order += letter(0xFF);
        if (order.find('\0') != std::string::npos) {
            h.why = "its bit masks do not cover the bytes Pillow looks for";
            return h;
        }
        const std::string raw(order.rbegin(), order.rend());
        struct Known {
            const char* name;
            PilMode mode;
            RawMode raw;
        };
        static const Known known[] = {
            {"RGB", PilMode::RGB, RawMode::RGB},    {"BGR", PilMode::RGB, RawMode::BGR},
            {"RGBA", PilMode::RGBA, RawMode::RGBA}, {"BGRA", PilMode::RGBA, RawMode::BGRA},
            {"ARGB", PilMode::RGBA, RawMode::ARGB}, {"ABGR", PilMode::RGBA, RawMode::ABGR},
        };
        h.hasRawMode = false;
        for (const Known& k : known)
            if (raw == k.name && k.mode == h.mode) {
                h.hasRawMode = true;
                h.raw = k.raw;
            }
    } else {
        h.dataOffset = 128;
        auto is = [&](const char* code) { return std::memcmp(fourcc, code, 4) == 0; };
        if (is("DXT1")) {
            h.kind = Kind::Bc1;
        } else if (is("DXT3")) {
            h.kind = Kind::Bc2;
        } else if (is("DXT5")) {
            h.kind = Kind::Bc3;
        } else if (is("ATI1")) {
            h.kind = Kind::Bc4;
            h.mode = PilMode::L;
        } else if (is("ATI2")) {
            h.kind = Kind::Bc5;
            h.mode = PilMode::RGB;
        } else if (is("BC5S")) {
            h.kind = Kind::Bc5Signed;
            h.mode = PilMode::RGB;
        } else if (is("DX10")) {
            h.dataOffset = 148;
            if (bytes.size() < 132) {
                h.why = "the DX10 header ends early";
                return h;
            }
            const std::uint32_t dxgi = bytes.le32(128);
            if (dxgi == 82 || dxgi == 83) {
                h.kind = Kind::Bc5;
                h.mode = PilMode::RGB;
            } else if (dxgi == 84) {
                h.kind = Kind::Bc5Signed;
                h.mode = PilMode::RGB;
            } else if (dxgi == 95 || dxgi == 96) {
                h.kind = dxgi == 96 ? Kind::Bc6Signed : Kind::Bc6;
                h.mode = PilMode::RGB;
            } else if (dxgi == 97 || dxgi == 98 || dxgi == 99) {
                h.kind = Kind::Bc7;
            } else if (dxgi == 27 || dxgi == 28 || dxgi == 29) {
                h.kind = Kind::Raw;
                h.raw = RawMode::RGBA;
            } else {
                h.verdict = Verdict::Refused;
                h.why = "DXGI format " + number(dxgi) + ", which Pillow does not read";
                return h;
            }
        } else {
            h.verdict = Verdict::Refused;
            h.why = "pixel format " + quoted(std::string(reinterpret_cast<const char*>(fourcc), 4))
                + ", which Pillow does not read";
            return h;
        }
    }
    if (h.width <= 0 || h.height <= 0) {
        h.why = "the image has no pixels";
        return h;
    }
    h.verdict = Verdict::Opened;
    return h;
}

struct Rgba {
    std::uint8_t r = 0, g = 0, b = 0, a = 0;
};

Rgba from565(std::uint16_t x)
{
    Rgba c;
    int r = (x & 0xf800) >> 8;
    c.r = std::uint8_t(r | (r >> 5));
    int g = (x & 0x7e0) >> 3;
    c.g = std::uint8_t(g | (g >> 6));
    int b = (x & 0x1f) << 3;
    c.b = std::uint8_t(b | (b >> 5));
    c.a = 0xff;
    return c;
}

void bc1Colors(Rgba* out, const std::uint8_t* src, bool separateAlpha)
{
    const std::uint16_t c0 = std::uint16_t(src[0] | (src[1] << 8));
    const std::uint16_t c1 = std::uint16_t(src[2] | (src[3] << 8));
    const std::uint32_t lut = std::uint32_t(src[4]) | (std::uint32_t(src[5]) << 8)
        | (std::uint32_t(src[6]) << 16) | (std::uint32_t(src[7]) << 24);
    Rgba p[4];
    p[0] = from565(c0);
    p[1] = from565(c1);
    const int r0 = p[0].r, g0 = p[0].g, b0 = p[0].b, r1 = p[1].r, g1 = p[1].g, b1 = p[1].b;
    if (c0 > c1 || separateAlpha) {
        p[2] = {std::uint8_t((2 * r0 + r1) / 3), std::uint8_t((2 * g0 + g1) / 3),
                std::uint8_t((2 * b0 + b1) / 3), 0xff};
        p[3] = {std::uint8_t((r0 + 2 * r1) / 3), std::uint8_t((g0 + 2 * g1) / 3),
                std::uint8_t((b0 + 2 * b1) / 3), 0xff};
    } else {
        p[2] = {std::uint8_t((r0 + r1) / 2), std::uint8_t((g0 + g1) / 2), std::uint8_t((b0 + b1) / 2), 0xff};
        p[3] = {0, 0, 0, 0};
    }
    for (int n = 0; n < 16; ++n)
        out[n] = p[3 & (lut >> (2 * n))];
}

// The interpolated 8-bit channel of BC3 alpha, BC4 and BC5, into byte `offset` of `stride`-byte pixels.
void bc3Alpha(std::uint8_t* dst, const std::uint8_t* src, int stride, int offset, bool sign)
{
    int a0, a1;
    if (sign) {
        a0 = (int(std::int8_t(src[0])) + 255) / 2;
        a1 = (int(std::int8_t(src[1])) + 255) / 2;
    } else {
        a0 = src[0];
        a1 = src[1];
    }
    const int lut1 = src[2] | (src[3] << 8) | (src[4] << 16);
    const int lut2 = src[5] | (src[6] << 8) | (src[7] << 16);
    std::uint8_t a[8];
    a[0] = std::uint8_t(a0);
    a[1] = std::uint8_t(a1);
    if (a0 > a1) {
        for (int k = 1; k <= 6; ++k)
            a[k + 1] = std::uint8_t(((7 - k) * a0 + k * a1) / 7);
    } else {
        for (int k = 1; k <= 4; ++k)
            a[k + 1] = std::uint8_t(((5 - k) * a0 + k * a1) / 5);
        a[6] = 0;
        a[7] = 0xff;
    }
    for (int n = 0; n < 8; ++n)
        dst[stride * n + offset] = a[7 & (lut1 >> (3 * n))];
    for (int n = 0; n < 8; ++n)
        dst[stride * (8 + n) + offset] = a[7 & (lut2 >> (3 * n))];
}

// BC7 (BPTC), as Pillow decodes it.
struct Bc7Mode {
    int ns, pb, rb, isb, cb, ab, epb, spb, ib, ib2;
};
const Bc7Mode kBc7Modes[]
    = {{3, 4, 0, 0, 4, 0, 1, 0, 3, 0}, {2, 6, 0, 0, 6, 0, 0, 1, 3, 0}, {3, 6, 0, 0, 5, 0, 0, 0, 2, 0},
       {2, 6, 0, 0, 7, 0, 1, 0, 2, 0}, {1, 0, 2, 1, 5, 6, 0, 0, 2, 3}, {1, 0, 2, 0, 7, 8, 0, 0, 2, 2},
       {1, 0, 0, 0, 7, 7, 1, 0, 4, 0}, {2, 6, 0, 0, 5, 5, 1, 0, 2, 0}};

// The BPTC partition tables (two and three subsets) and anchor indices, from the format's specification.
const std::uint16_t kPartitions2[]
    = {0xcccc, 0x8888, 0xeeee, 0xecc8, 0xc880, 0xfeec, 0xfec8, 0xec80, 0xc800, 0xffec, 0xfe80, 0xe800, 0xffe8,
       0xff00, 0xfff0, 0xf000, 0xf710, 0x008e, 0x7100, 0x08ce, 0x008c, 0x7310, 0x3100, 0x8cce, 0x088c, 0x3110,
       0x6666, 0x366c, 0x17e8, 0x0ff0, 0x718e, 0x399c, 0xaaaa, 0xf0f0, 0x5a5a, 0x33cc, 0x3c3c, 0x55aa, 0x9696,
       0xa55a, 0x73ce, 0x13c8, 0x324c, 0x3bdc, 0x6996, 0xc33c, 0x9966, 0x0660, 0x0272, 0x04e4, 0x4e40, 0x2720,
       0xc936, 0x936c, 0x39c6, 0x639c, 0x9336, 0x9cc6, 0x817e, 0xe718, 0xccf0, 0x0fcc, 0x7744, 0xee22};
const std::uint32_t kPartitions3[]
    = {0xaa685050, 0x6a5a5040, 0x5a5a4200, 0x5450a0a8, 0xa5a50000, 0xa0a05050, 0x5555a0a0, 0x5a5a5050,
       0xaa550000, 0xaa555500, 0xaaaa5500, 0x90909090, 0x94949494, 0xa4a4a4a4, 0xa9a59450, 0x2a0a4250,
       0xa5945040, 0x0a425054, 0xa5a5a500, 0x55a0a0a0, 0xa8a85454, 0x6a6a4040, 0xa4a45000, 0x1a1a0500,
       0x0050a4a4, 0xaaa59090, 0x14696914, 0x69691400, 0xa08585a0, 0xaa821414, 0x50a4a450, 0x6a5a0200,
       0xa9a58000, 0x5090a0a8, 0xa8a09050, 0x24242424, 0x00aa5500, 0x24924924, 0x24499224, 0x50a50a50,
       0x500aa550, 0xaaaa4444, 0x66660000, 0xa5a0a5a0, 0x50a050a0, 0x69286928, 0x44aaaa44, 0x66666600,
       0xaa444444, 0x54a854a8, 0x95809580, 0x96969600, 0xa85454a8, 0x80959580, 0xaa141414, 0x96960000,
       0xaaaa1414, 0xa05050a0, 0xa0a5a5a0, 0x96000000, 0x40804080, 0xa9a8a9a8, 0xaaaaaa44, 0x2a4a5254};
const std::uint8_t kAnchor2[]
    = {15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 2,  8, 2, 2, 8,
       8,  15, 2,  8,  2,  2,  8,  8,  2,  2,  15, 15, 6,  8,  2,  8,  15, 15, 2, 8, 2, 2,
       2,  15, 15, 6,  6,  2,  6,  8,  15, 15, 2,  2,  15, 15, 15, 15, 15, 2,  2, 15};
const std::uint8_t kAnchor3a[]
    = {3,  3,  15, 15, 8, 3,  15, 15, 8,  8,  6, 6,  6, 5,  3, 3,  3,  3,  8,  15, 3,  3,
       6,  10, 5,  8,  8, 6,  8,  5,  15, 15, 8, 15, 3, 5,  6, 10, 8,  15, 15, 3,  15, 5,
       15, 15, 15, 15, 3, 15, 5,  5,  5,  8,  5, 10, 5, 10, 8, 13, 15, 12, 3,  3};
const std::uint8_t kAnchor3b[]
    = {15, 8, 8, 3,  15, 15, 3,  8,  15, 15, 15, 15, 15, 15, 15, 8,  15, 8,  15, 3,  15, 8,
       15, 8, 3, 15, 6,  10, 15, 15, 10, 8,  15, 3,  15, 10, 10, 8,  9,  10, 6,  15, 8,  15,
       3,  6, 6, 8,  15, 3,  15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 3,  15, 15, 8};
const std::uint8_t kWeights2[] = {0, 21, 43, 64};
const std::uint8_t kWeights3[] = {0, 9, 18, 27, 37, 46, 55, 64};
const std::uint8_t kWeights4[] = {0, 4, 9, 13, 17, 21, 26, 30, 34, 38, 43, 47, 51, 55, 60, 64};

const std::uint8_t* weights(int bits)
{
    return bits == 2 ? kWeights2 : bits == 3 ? kWeights3 : kWeights4;
}

std::uint8_t bits(const std::uint8_t* src, int bit, int count)
{
    if (!count)
        return 0;
    const int by = bit >> 3;
    bit &= 7;
    if (bit + count <= 8)
        return std::uint8_t((src[by] >> bit) & ((1 << count) - 1));
    const int x = src[by] | (src[by + 1] << 8);
    return std::uint8_t((x >> bit) & ((1 << count) - 1));
}

std::uint8_t expand(std::uint8_t v, int bitCount)
{
    v = std::uint8_t(v << (8 - bitCount));
    return std::uint8_t(v | (v >> bitCount));
}

void bc7Lerp(Rgba& dst, const Rgba* e, int s0, int s1)
{
    const int t0 = 64 - s0, t1 = 64 - s1;
    dst.r = std::uint8_t((t0 * e[0].r + s0 * e[1].r + 32) >> 6);
    dst.g = std::uint8_t((t0 * e[0].g + s0 * e[1].g + 32) >> 6);
    dst.b = std::uint8_t((t0 * e[0].b + s0 * e[1].b + 32) >> 6);
    dst.a = std::uint8_t((t1 * e[0].a + s1 * e[1].a + 32) >> 6);
}

void bc7Block(Rgba* col, const std::uint8_t* src)
{
    if (!src[0]) {
        for (int i = 0; i < 16; ++i)
            col[i] = {0, 0, 0, 255};
        return;
    }
    int bit = 0;
    while (!(src[0] & (1 << bit)))
        ++bit;
    const Bc7Mode& m = kBc7Modes[bit];
    ++bit;
    int cb = m.cb, ab = m.ab;
    const std::uint8_t* cw = weights(m.ib);
    const std::uint8_t* aw = weights((ab && m.ib2) ? m.ib2 : m.ib);
    auto load = [&](int count) {
        const std::uint8_t v = bits(src, bit, count);
        bit += count;
        return v;
    };
    const std::uint8_t partition = load(m.pb);
    const std::uint8_t rotation = load(m.rb);
    const std::uint8_t indexSelection = load(m.isb);
    const int endpoints = m.ns * 2;
    Rgba e[6];
    for (int i = 0; i < endpoints; ++i)
        e[i].r = load(cb);
    for (int i = 0; i < endpoints; ++i)
        e[i].g = load(cb);
    for (int i = 0; i < endpoints; ++i)
        e[i].b = load(cb);
    for (int i = 0; i < endpoints; ++i)
        e[i].a = ab ? load(ab) : 255;
    auto addBit = [](std::uint8_t& x, std::uint8_t v) { x = std::uint8_t((x << 1) | v); };
    if (m.epb) {
        ++cb;
        if (ab)
            ++ab;
        for (int i = 0; i < endpoints; ++i) {
            const std::uint8_t v = load(1);
            addBit(e[i].r, v);
            addBit(e[i].g, v);
            addBit(e[i].b, v);
            if (ab)
                addBit(e[i].a, v);
        }
    }
    if (m.spb) {
        ++cb;
        if (ab)
            ++ab;
        for (int i = 0; i < endpoints; i += 2) {
            const std::uint8_t v = load(1);
            for (int j = 0; j < 2; ++j) {
                addBit(e[i + j].r, v);
                addBit(e[i + j].g, v);
                addBit(e[i + j].b, v);
                if (ab)
                    addBit(e[i + j].a, v);
            }
        }
    }
    for (int i = 0; i < endpoints; ++i) {
        e[i].r = expand(e[i].r, cb);
        e[i].g = expand(e[i].g, cb);
        e[i].b = expand(e[i].b, cb);
        if (ab)
            e[i].a = expand(e[i].a, ab);
    }
    int colorBit = bit;
    int alphaBit = colorBit + 16 * m.ib - m.ns;
    for (int i = 0; i < 16; ++i) {
        int subset = 0;
        if (m.ns == 2)
            subset = 1 & (kPartitions2[partition] >> i);
        else if (m.ns == 3)
            subset = 3 & int(kPartitions3[partition] >> (2 * i));
        subset <<= 1;
        int ib = m.ib;
        if (i == 0)
            --ib;
        else if (m.ns == 2 && i == kAnchor2[partition])
            --ib;
        else if (m.ns == 3 && (i == kAnchor3a[partition] || i == kAnchor3b[partition]))
            --ib;
        const int i0 = bits(src, colorBit, ib);
        colorBit += ib;
        if (ab && m.ib2) {
            int ib2 = m.ib2;
            if (i == 0)
                --ib2;
            const int i1 = bits(src, alphaBit, ib2);
            alphaBit += ib2;
            if (indexSelection)
                bc7Lerp(col[i], &e[subset], aw[i1], cw[i0]);
            else
                bc7Lerp(col[i], &e[subset], cw[i0], aw[i1]);
        } else {
            bc7Lerp(col[i], &e[subset], cw[i0], cw[i0]);
        }
        if (rotation == 1)
            std::swap(col[i].r, col[i].a);
        else if (rotation == 2)
            std::swap(col[i].g, col[i].a);
        else if (rotation == 3)
            std::swap(col[i].b, col[i].a);
    }
}

// BC6H (BPTC float), as Pillow decodes it: endpoints unquantized, interpolated, turned into half floats
// and clamped to 0..1 before scaling to 8 bits.
struct Bc6Mode {
    int ns, tr, pb, epb, rb, gb, bb;
};
const Bc6Mode kBc6Modes[]
    = {{2, 1, 5, 10, 5, 5, 5}, {2, 1, 5, 7, 6, 6, 6}, {2, 1, 5, 11, 5, 4, 4},    {2, 1, 5, 11, 4, 5, 4},
       {2, 1, 5, 11, 4, 4, 5}, {2, 1, 5, 9, 5, 5, 5}, {2, 1, 5, 8, 6, 5, 5},     {2, 1, 5, 8, 5, 6, 5},
       {2, 1, 5, 8, 5, 5, 6},  {2, 0, 5, 6, 6, 6, 6}, {1, 0, 0, 10, 10, 10, 10}, {1, 1, 0, 11, 9, 9, 9},
       {1, 1, 0, 12, 8, 8, 8}, {1, 1, 0, 16, 4, 4, 4}};

// Where each endpoint bit of a mode goes (the BPTC specification's table F): value >> 4 is the endpoint
// component (r0, g0, b0, r1, ...), value & 15 the bit.
const std::uint8_t kBc6Packings[][75]
    = {{116, 132, 180, 0,   1,   2,   3,  4,  5,  6,  7,   8,   9,   16,  17,  18,  19,  20, 21,
        22,  23,  24,  25,  32,  33,  34, 35, 36, 37, 38,  39,  40,  41,  48,  49,  50,  51, 52,
        164, 112, 113, 114, 115, 64,  65, 66, 67, 68, 176, 160, 161, 162, 163, 80,  81,  82, 83,
        84,  177, 128, 129, 130, 131, 96, 97, 98, 99, 100, 178, 144, 145, 146, 147, 148, 179},
       {117, 164, 165, 0,   1,   2,   3,  4,  5,  6,  176, 177, 132, 16,  17,  18,  19,  20, 21,
        22,  133, 178, 116, 32,  33,  34, 35, 36, 37, 38,  179, 181, 180, 48,  49,  50,  51, 52,
        53,  112, 113, 114, 115, 64,  65, 66, 67, 68, 69,  160, 161, 162, 163, 80,  81,  82, 83,
        84,  85,  128, 129, 130, 131, 96, 97, 98, 99, 100, 101, 144, 145, 146, 147, 148, 149},
       {0,   1,   2,   3,   4,   5,   6,  7,  8,  9,   16,  17,  18,  19,  20,  21,  22,  23,
        24,  25,  32,  33,  34,  35,  36, 37, 38, 39,  40,  41,  48,  49,  50,  51,  52,  10,
        112, 113, 114, 115, 64,  65,  66, 67, 26, 176, 160, 161, 162, 163, 80,  81,  82,  83,
        42,  177, 128, 129, 130, 131, 96, 97, 98, 99,  100, 178, 144, 145, 146, 147, 148, 179},
       {0,   1,   2,   3,   4,   5,   6,  7,  8,  9,  16,  17,  18,  19,  20,  21,  22,  23,
        24,  25,  32,  33,  34,  35,  36, 37, 38, 39, 40,  41,  48,  49,  50,  51,  10,  164,
        112, 113, 114, 115, 64,  65,  66, 67, 68, 26, 160, 161, 162, 163, 80,  81,  82,  83,
        42,  177, 128, 129, 130, 131, 96, 97, 98, 99, 176, 178, 144, 145, 146, 147, 116, 179},
       {0,   1,   2,   3,   4,   5,   6,  7,  8,  9,   16,  17,  18,  19,  20,  21,  22,  23,
        24,  25,  32,  33,  34,  35,  36, 37, 38, 39,  40,  41,  48,  49,  50,  51,  10,  132,
        112, 113, 114, 115, 64,  65,  66, 67, 26, 176, 160, 161, 162, 163, 80,  81,  82,  83,
        84,  42,  128, 129, 130, 131, 96, 97, 98, 99,  177, 178, 144, 145, 146, 147, 180, 179},
       {0,   1,   2,   3,   4,   5,   6,  7,  8,  132, 16,  17,  18,  19,  20,  21,  22,  23,
        24,  116, 32,  33,  34,  35,  36, 37, 38, 39,  40,  180, 48,  49,  50,  51,  52,  164,
        112, 113, 114, 115, 64,  65,  66, 67, 68, 176, 160, 161, 162, 163, 80,  81,  82,  83,
        84,  177, 128, 129, 130, 131, 96, 97, 98, 99,  100, 178, 144, 145, 146, 147, 148, 179},
       {0,   1,   2,   3,   4,   5,   6,  7,  164, 132, 16,  17,  18,  19,  20,  21,  22,  23,
        178, 116, 32,  33,  34,  35,  36, 37, 38,  39,  179, 180, 48,  49,  50,  51,  52,  53,
        112, 113, 114, 115, 64,  65,  66, 67, 68,  176, 160, 161, 162, 163, 80,  81,  82,  83,
        84,  177, 128, 129, 130, 131, 96, 97, 98,  99,  100, 101, 144, 145, 146, 147, 148, 149},
       {0,   1,   2,   3,   4,   5,   6,  7,  176, 132, 16,  17,  18,  19,  20,  21,  22,  23,
        117, 116, 32,  33,  34,  35,  36, 37, 38,  39,  165, 180, 48,  49,  50,  51,  52,  164,
        112, 113, 114, 115, 64,  65,  66, 67, 68,  69,  160, 161, 162, 163, 80,  81,  82,  83,
        84,  177, 128, 129, 130, 131, 96, 97, 98,  99,  100, 178, 144, 145, 146, 147, 148, 179},
       {0,   1,   2,   3,   4,   5,   6,  7,  177, 132, 16,  17,  18,  19,  20,  21,  22,  23,
        133, 116, 32,  33,  34,  35,  36, 37, 38,  39,  181, 180, 48,  49,  50,  51,  52,  164,
        112, 113, 114, 115, 64,  65,  66, 67, 68,  176, 160, 161, 162, 163, 80,  81,  82,  83,
        84,  85,  128, 129, 130, 131, 96, 97, 98,  99,  100, 178, 144, 145, 146, 147, 148, 179},
       {0,   1,   2,   3,   4,   5,   164, 176, 177, 132, 16,  17,  18,  19,  20,  21,  117, 133,
        178, 116, 32,  33,  34,  35,  36,  37,  165, 179, 181, 180, 48,  49,  50,  51,  52,  53,
        112, 113, 114, 115, 64,  65,  66,  67,  68,  69,  160, 161, 162, 163, 80,  81,  82,  83,
        84,  85,  128, 129, 130, 131, 96,  97,  98,  99,  100, 101, 144, 145, 146, 147, 148, 149},
       {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57,
        64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89},
       {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 48, 49, 50, 51, 52, 53, 54, 55, 56, 10,
        64, 65, 66, 67, 68, 69, 70, 71, 72, 26, 80, 81, 82, 83, 84, 85, 86, 87, 88, 42},
       {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 48, 49, 50, 51, 52, 53, 54, 55, 11, 10,
        64, 65, 66, 67, 68, 69, 70, 71, 27, 26, 80, 81, 82, 83, 84, 85, 86, 87, 43, 42},
       {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 48, 49, 50, 51, 15, 14, 13, 12, 11, 10,
        64, 65, 66, 67, 31, 30, 29, 28, 27, 26, 80, 81, 82, 83, 47, 46, 45, 44, 43, 42}};

std::uint16_t signExtend(std::uint16_t v, int precision)
{
    int x = v;
    if (x & (1 << (precision - 1)))
        x |= ~((1 << precision) - 1);
    return std::uint16_t(x);
}

int unquantize(std::uint16_t v, int precision, bool sign)
{
    if (!sign) {
        const int x = v;
        if (precision >= 15)
            return x;
        if (x == 0)
            return 0;
        if (x == (1 << precision) - 1)
            return 0xffff;
        return ((x << 15) + 0x4000) >> (precision - 1);
    }
    int x = std::int16_t(v);
    if (precision >= 16)
        return x;
    const bool negative = x < 0;
    if (negative)
        x = -x;
    if (x != 0)
        x = x >= (1 << (precision - 1)) - 1 ? 0x7fff : ((x << 15) + 0x4000) >> (precision - 1);
    return negative ? -x : x;
}

float halfToFloat(std::uint16_t h)
{
    std::uint32_t bitsOut = std::uint32_t(h & 0x7fff) << 13;
    float value;
    std::memcpy(&value, &bitsOut, 4);
    value *= 5.192296858534828e33f; // 2^112
    if (value >= 65536.0f) {
        std::memcpy(&bitsOut, &value, 4);
        bitsOut |= 255u << 23;
        std::memcpy(&value, &bitsOut, 4);
    }
    std::memcpy(&bitsOut, &value, 4);
    bitsOut |= std::uint32_t(h & 0x8000) << 16;
    std::memcpy(&value, &bitsOut, 4);
    return value;
}

std::uint8_t bc6Channel(int v, bool sign)
{
    float value;
    if (sign)
        value = v < 0 ? halfToFloat(std::uint16_t(0x8000 | ((-v) * 31) / 32))
                      : halfToFloat(std::uint16_t((v * 31) / 32));
    else
        value = halfToFloat(std::uint16_t((v * 31) / 64));
    if (value < 0.0f)
        return 0;
    if (value > 1.0f)
        return 255;
    return std::uint8_t(value * 255.0f);
}

std::uint8_t bit1(const std::uint8_t* src, int bit)
{
    return (src[bit >> 3] >> (bit & 7)) & 1;
}

void bc6Block(Rgba* col, const std::uint8_t* src, bool sign)
{
    int bit = 5;
    int endpointBits = 75;
    int ib = 3;
    int mode = src[0] & 0x1f;
    if ((mode & 3) == 0 || (mode & 3) == 1) {
        mode &= 3;
        bit = 2;
    } else if ((mode & 3) == 2) {
        mode = 2 + (mode >> 2);
        endpointBits = 72;
    } else {
        mode = 10 + (mode >> 2);
        endpointBits = 60;
        ib = 4;
    }
    if (mode >= 14) {
        for (int i = 0; i < 16; ++i)
            col[i] = {0, 0, 0, 0};
        return;
    }
    const Bc6Mode& m = kBc6Modes[mode];
    const std::uint8_t* cw = weights(ib);
    const int endpoints = m.ns == 2 ? 12 : 6;
    std::uint16_t e[12] = {};
    for (int i = 0; i < endpointBits; ++i) {
        const int target = kBc6Packings[mode][i];
        e[target >> 4] = std::uint16_t(e[target >> 4] | (bit1(src, bit + i) << (target & 15)));
    }
    bit += endpointBits;
    const std::uint8_t partition = bits(src, bit, m.pb);
    bit += m.pb;
    const int mask = (1 << m.epb) - 1;
    if (sign)
        for (int i = 0; i < 3; ++i)
            e[i] = signExtend(e[i], m.epb);
    if (sign || m.tr)
        for (int i = 3; i < endpoints; i += 3) {
            e[i] = signExtend(e[i], m.rb);
            e[i + 1] = signExtend(e[i + 1], m.gb);
            e[i + 2] = signExtend(e[i + 2], m.bb);
        }
    if (m.tr)
        for (int i = 3; i < endpoints; i += 3)
            for (int c = 0; c < 3; ++c)
                e[i + c] = std::uint16_t((e[i + c] + e[c]) & mask);
    int u[12] = {};
    for (int i = 0; i < endpoints; ++i)
        u[i] = unquantize(e[i], m.epb, sign);
    for (int i = 0; i < 16; ++i) {
        const int subset = (m.ns == 2 ? 1 & (kPartitions2[partition] >> i) : 0) * 6;
        int indexBits = ib;
        if (i == 0 || (m.ns == 2 && i == kAnchor2[partition]))
            --indexBits;
        const int index = bits(src, bit, indexBits);
        bit += indexBits;
        const int s = cw[index], t = 64 - s;
        const int* e0 = &u[subset];
        const int* e1 = &u[subset + 3];
        col[i].r = bc6Channel((e0[0] * t + e1[0] * s) >> 6, sign);
        col[i].g = bc6Channel((e0[1] * t + e1[1] * s) >> 6, sign);
        col[i].b = bc6Channel((e0[2] * t + e1[2] * s) >> 6, sign);
    }
}

// Decodes every 4x4 block, row by row of blocks, clipped to the image.
bool decodeBlocks(const std::uint8_t* in, std::size_t size, Kind kind, PilImage& image)
{
    const std::size_t blockBytes = (kind == Kind::Bc1 || kind == Kind::Bc4) ? 8 : 16;
    const std::size_t blocksX = (std::size_t(image.width) + 3) / 4;
    const std::size_t blocksY = (std::size_t(image.height) + 3) / 4;
    if (size / blockBytes < blocksX * blocksY)
        return false;
    const std::size_t pixelBytes = std::size_t(pilModeBytes(image.mode));
    for (std::size_t by = 0; by < blocksY; ++by) {
        for (std::size_t bx = 0; bx < blocksX; ++bx) {
            const std::uint8_t* src = in + (by * blocksX + bx) * blockBytes;
            Rgba col[16];
            std::uint8_t lum[16] = {};
            switch (kind) {
            case Kind::Bc1:
                bc1Colors(col, src, false);
                break;
            case Kind::Bc2:
                bc1Colors(col, src + 8, true);
                for (int n = 0; n < 16; ++n) {
                    const int av = 0xf & (src[(n * 4) >> 3] >> ((n * 4) & 7));
                    col[n].a = std::uint8_t((av << 4) | av);
                }
                break;
            case Kind::Bc3:
                bc1Colors(col, src + 8, true);
                bc3Alpha(reinterpret_cast<std::uint8_t*>(col), src, 4, 3, false);
                break;
            case Kind::Bc4:
                bc3Alpha(lum, src, 1, 0, false);
                break;
            case Kind::Bc5:
            case Kind::Bc5Signed:
                bc3Alpha(reinterpret_cast<std::uint8_t*>(col), src, 4, 0, kind == Kind::Bc5Signed);
                bc3Alpha(reinterpret_cast<std::uint8_t*>(col), src + 8, 4, 1, kind == Kind::Bc5Signed);
                break;
            case Kind::Bc6:
            case Kind::Bc6Signed:
                bc6Block(col, src, kind == Kind::Bc6Signed);
                break;
            case Kind::Bc7:
                bc7Block(col, src);
                break;
            default:
                return false;
            }
            for (std::size_t j = 0; j < 4; ++j) {
                const std::size_t y = by * 4 + j;
                if (y >= std::size_t(image.height))
                    continue;
                for (std::size_t i = 0; i < 4; ++i) {
                    const std::size_t x = bx * 4 + i;
                    if (x >= std::size_t(image.width))
                        continue;
                    std::uint8_t* out = image.data.data() + (y * std::size_t(image.width) + x) * pixelBytes;
                    const Rgba& c = col[j * 4 + i];
                    if (image.mode == PilMode::L) {
                        out[0] = lum[j * 4 + i];
                    } else {
                        out[0] = c.r;
                        out[1] = c.g;
                        out[2] = c.b;
                        if (pixelBytes == 4)
                            out[3] = c.a;
                    }
                }
            }
        }
    }
    return true;
}

} // namespace

namespace formats {

bool decodeBc1Blocks(const std::uint8_t* data, std::size_t size, PilImage& image)
{
    return decodeBlocks(data, size, Kind::Bc1, image);
}

} // namespace formats

bool looksLikeDds(const std::uint8_t* data, std::size_t size)
{
    return readDds(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeDds(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const DdsHeader h = readDds(bytes);
    if (h.verdict == Verdict::NotIdentified)
        return fail(name, "not a DDS file Pillow can identify (" + h.why + ")");
    if (h.verdict == Verdict::Refused)
        return fail(name, "unsupported DDS (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    if (h.kind == Kind::Raw && !h.hasRawMode)
        return fail(name, "unsupported DDS (a channel order Pillow has no reader for)");
    PilImage image = newImage(h.mode, int(h.width), int(h.height));
    const std::uint8_t* start = data + std::min<std::uint64_t>(h.dataOffset, size);
    const std::size_t available = bytes.available(h.dataOffset);
    if (h.kind == Kind::Raw) {
        const RawOutcome outcome = rawDecode(start, available, h.raw, 0, false, image);
        if (outcome.kind != RawOutcome::Filled)
            return truncated(name, "DDS", "the pixel data", h.dataOffset + outcome.needed, size);
        return image;
    }
    if (!decodeBlocks(start, available, h.kind, image))
        return fail(name, "truncated DDS (the compressed blocks end before the last one)");
    return image;
}

} // namespace lens
