#include "image/PilImage.h"

#include <algorithm>
#include <cstring>
#include <lcms2.h>
#include <memory>
#include <stdexcept>

namespace lens {

namespace {

// Pillow's MULDIV255 (libImaging/ImPlatform.h): a * b / 255, rounded, without a division.
inline int mulDiv255(int a, int b)
{
    const int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

inline std::uint8_t clip8(int v)
{
    return static_cast<std::uint8_t>(v <= 0 ? 0 : v >= 255 ? 255 : v);
}

// libImaging/ConvertYCbCr.c's fixed-point tables (SCALE 6), as Pillow 9.4 ships them.
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

// Pillow's palette: the file's entries, then the gray ramp ImagingPaletteNew starts from.
void fullPalette(const PilImage& image, std::uint8_t (&table)[256 * 3])
{
    for (int i = 0; i < 256; ++i)
        table[3 * i] = table[3 * i + 1] = table[3 * i + 2] = static_cast<std::uint8_t>(i);
    std::memcpy(table, image.palette.data(),
                std::min<std::size_t>(image.palette.size() / 3 * 3, sizeof table));
}

template <typename Value> Value loadNative(const std::uint8_t* p)
{
    Value v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline void gray(std::uint8_t* out, std::uint8_t v)
{
    out[0] = out[1] = out[2] = v;
}

// Image.convert("RGB") of a LAB image: ImageCms.buildTransform(createProfile("LAB"), createProfile("sRGB"),
// "LAB", "RGB") applied row by row, in Pillow's four-byte pixels (its "LAB" type is PT_LabV2 with one extra
// byte, its "RGB" TYPE_RGBA_8). A transform per call: LittleCMS's cached transforms are not thread-safe.
void labToRgb(const PilImage& image, std::uint8_t* out)
{
    struct Profile {
        cmsHPROFILE p;
        ~Profile()
        {
            if (p)
                cmsCloseProfile(p);
        }
    };
    const Profile lab {cmsCreateLab2Profile(nullptr)}, srgb {cmsCreate_sRGBProfile()};
    if (!lab.p || !srgb.p)
        throw std::runtime_error("LittleCMS could not create the Lab or sRGB profile");
    const cmsUInt32Number labType = COLORSPACE_SH(PT_LabV2) | CHANNELS_SH(3) | BYTES_SH(1) | EXTRA_SH(1);
    const std::unique_ptr<void, void (*)(void*)> transform(
        cmsCreateTransform(lab.p, labType, srgb.p, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0),
        [](void* t) { cmsDeleteTransform(t); });
    if (!transform)
        throw std::runtime_error("LittleCMS could not build the Lab to sRGB transform");
    const std::size_t width = std::size_t(image.width);
    std::vector<std::uint8_t> in(width * 4), rgba(width * 4);
    for (int y = 0; y < image.height; ++y) {
        const std::uint8_t* row = image.data.data() + std::size_t(y) * width * 3;
        for (std::size_t x = 0; x < width; ++x) {
            std::memcpy(&in[4 * x], row + 3 * x, 3);
            in[4 * x + 3] = 255;
        }
        cmsDoTransform(transform.get(), in.data(), rgba.data(), cmsUInt32Number(width));
        std::uint8_t* dst = out + std::size_t(y) * width * 3;
        for (std::size_t x = 0; x < width; ++x)
            std::memcpy(dst + 3 * x, &rgba[4 * x], 3);
    }
}

} // namespace

void pilYCbCrToRgb(std::uint8_t y, std::uint8_t cb, std::uint8_t cr, std::uint8_t* rgb)
{
    const int r = y + (kRCr[cr] >> 6);
    const int g = y + ((kGCb[cb] + kGCr[cr]) >> 6);
    const int b = y + (kBCb[cb] >> 6);
    rgb[0] = clip8(r);
    rgb[1] = clip8(g);
    rgb[2] = clip8(b);
}

const char* pilModeName(PilMode mode)
{
    switch (mode) {
    case PilMode::One:
        return "1";
    case PilMode::L:
        return "L";
    case PilMode::P:
        return "P";
    case PilMode::PA:
        return "PA";
    case PilMode::LA:
        return "LA";
    case PilMode::RGB:
        return "RGB";
    case PilMode::RGBA:
        return "RGBA";
    case PilMode::RGBX:
        return "RGBX";
    case PilMode::CMYK:
        return "CMYK";
    case PilMode::I:
        return "I";
    case PilMode::I16:
        return "I;16";
    case PilMode::F:
        return "F";
    case PilMode::LAB:
        return "LAB";
    case PilMode::YCbCr:
        return "YCbCr";
    }
    return "?";
}

void toRgb(const PilImage& image, std::uint8_t* out)
{
    const std::size_t pixels = std::size_t(image.width) * std::size_t(image.height);
    const int bytes = pilModeBytes(image.mode);
    if (image.width < 0 || image.height < 0 || image.data.size() < pixels * std::size_t(bytes))
        throw std::invalid_argument("toRgb: the pixel buffer is smaller than the image");
    const std::uint8_t* in = image.data.data();
    switch (image.mode) {
    case PilMode::One:
        for (std::size_t i = 0; i < pixels; ++i)
            gray(out + 3 * i, in[i] ? 255 : 0);
        break;
    case PilMode::L:
        for (std::size_t i = 0; i < pixels; ++i)
            gray(out + 3 * i, in[i]);
        break;
    case PilMode::LA:
        for (std::size_t i = 0; i < pixels; ++i)
            gray(out + 3 * i, in[2 * i]);
        break;
    case PilMode::P:
    case PilMode::PA: {
        std::uint8_t table[256 * 3];
        fullPalette(image, table);
        for (std::size_t i = 0; i < pixels; ++i)
            std::memcpy(out + 3 * i, table + 3 * in[std::size_t(bytes) * i], 3);
        break;
    }
    case PilMode::RGB:
        std::memcpy(out, in, pixels * 3);
        break;
    case PilMode::RGBA:
    case PilMode::RGBX:
        for (std::size_t i = 0; i < pixels; ++i)
            std::memcpy(out + 3 * i, in + 4 * i, 3);
        break;
    case PilMode::CMYK:
        // Pillow's cmyk2rgb (libImaging/Convert.c).
        for (std::size_t i = 0; i < pixels; ++i) {
            const std::uint8_t* p = in + 4 * i;
            const int nk = 255 - p[3];
            for (int c = 0; c < 3; ++c)
                out[3 * i + c] = clip8(nk - mulDiv255(p[c], nk));
        }
        break;
    case PilMode::I:
        // i2rgb: clip to 0..255.
        for (std::size_t i = 0; i < pixels; ++i) {
            const std::int32_t v = loadNative<std::int32_t>(in + 4 * i);
            gray(out + 3 * i, static_cast<std::uint8_t>(v <= 0 ? 0 : v >= 255 ? 255 : v));
        }
        break;
    case PilMode::I16:
        // No direct converter: convert() goes through "L" (I16L_L), which saturates.
        for (std::size_t i = 0; i < pixels; ++i) {
            const std::uint16_t v = loadNative<std::uint16_t>(in + 2 * i);
            gray(out + 3 * i, static_cast<std::uint8_t>(v >= 255 ? 255 : v));
        }
        break;
    case PilMode::F:
        // No direct converter: convert() goes through "L" (f2l), which clips, then truncates toward zero.
        // A NaN fails both comparisons; Pillow's (UINT8) cast of it gives 0 on x86.
        for (std::size_t i = 0; i < pixels; ++i) {
            const float v = loadNative<float>(in + 4 * i);
            std::uint8_t level = 0;
            if (v >= 255.0f)
                level = 255;
            else if (v > 0.0f)
                level = static_cast<std::uint8_t>(v);
            gray(out + 3 * i, level);
        }
        break;
    case PilMode::LAB:
        labToRgb(image, out);
        break;
    case PilMode::YCbCr:
        for (std::size_t i = 0; i < pixels; ++i)
            pilYCbCrToRgb(in[3 * i], in[3 * i + 1], in[3 * i + 2], out + 3 * i);
        break;
    }
}

std::vector<std::uint8_t> toRgb(const PilImage& image)
{
    std::vector<std::uint8_t> out(std::size_t(image.width) * std::size_t(image.height) * 3);
    toRgb(image, out.data());
    return out;
}

} // namespace lens
