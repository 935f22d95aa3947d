#include "image/formats/Icns.h"

#include "image/formats/FormatSupport.h"

#include <cstring>
#include <map>

namespace lens {

namespace {

using namespace formats;

enum class Reader { PngOrJpeg2000, Rgb, RgbWithSignature, Mask };

struct Slot {
    const char* code;
    Reader reader;
};

struct IconSize {
    int width, height, scale;
    std::vector<Slot> slots;
};

// IcnsFile.SIZES, in Pillow's order (which matters for the readers of one size).
const std::vector<IconSize>& iconSizes()
{
    static const std::vector<IconSize> sizes = {
        {512, 512, 2, {{"ic10", Reader::PngOrJpeg2000}}},
        {512, 512, 1, {{"ic09", Reader::PngOrJpeg2000}}},
        {256, 256, 2, {{"ic14", Reader::PngOrJpeg2000}}},
        {256, 256, 1, {{"ic08", Reader::PngOrJpeg2000}}},
        {128, 128, 2, {{"ic13", Reader::PngOrJpeg2000}}},
        {128,
         128,
         1,
         {{"ic07", Reader::PngOrJpeg2000}, {"it32", Reader::RgbWithSignature}, {"t8mk", Reader::Mask}}},
        {64, 64, 1, {{"icp6", Reader::PngOrJpeg2000}}},
        {32, 32, 2, {{"ic12", Reader::PngOrJpeg2000}}},
        {48, 48, 1, {{"ih32", Reader::Rgb}, {"h8mk", Reader::Mask}}},
        {32, 32, 1, {{"icp5", Reader::PngOrJpeg2000}, {"il32", Reader::Rgb}, {"l8mk", Reader::Mask}}},
        {16, 16, 2, {{"ic11", Reader::PngOrJpeg2000}}},
        {16, 16, 1, {{"icp4", Reader::PngOrJpeg2000}, {"is32", Reader::Rgb}, {"s8mk", Reader::Mask}}},
    };
    return sizes;
}

struct Element {
    std::uint64_t start = 0;
    std::int64_t length = 0;
};

struct IcnsLayout {
    bool identified = false;
    std::string why;
    std::map<std::string, Element> elements;
    const IconSize* best = nullptr;
    std::vector<const IconSize*> present;
};

IcnsLayout readLayout(const ByteView& bytes)
{
    IcnsLayout l;
    if (bytes.size() < 8 || std::memcmp(bytes.data(), "icns", 4) != 0) {
        l.why = "no \"icns\" header";
        return l;
    }
    const std::uint64_t fileSize = bytes.be32(4);
    std::uint64_t i = 8;
    std::size_t walked = 0;
    while (i < fileSize) {
        // Elements shorter than their own header make Pillow step a byte at a time; bound the walk.
        if (++walked > (std::size_t(1) << 20)) {
            l.why = "more than a million elements";
            return l;
        }
        if (!bytes.has(i, 8)) {
            l.why = "the element directory ends early";
            return l;
        }
        const std::string code(reinterpret_cast<const char*>(bytes.data()) + i, 4);
        const std::uint32_t blockSize = bytes.be32(std::size_t(i + 4));
        if (blockSize == 0) {
            l.why = "an element of size 0";
            return l;
        }
        i += 8;
        l.elements[code] = {i, std::int64_t(blockSize) - 8};
        i += std::uint64_t(std::int64_t(blockSize) - 8);
    }
    for (const IconSize& s : iconSizes())
        for (const Slot& slot : s.slots)
            if (l.elements.count(slot.code)) {
                l.present.push_back(&s);
                break;
            }
    for (const IconSize* s : l.present) {
        const auto key = [](const IconSize* x) { return std::make_tuple(x->width, x->height, x->scale); };
        if (!l.best || key(s) > key(l.best))
            l.best = s;
    }
    if (!l.best) {
        l.why = "no icon size Pillow reads";
        return l;
    }
    l.identified = true;
    return l;
}

// read_32: raw RGB when the element is exactly width * height * 3 bytes, else three channels of Apple's
// run-length scheme, read from the element's start for as long as the runs ask.
Result<PilImage> readRgb(const ByteView& bytes, const Element& e, int width, int height,
                         const std::string& name)
{
    const std::size_t pixels = std::size_t(width) * std::size_t(height);
    PilImage image = newImage(PilMode::RGB, width, height);
    if (e.length == std::int64_t(pixels * 3)) {
        if (bytes.available(e.start) < pixels * 3)
            return fail(name, "truncated ICNS (an RGB icon ends early)");
        std::memcpy(image.data.data(), bytes.data() + e.start, pixels * 3);
        return image;
    }
    std::uint64_t p = e.start;
    std::vector<std::uint8_t> channel;
    for (int band = 0; band < 3; ++band) {
        channel.clear();
        std::int64_t left = std::int64_t(pixels);
        while (left > 0) {
            if (p >= bytes.size())
                break;
            const int control = bytes.u8(std::size_t(p++));
            std::int64_t block;
            if (control & 0x80) {
                block = control - 125;
                const bool have = p < bytes.size();
                const std::uint8_t value = have ? bytes.u8(std::size_t(p)) : 0;
                if (have) {
                    ++p;
                    channel.insert(channel.end(), std::size_t(block), value);
                }
            } else {
                block = control + 1;
                const std::size_t got = std::min<std::size_t>(std::size_t(block), bytes.available(p));
                channel.insert(channel.end(), bytes.data() + p, bytes.data() + p + got);
                p += got;
            }
            left -= block;
        }
        if (left != 0)
            return fail(name, "corrupt ICNS (an icon channel's run-length data does not add up to its size)");
        if (channel.size() < pixels)
            return fail(name, "truncated ICNS (an icon channel ends early)");
        for (std::size_t k = 0; k < pixels; ++k)
            image.data[3 * k + std::size_t(band)] = channel[k];
    }
    return image;
}

} // namespace

bool looksLikeIcns(const std::uint8_t* data, std::size_t size)
{
    return readLayout(ByteView(data, size)).identified;
}

Result<PilImage> decodeIcns(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits, const EmbeddedPngDecoder& png)
{
    const ByteView bytes(data, size);
    const IcnsLayout layout = readLayout(bytes);
    if (!layout.identified)
        return fail(name, "not an ICNS file Pillow can identify (" + layout.why + ")");
    const IconSize& best = *layout.best;
    const int width = best.width * best.scale;
    const int height = best.height * best.scale;
    if (std::optional<Error> error = checkPixelLimit(width, height, name, limits))
        return *error;

    std::optional<PilImage> rgba, rgb, mask;
    for (const Slot& slot : best.slots) {
        const auto found = layout.elements.find(slot.code);
        if (found == layout.elements.end())
            continue;
        Element e = found->second;
        switch (slot.reader) {
        case Reader::PngOrJpeg2000: {
            static const std::uint8_t pngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
            const std::uint8_t* at = data + std::min<std::uint64_t>(e.start, size);
            const std::size_t have = bytes.available(e.start);
            if (have >= 8 && std::memcmp(at, pngMagic, 8) == 0) {
                if (!png)
                    return fail(name, "the icon holds a PNG image, and no PNG decoder was given");
                Result<PilImage> decoded = png(at, have);
                if (!decoded)
                    return decoded.error();
                rgba = std::move(decoded.value());
            } else if ((have >= 4
                        && (std::memcmp(at, "\xff\x4f\xff\x51", 4) == 0
                            || std::memcmp(at, "\x0d\x0a\x87\x0a", 4) == 0))
                       || (have >= 12 && std::memcmp(at, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", 12) == 0)) {
                return fail(name, "unsupported ICNS (a JPEG 2000 icon, which is not decoded here)");
            } else {
                return fail(name, "unsupported ICNS (an icon element that is neither PNG nor JPEG 2000)");
            }
            break;
        }
        case Reader::RgbWithSignature:
            if (!bytes.has(e.start, 4) || bytes.le32(std::size_t(e.start)) != 0)
                return fail(name, "corrupt ICNS (the 128x128 icon lacks its zero signature)");
            e.start += 4;
            e.length -= 4;
            [[fallthrough]];
        case Reader::Rgb: {
            Result<PilImage> decoded = readRgb(bytes, e, width, height, name);
            if (!decoded)
                return decoded.error();
            rgb = std::move(decoded.value());
            break;
        }
        case Reader::Mask: {
            const std::size_t pixels = std::size_t(width) * std::size_t(height);
            if (bytes.available(e.start) < pixels)
                return fail(name, "truncated ICNS (an icon mask ends early)");
            PilImage m = newImage(PilMode::L, width, height);
            std::memcpy(m.data.data(), data + e.start, pixels);
            mask = std::move(m);
            break;
        }
        }
    }
    if (rgba) {
        // Pillow sets the image to the PNG's size, which must be one of the icon sizes the file lists.
        bool listed = false;
        for (const IconSize* s : layout.present)
            listed = listed || (rgba->width == s->width * s->scale && rgba->height == s->height * s->scale);
        if (!listed)
            return fail(name,
                        "corrupt ICNS (a PNG icon of " + number(std::uint64_t(rgba->width)) + " x "
                            + number(std::uint64_t(rgba->height)) + " pixels, not a size the file lists)");
        return std::move(*rgba);
    }
    if (!rgb)
        return fail(name, "corrupt ICNS (the largest icon has a mask but no image)");
    if (!mask)
        return std::move(*rgb);
    PilImage image = newImage(PilMode::RGBA, width, height);
    const std::size_t pixels = std::size_t(width) * std::size_t(height);
    for (std::size_t k = 0; k < pixels; ++k) {
        std::memcpy(image.data.data() + 4 * k, rgb->data.data() + 3 * k, 3);
        image.data[4 * k + 3] = mask->data[k];
    }
    return image;
}

} // namespace lens
