#include "image/Jpeg2000Decoder.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <openjpeg.h>
#include <optional>
#include <vector>

namespace lens {

namespace {

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

std::uint64_t be(const std::uint8_t* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | p[i];
    return v;
}

// ---------------------------------------------------------------------------------------------------------
// Jpeg2KImagePlugin's header parse: the mode and size Pillow settles on before it decodes anything.

struct Header {
    bool jp2 = false;
    std::string mode; // "L", "I;16", "LA", "RGB", "RGBA"
    std::int64_t width = 0, height = 0;
};

std::string modeFor(std::uint64_t components, bool wide)
{
    switch (components) {
    case 1:
        return wide ? "I;16" : "L";
    case 2:
        return "LA";
    case 3:
        return "RGB";
    case 4:
        return "RGBA";
    default:
        return {};
    }
}

// BoxReader over [start, end) of the file (end = SIZE_MAX: no known length, reads stop at the file's end).
class Boxes {
public:
    Boxes(const std::uint8_t* data, std::size_t size, std::size_t start, std::size_t end, bool known)
        : m_data(data)
        , m_size(size)
        , m_pos(start)
        , m_start(start)
        , m_end(end)
        , m_known(known)
    { }

    bool hasNext() const
    {
        return !m_known || std::int64_t(m_pos - m_start) + m_remaining < std::int64_t(m_end - m_start);
    }

    // The next box's type, or nullopt where Pillow raises.
    std::optional<std::string> next()
    {
        if (m_remaining > 0)
            m_pos += std::size_t(m_remaining);
        m_remaining = -1;
        std::uint64_t length = 0;
        const std::uint8_t* p = read(8);
        if (!p)
            return std::nullopt;
        length = be(p, 4);
        const std::string type(reinterpret_cast<const char*>(p + 4), 4);
        std::uint64_t headerLength = 8;
        if (length == 1) {
            const std::uint8_t* q = read(8);
            if (!q)
                return std::nullopt;
            length = be(q, 8);
            headerLength = 16;
        }
        if (length < headerLength || !canRead(length - headerLength))
            return std::nullopt;
        m_remaining = std::int64_t(length - headerLength);
        return type;
    }

    const std::uint8_t* read(std::uint64_t count)
    {
        if (!canRead(count) || m_pos > m_size || count > m_size - m_pos)
            return nullptr;
        const std::uint8_t* p = m_data + m_pos;
        m_pos += std::size_t(count);
        if (m_remaining > 0)
            m_remaining -= std::int64_t(count);
        return p;
    }

