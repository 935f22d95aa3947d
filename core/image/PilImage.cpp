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
    }
    return "?";
}

int pilModeBytes(PilMode mode)
{
    switch (mode) {
    case PilMode::One:
    case PilMode::L:
    case PilMode::P:
        return 1;
    case PilMode::PA:
    case PilMode::LA:
    case PilMode::I16:
        return 2;
    case PilMode::RGB:
    case PilMode::LAB:
        return 3;
    case PilMode::RGBA:
    case PilMode::RGBX:
    case PilMode::CMYK:
    case PilMode::I:
    case PilMode::F:
        return 4;
    }
    return 0;
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
    }
}

std::vector<std::uint8_t> toRgb(const PilImage& image)
{
    std::vector<std::uint8_t> out(std::size_t(image.width) * std::size_t(image.height) * 3);
    toRgb(image, out.data());
    return out;
}

} // namespace lens