    // The rest of this box as a reader of its own (read_boxes).
    std::optional<Boxes> children()
    {
        const std::int64_t size = m_remaining;
        if (size < 0 || !read(std::uint64_t(size)))
            return std::nullopt;
        return Boxes(m_data, m_size, m_pos - std::size_t(size), m_pos, true);
    }

private:
    bool canRead(std::uint64_t count) const
    {
        if (m_known && (m_pos - m_start) + count > m_end - m_start)
            return false;
        if (m_remaining >= 0)
            return count <= std::uint64_t(m_remaining);
        return true;
    }

    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos;
    std::size_t m_start, m_end;
    bool m_known;
    std::int64_t m_remaining = -1;
};

std::optional<Header> readHeader(const std::uint8_t* data, std::size_t size)
{
    Header h;
    if (size >= 4 && std::memcmp(data, "\xff\x4f\xff\x51", 4) == 0) {
        // _parse_codestream. Pillow reads the per-component bytes from offset 36 of the SIZ segment, two
        // bytes early, so its "precision" test looks at the first component's Ssiz byte.
        if (size < 6)
            return std::nullopt;
        const std::size_t lsiz = std::size_t(be(data + 4, 2));
        if (lsiz < 2)
            return std::nullopt;
        const std::size_t sizBytes = std::min(size - 4, lsiz);
        const std::uint8_t* siz = data + 4;
        if (sizBytes < 38)
            return std::nullopt;
        const std::int64_t xsiz = std::int64_t(be(siz + 4, 4)), ysiz = std::int64_t(be(siz + 8, 4));
        const std::int64_t xosiz = std::int64_t(be(siz + 12, 4)), yosiz = std::int64_t(be(siz + 16, 4));
        const std::uint64_t csiz = be(siz + 36, 2);
        if (36 + 3 * csiz > sizBytes)
            return std::nullopt;
        const bool wide = csiz >= 1 && (siz[38] & 0x7F) > 8;
        h.width = xsiz - xosiz;
        h.height = ysiz - yosiz;
        h.mode = modeFor(csiz, wide);
        return h;
    }
    if (size < 12 || std::memcmp(data, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", 12) != 0)
        return std::nullopt;
    h.jp2 = true;
    // _parse_jp2_header: the top-level boxes up to jp2h, then its ihdr.
    Boxes top(data, size, 12, SIZE_MAX, false);
    std::optional<Boxes> header;
    while (top.hasNext()) {
        const auto type = top.next();
        if (!type)
            return std::nullopt;
        if (*type == "jp2h") {
            header = top.children();
            if (!header)
                return std::nullopt;
            break;
        }
        if (*type == "ftyp" && !top.read(4))
            return std::nullopt;
    }
    if (!header)
        return std::nullopt;
    bool haveSize = false;
    while (header->hasNext()) {
        const auto type = header->next();
        if (!type)
            return std::nullopt;
        if (*type == "ihdr") {
            const std::uint8_t* p = header->read(11);
            if (!p)
                return std::nullopt;
            h.height = std::int64_t(be(p, 4));
            h.width = std::int64_t(be(p + 4, 4));
            const std::uint64_t components = be(p + 8, 2);
            const int bpc = p[10];
            haveSize = true;
            const std::string mode = modeFor(components, components == 1 && (bpc & 0x7F) > 8);
            if (!mode.empty())
                h.mode = mode;
        }
    }
    if (!haveSize || h.mode.empty())
        return std::nullopt;
    return h;
}

// ---------------------------------------------------------------------------------------------------------
// Jpeg2KDecode.c

const std::int16_t kRCr[256] = {
    -11484, -11394, -11305, -11215, -11125, -11036, -10946, -10856, -10766, -10677, -10587, -10497, -10407,
    -10318, -10228, -10138, -10049, -9959,  -9869,  -9779,  -9690,  -9600,  -9510,  -9420,  -9331,  -9241,
    -9151,  -9062,  -8972,  -8882,  -8792,  -8703,  -8613,  -8523,  -8433,  -8344,  -8254,  -8164,  -8075,
    -7985,  -7895,  -7805,  -7716,  -7626,  -7536,  -7446,  -7357,  -7267,  -7177,  -7088,  -6998,  -6908,
    -6818,  -6729,  -6639,  -6549,  -6459,  -6370,  -6280,  -6190,  -6101,  -6011,  -5921,  -5831,  -5742,
    -5652,  -5562,  -5472,  -5383,  -5293,  -5203,  -5113,  -5024,  -4934,  -4844,  -4755,  -4665,  -4575,
    -4485,  -4396,  -4306,  -4216,  -4126,  -4037,  -3947,  -3857,  -3768,  -3678,  -3588,  -3498,  -3409,
    -3319,  -3229,  -3139,  -3050,  -2960,  -2870,  -2781,  -2691,  -2601,  -2511,  -2422,  -2332,  -2242,
    -2152,  -2063,  -1973,  -1883,  -1794,  -1704,  -1614,  -1524,  -1435,  -1345,  -1255,  -1165,  -1076,
    -986,   -896,   -807,   -717,   -627,   -537,   -448,   -358,   -268,   -178,   -89,    0,      90,
    179,    269,    359,    449,    538,    628,    718,    808,    897,    987,    1077,   1166,   1256,
    1346,   1436,   1525,   1615,   1705,   1795,   1884,   1974,   2064,   2153,   2243,   2333,   2423,
    2512,   2602,   2692,   2782,   2871,   2961,   3051,   3140,   3230,   3320,   3410,   3499,   3589,
    3679,   3769,   3858,   3948,   4038,   4127,   4217,   4307,   4397,   4486,   4576,   4666,   4756,
    4845,   4935,   5025,   5114,   5204,   5294,   5384,   5473,   5563,   5653,   5743,   5832,   5922,
    6012,   6102,   6191,   6281,   6371,   6460,   6550,   6640,   6730,   6819,   6909,   6999,   7089,
    7178,   7268,   7358,   7447,   7537,   7627,   7717,   7806,   7896,   7986,   8076,   8165,   8255,
    8345,   8434,   8524,   8614,   8704,   8793,   8883,   8973,   9063,   9152,   9242,   9332,   9421,
    9511,   9601,   9691,   9780,   9870,   9960,   10050,  10139,  10229,  10319,  10408,  10498,  10588,
    10678,  10767,  10857,  10947,  11037,  11126,  11216,  11306,  11395,
};
const std::int16_t kGCb[256] = {
    2819,  2797,  2775,  2753,  2731,  2709,  2687,  2665,  2643,  2621,  2599,  2577,  2555,  2533,  2511,
    2489,  2467,  2445,  2423,  2401,  2379,  2357,  2335,  2313,  2291,  2269,  2247,  2225,  2202,  2180,
    2158,  2136,  2114,  2092,  2070,  2048,  2026,  2004,  1982,  1960,  1938,  1916,  1894,  1872,  1850,
    1828,  1806,  1784,  1762,  1740,  1718,  1696,  1674,  1652,  1630,  1608,  1586,  1564,  1542,  1520,
    1498,  1476,  1454,  1432,  1410,  1388,  1366,  1344,  1321,  1299,  1277,  1255,  1233,  1211,  1189,
    1167,  1145,  1123,  1101,  1079,  1057,  1035,  1013,  991,   969,   947,   925,   903,   881,   859,
    837,   815,   793,   771,   749,   727,   705,   683,   661,   639,   617,   595,   573,   551,   529,
    507,   485,   463,   440,   418,   396,   374,   352,   330,   308,   286,   264,   242,   220,   198,
    176,   154,   132,   110,   88,    66,    44,    22,    0,     -21,   -43,   -65,   -87,   -109,  -131,
    -153,  -175,  -197,  -219,  -241,  -263,  -285,  -307,  -329,  -351,  -373,  -395,  -417,  -439,  -462,
    -484,  -506,  -528,  -550,  -572,  -594,  -616,  -638,  -660,  -682,  -704,  -726,  -748,  -770,  -792,
    -814,  -836,  -858,  -880,  -902,  -924,  -946,  -968,  -990,  -1012, -1034, -1056, -1078, -1100, -1122,
    -1144, -1166, -1188, -1210, -1232, -1254, -1276, -1298, -1320, -1343, -1365, -1387, -1409, -1431, -1453,
    -1475, -1497, -1519, -1541, -1563, -1585, -1607, -1629, -1651, -1673, -1695, -1717, -1739, -1761, -1783,
    -1805, -1827, -1849, -1871, -1893, -1915, -1937, -1959, -1981, -2003, -2025, -2047, -2069, -2091, -2113,
    -2135, -2157, -2179, -2201, -2224, -2246, -2268, -2290, -2312, -2334, -2356, -2378, -2400, -2422, -2444,
    -2466, -2488, -2510, -2532, -2554, -2576, -2598, -2620, -2642, -2664, -2686, -2708, -2730, -2752, -2774,
    -2796,
};
const std::int16_t kGCr[256] = {
    5850,  5805,  5759,  5713,  5667,  5622,  5576,  5530,  5485,  5439,  5393,  5347,  5302,  5256,  5210,
    5165,  5119,  5073,  5028,  4982,  4936,  4890,  4845,  4799,  4753,  4708,  4662,  4616,  4570,  4525,
    4479,  4433,  4388,  4342,  4296,  4251,  4205,  4159,  4113,  4068,  4022,  3976,  3931,  3885,  3839,
    3794,  3748,  3702,  3656,  3611,  3565,  3519,  3474,  3428,  3382,  3336,  3291,  3245,  3199,  3154,
    3108,  3062,  3017,  2971,  2925,  2879,  2834,  2788,  2742,  2697,  2651,  2605,  2559,  2514,  2468,
    2422,  2377,  2331,  2285,  2240,  2194,  2148,  2102,  2057,  2011,  1965,  1920,  1874,  1828,  1782,
    1737,  1691,  1645,  1600,  1554,  1508,  1463,  1417,  1371,  1325,  1280,  1234,  1188,  1143,  1097,
    1051,  1006,  960,   914,   868,   823,   777,   731,   686,   640,   594,   548,   503,   457,   411,
    366,   320,   274,   229,   183,   137,   91,    46,    0,     -45,   -90,   -136,  -182,  -228,  -273,
    -319,  -365,  -410,  -456,  -502,  -547,  -593,  -639,  -685,  -730,  -776,  -822,  -867,  -913,  -959,
    -1005, -1050, -1096, -1142, -1187, -1233, -1279, -1324, -1370, -1416, -1462, -1507, -1553, -1599, -1644,
    -1690, -1736, -1781, -1827, -1873, -1919, -1964, -2010, -2056, -2101, -2147, -2193, -2239, -2284, -2330,
    -2376, -2421, -2467, -2513, -2558, -2604, -2650, -2696, -2741, -2787, -2833, -2878, -2924, -2970, -3016,
    -3061, -3107, -3153, -3198, -3244, -3290, -3335, -3381, -3427, -3473, -3518, -3564, -3610, -3655, -3701,
    -3747, -3793, -3838, -3884, -3930, -3975, -4021, -4067, -4112, -4158, -4204, -4250, -4295, -4341, -4387,
    -4432, -4478, -4524, -4569, -4615, -4661, -4707, -4752, -4798, -4844, -4889, -4935, -4981, -5027, -5072,
    -5118, -5164, -5209, -5255, -5301, -5346, -5392, -5438, -5484, -5529, -5575, -5621, -5666, -5712, -5758,
    -5804,
};
const std::int16_t kBCb[256] = {
    -14515, -14402, -14288, -14175, -14062, -13948, -13835, -13721, -13608, -13495, -13381, -13268, -13154,
    -13041, -12928, -12814, -12701, -12587, -12474, -12360, -12247, -12134, -12020, -11907, -11793, -11680,
    -11567, -11453, -11340, -11226, -11113, -11000, -10886, -10773, -10659, -10546, -10433, -10319, -10206,
    -10092, -9979,  -9865,  -9752,  -9639,  -9525,  -9412,  -9298,  -9185,  -9072,  -8958,  -8845,  -8731,
    -8618,  -8505,  -8391,  -8278,  -8164,  -8051,  -7938,  -7824,  -7711,  -7597,  -7484,  -7371,  -7257,
    -7144,  -7030,  -6917,  -6803,  -6690,  -6577,  -6463,  -6350,  -6236,  -6123,  -6010,  -5896,  -5783,
    -5669,  -5556,  -5443,  -5329,  -5216,  -5102,  -4989,  -4876,  -4762,  -4649,  -4535,  -4422,  -4309,
    -4195,  -4082,  -3968,  -3855,  -3741,  -3628,  -3515,  -3401,  -3288,  -3174,  -3061,  -2948,  -2834,
    -2721,  -2607,  -2494,  -2381,  -2267,  -2154,  -2040,  -1927,  -1814,  -1700,  -1587,  -1473,  -1360,
    -1246,  -1133,  -1020,  -906,   -793,   -679,   -566,   -453,   -339,   -226,   -112,   0,      113,
    227,    340,    454,    567,    680,    794,    907,    1021,   1134,   1247,   1361,   1474,   1588,
    1701,   1815,   1928,   2041,   2155,   2268,   2382,   2495,   2608,   2722,   2835,   2949,   3062,
    3175,   3289,   3402,   3516,   3629,   3742,   3856,   3969,   4083,   4196,   4310,   4423,   4536,
    4650,   4763,   4877,   4990,   5103,   5217,   5330,   5444,   5557,   5670,   5784,   5897,   6011,
    6124,   6237,   6351,   6464,   6578,   6691,   6804,   6918,   7031,   7145,   7258,   7372,   7485,
    7598,   7712,   7825,   7939,   8052,   8165,   8279,   8392,   8506,   8619,   8732,   8846,   8959,
    9073,   9186,   9299,   9413,   9526,   9640,   9753,   9866,   9980,   10093,  10207,  10320,  10434,
    10547,  10660,  10774,  10887,  11001,  11114,  11227,  11341,  11454,  11568,  11681,  11794,  11908,
    12021,  12135,  12248,  12361,  12475,  12588,  12702,  12815,  12929,  13042,  13155,  13269,  13382,
    13496,  13609,  13722,  13836,  13949,  14063,  14176,  14289,  14403,
};

// Pillow's ImagingConvertYCbCr2RGB on one row of four-byte pixels, in place.
void yccToRgb(std::uint8_t* row, unsigned pixels)
{
    for (unsigned x = 0; x < pixels; ++x, row += 4) {
        const int y = row[0], cb = row[1], cr = row[2];
        const int r = y + (kRCr[cr] >> 6);
        const int g = y + ((kGCb[cb] + kGCr[cr]) >> 6);
        const int b = y + (kBCb[cb] >> 6);
        row[0] = std::uint8_t(r <= 0 ? 0 : r >= 255 ? 255 : r);
        row[1] = std::uint8_t(g <= 0 ? 0 : g >= 255 ? 255 : g);
        row[2] = std::uint8_t(b <= 0 ? 0 : b >= 255 ? 255 : b);
    }
}

inline unsigned shifted(unsigned x, int n)
{
    return n < 0 ? x >> -n : x << n;
}

// A component's sample layout as Pillow computes it: bytes per sample (3 -> 4), shift to the target depth,
// and the rounding and sign offset added before the shift.
struct Component {
    int csiz;
    int shift;
    int offset;
    unsigned dx, dy;
};

Component component(const opj_image_comp_t& c, int bits)
{
    Component out;
    out.shift = bits - int(c.prec);
    out.offset = c.sgnd ? 1 << (c.prec - 1) : 0;
    out.csiz = int((c.prec + 7) >> 3);
    if (out.csiz == 3)
        out.csiz = 4;
    if (out.shift < 0)
        out.offset += 1 << (-out.shift - 1);
    out.dx = c.dx;
    out.dy = c.dy;
    return out;
}

inline unsigned sample(const std::uint8_t* p, int csiz, std::size_t index)
{
    switch (csiz) {
    case 1:
        return p[index];
    case 2: {
        std::uint16_t v;
        std::memcpy(&v, p + 2 * index, 2);
        return v;
    }
    case 4: {
        std::uint32_t v;
        std::memcpy(&v, p + 4 * index, 4);
        return v;
    }
    default:
        return 0;
    }
}

struct TileInfo {
    OPJ_UINT32 index;
    OPJ_UINT32 dataSize;
    OPJ_INT32 x0, y0, x1, y1;
    OPJ_UINT32 components;
};

// Pillow's image memory: 1 byte a pixel for L, 2 for I;16, 4 for LA, RGB and RGBA.
struct Canvas {
    int width, height, pixelBytes;
    std::vector<std::uint8_t> pixels;
    std::uint8_t* row(unsigned y)
    {
        return pixels.data() + std::size_t(y) * std::size_t(width) * std::size_t(pixelBytes);
    }
};

enum class Unpacker { GrayL, GrayI, GrayRgb, GrayaLa, SrgbRgb, SyccRgb, SrgbaRgba, SyccaRgba };

void unpack(Unpacker kind, const opj_image_t* in, const TileInfo& tile, const std::uint8_t* data, Canvas& im)
{
    const unsigned x0 = unsigned(tile.x0) - in->x0, y0 = unsigned(tile.y0) - in->y0;
    const unsigned w = unsigned(tile.x1 - tile.x0), h = unsigned(tile.y1 - tile.y0);
    switch (kind) {
    case Unpacker::GrayL:
    case Unpacker::GrayI:
    case Unpacker::GrayRgb: {
        const Component c = component(in->comps[0], kind == Unpacker::GrayI ? 16 : 8);
        for (unsigned y = 0; y < h; ++y) {
            const std::uint8_t* src = data + std::size_t(c.csiz) * y * w;
            // j2ku_gray_rgb steps its row by x0 bytes, not pixels, as Pillow 9.4 does.
            std::uint8_t* row = im.row(y0 + y) + (kind == Unpacker::GrayI ? 2 * std::size_t(x0) : x0);
            for (unsigned x = 0; x < w; ++x) {
                const unsigned v = shifted(unsigned(c.offset) + sample(src, c.csiz, x), c.shift);
                if (kind == Unpacker::GrayL) {
                    row[x] = std::uint8_t(v);
                } else if (kind == Unpacker::GrayI) {
                    const std::uint16_t pixel = std::uint16_t(v);
                    std::memcpy(row + 2 * x, &pixel, 2);
                } else {
                    row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = std::uint8_t(v);
                    row[4 * x + 3] = 0xFF;
                }
            }
        }
        return;
    }
    case Unpacker::GrayaLa: {
        const Component c = component(in->comps[0], 8), a = component(in->comps[1], 8);
        const std::uint8_t* alpha = data + std::size_t(c.csiz) * w * h;
        for (unsigned y = 0; y < h; ++y) {
            const std::uint8_t* src = data + std::size_t(c.csiz) * y * w;
            const std::uint8_t* asrc = alpha + std::size_t(a.csiz) * y * w;
            std::uint8_t* row = im.row(y0 + y) + std::size_t(x0) * 4;
            for (unsigned x = 0; x < w; ++x) {
                const std::uint8_t v
                    = std::uint8_t(shifted(unsigned(c.offset) + sample(src, c.csiz, x), c.shift));
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = v;
                row[4 * x + 3] = std::uint8_t(shifted(unsigned(a.offset) + sample(asrc, a.csiz, x), a.shift));
            }
        }
        return;
    }
    default:
        break;
    }
    const bool four = kind == Unpacker::SrgbaRgba || kind == Unpacker::SyccaRgba;
    const bool ycc = kind == Unpacker::SyccRgb || kind == Unpacker::SyccaRgba;
    const unsigned count = four ? 4 : 3;
    Component c[4];
    const std::uint8_t* planes[4];
    const std::uint8_t* p = data;
    for (unsigned n = 0; n < count; ++n) {
        c[n] = component(in->comps[n], 8);
        planes[n] = p;
        p += std::size_t(c[n].csiz) * (w / c[n].dx) * (h / c[n].dy);
    }
    for (unsigned y = 0; y < h; ++y) {
        std::uint8_t* row = im.row(y0 + y) + std::size_t(x0) * 4;
        const std::uint8_t* src[4];
        for (unsigned n = 0; n < count; ++n)
            src[n] = planes[n] + std::size_t(c[n].csiz) * (y / c[n].dy) * (w / c[n].dx);
        for (unsigned x = 0; x < w; ++x) {
            for (unsigned n = 0; n < count; ++n)
                row[4 * x + n] = std::uint8_t(
                    shifted(unsigned(c[n].offset) + sample(src[n], c[n].csiz, x / c[n].dx), c[n].shift));
            if (!four)
                row[4 * x + 3] = 0xFF;
        }
        if (ycc)
            yccToRgb(row, w);
    }
}

struct Rule {
    const char* mode;
    OPJ_COLOR_SPACE space;
    unsigned components;
    bool subsampling;
    Unpacker unpacker;
};

const Rule kRules[] = {
    {"L", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayL},
    {"I;16", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayI},
    {"LA", OPJ_CLRSPC_GRAY, 2, false, Unpacker::GrayaLa},
    {"RGB", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayRgb},
    {"RGB", OPJ_CLRSPC_GRAY, 2, false, Unpacker::GrayRgb},
    {"RGB", OPJ_CLRSPC_SRGB, 3, true, Unpacker::SrgbRgb},
    {"RGB", OPJ_CLRSPC_SYCC, 3, true, Unpacker::SyccRgb},
    {"RGB", OPJ_CLRSPC_SRGB, 4, true, Unpacker::SrgbRgb},
    {"RGB", OPJ_CLRSPC_SYCC, 4, true, Unpacker::SyccRgb},
    {"RGBA", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayRgb},
    {"RGBA", OPJ_CLRSPC_GRAY, 2, false, Unpacker::GrayaLa},
    {"RGBA", OPJ_CLRSPC_SRGB, 3, true, Unpacker::SrgbRgb},
    {"RGBA", OPJ_CLRSPC_SYCC, 3, true, Unpacker::SyccRgb},
    {"RGBA", OPJ_CLRSPC_SRGB, 4, true, Unpacker::SrgbaRgba},
    {"RGBA", OPJ_CLRSPC_SYCC, 4, true, Unpacker::SyccaRgba},
};

// Pillow hands OpenJPEG its file object: reads return -1 at the end, skips return the new position.
struct Stream {
    const std::uint8_t* data;
    std::size_t size;
    std::uint64_t position;
};

OPJ_SIZE_T readStream(void* buffer, OPJ_SIZE_T count, void* user)
{
    auto* s = static_cast<Stream*>(user);
    if (s->position >= s->size)
        return OPJ_SIZE_T(-1);
    const std::size_t n = std::size_t(std::min<std::uint64_t>(count, s->size - s->position));
    std::memcpy(buffer, s->data + s->position, n);
    s->position += n;
    return n ? n : OPJ_SIZE_T(-1);
}

OPJ_OFF_T skipStream(OPJ_OFF_T count, void* user)
{
    auto* s = static_cast<Stream*>(user);
    const std::int64_t target = std::int64_t(s->position) + count;
    if (target < 0)
        return -1;
    s->position = std::uint64_t(target);
    return target ? OPJ_OFF_T(target) : -1;
}

void keepFirstError(const char* message, void* user)
{
    auto* text = static_cast<std::string*>(user);
    if (text->empty() && message) {
        *text = message;
        while (!text->empty() && (text->back() == '\n' || text->back() == ' '))
            text->pop_back();
    }
}

void ignoreMessage(const char*, void*)
{ }

struct Owned {
    opj_stream_t* stream = nullptr;
    opj_codec_t* codec = nullptr;
    opj_image_t* image = nullptr;
    ~Owned()
    {
        if (codec)
            opj_destroy_codec(codec);
        if (image)
            opj_image_destroy(image);
        if (stream)
            opj_stream_destroy(stream);
    }
};

} // namespace

bool looksLikeJpeg2000(const std::uint8_t* data, std::size_t size)
{
    return (size >= 4 && std::memcmp(data, "\xff\x4f\xff\x51", 4) == 0)
        || (size >= 12 && std::memcmp(data, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", 12) == 0);
}

Result<PilImage> decodeJpeg2000(const std::uint8_t* data, std::size_t size, const std::string& name,
                                const DecodeLimits& limits)
{
    const auto header = readHeader(data, size);
    if (!header)
        return fail(name, "not a JPEG 2000 file Pillow opens (a malformed header)");
    if (header->width <= 0 || header->height <= 0 || header->width > INT_MAX || header->height > INT_MAX)
        return fail(name,
                    "not a JPEG 2000 file Pillow opens (the image is " + std::to_string(header->width) + "x"
                        + std::to_string(header->height) + " pixels)");
    if (header->width > limits.maxPixels / header->height)
        return fail(name,
                    "the image is " + std::to_string(header->width) + "x" + std::to_string(header->height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");
    const std::string& mode = header->mode;
    const int pixelBytes = mode == "L" ? 1 : mode == "I;16" ? 2 : 4;
    Canvas canvas {int(header->width), int(header->height), pixelBytes, {}};
    canvas.pixels.assign(std::size_t(canvas.width) * std::size_t(canvas.height) * std::size_t(pixelBytes), 0);

    std::string error;
    const auto broken = [&](const char* what) {
        return fail(name,
                    std::string("corrupt JPEG 2000 data (") + (error.empty() ? what : error.c_str()) + ")");
    };
    Stream source {data, size, 0};
    Owned o;
    o.stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    if (!o.stream)
        return fail(name, "out of memory");
    opj_stream_set_read_function(o.stream, readStream);
    opj_stream_set_skip_function(o.stream, skipStream);
    opj_stream_set_user_data(o.stream, &source, nullptr);
    opj_stream_set_user_data_length(o.stream, size);

    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    params.cp_reduce = 0;
    params.cp_layer = 0;
    o.codec = opj_create_decompress(header->jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    if (!o.codec)
        return fail(name, "out of memory");
    opj_set_error_handler(o.codec, keepFirstError, &error);
    opj_set_warning_handler(o.codec, ignoreMessage, nullptr);
    opj_set_info_handler(o.codec, ignoreMessage, nullptr);
    opj_setup_decoder(o.codec, &params);
    if (!opj_read_header(o.stream, o.codec, &o.image))
        return broken("OpenJPEG could not read its header");
    const opj_image_t* image = o.image;
    if (image->numcomps < 1 || image->numcomps > 4 || image->color_space == OPJ_CLRSPC_UNKNOWN)
        return broken("unsupported components or colour space");

    int subsampling = -1;
    for (unsigned n = 0; n < image->numcomps; ++n)
        if (image->comps[n].dx != 1 || image->comps[n].dy != 1) {
            subsampling = int(n);
            break;
        }
    OPJ_COLOR_SPACE space = image->color_space;
    if (space == OPJ_CLRSPC_UNSPECIFIED) {
        if (image->numcomps <= 2)
            space = OPJ_CLRSPC_GRAY;
        else if (subsampling == 1 || subsampling == 2)
            space = OPJ_CLRSPC_SYCC;
        else
            space = OPJ_CLRSPC_SRGB;
    }
    const Rule* rule = nullptr;
    for (const Rule& r : kRules)
        if (space == r.space && image->numcomps == r.components && (r.subsampling || subsampling == -1)
            && mode == r.mode) {
            rule = &r;
            break;
        }
    if (!rule)
        return broken("a component layout Pillow does not unpack");

    std::vector<std::uint8_t> buffer;
    unsigned totalComponentWidth = 0; // summed over every tile, as Pillow 9.4 does
    for (;;) {
        TileInfo tile {};
        OPJ_BOOL more = OPJ_FALSE;
        if (!opj_read_tile_header(o.codec, o.stream, &tile.index, &tile.dataSize, &tile.x0, &tile.y0,
                                  &tile.x1, &tile.y1, &tile.components, &more))
            return broken("OpenJPEG could not read a tile header");
        if (!more)
            break;
        if (tile.x0 >= tile.x1 || tile.y0 >= tile.y1 || tile.x0 < 0 || tile.y0 < 0
            || OPJ_UINT32(tile.x0) < image->x0 || OPJ_UINT32(tile.y0) < image->y0
            || OPJ_INT32(tile.x1 - OPJ_INT32(image->x0)) > canvas.width
            || OPJ_INT32(tile.y1 - OPJ_INT32(image->y0)) > canvas.height)
            return broken("a tile outside the image");
        if (tile.components != image->numcomps)
            return broken("a tile with another number of components");
        const unsigned tileWidth = unsigned(tile.x1 - tile.x0), tileHeight = unsigned(tile.y1 - tile.y0);
        for (unsigned n = 0; n < tile.components; ++n) {
            const int csize = int((image->comps[n].prec + 7) >> 3);
            totalComponentWidth += unsigned(csize == 3 ? 4 : csize);
        }
        if (totalComponentWidth == 0 || tileWidth > UINT_MAX / totalComponentWidth
            || tileHeight > UINT_MAX / totalComponentWidth
            || tileWidth > UINT_MAX / (tileHeight * totalComponentWidth)
            || tileHeight > UINT_MAX / (tileWidth * totalComponentWidth))
            return broken("a tile too large");
        const std::size_t tileBytes = std::size_t(tileWidth) * tileHeight * totalComponentWidth;
        std::size_t dataSize = std::max<std::size_t>(tile.dataSize, tileBytes);
        if (buffer.size() < dataSize)
            buffer.assign(dataSize, 0);
        if (!opj_decode_tile_data(o.codec, tile.index, buffer.data(), OPJ_UINT32(dataSize), o.stream))
            return broken("OpenJPEG could not decode a tile");
        unpack(rule->unpacker, image, tile, buffer.data(), canvas);
    }
    if (!opj_end_decompress(o.codec, o.stream))
        return broken("OpenJPEG could not finish decoding");

    PilImage out;
    out.width = canvas.width;
    out.height = canvas.height;
    const std::size_t pixels = std::size_t(out.width) * std::size_t(out.height);
    if (mode == "L") {
        out.mode = PilMode::L;
        out.data = std::move(canvas.pixels);
    } else if (mode == "I;16") {
        out.mode = PilMode::I16;
        out.data = std::move(canvas.pixels);
    } else if (mode == "LA") {
        out.mode = PilMode::LA;
        out.data.resize(pixels * 2);
        for (std::size_t i = 0; i < pixels; ++i) {
            out.data[2 * i] = canvas.pixels[4 * i];
            out.data[2 * i + 1] = canvas.pixels[4 * i + 3];
        }
    } else if (mode == "RGB") {
        out.mode = PilMode::RGB;
        out.data.resize(pixels * 3);
        for (std::size_t i = 0; i < pixels; ++i)
            std::memcpy(&out.data[3 * i], &canvas.pixels[4 * i], 3);
    } else {
        out.mode = PilMode::RGBA;
        out.data = std::move(canvas.pixels);
    }
    return out;
}

} // namespace lens
