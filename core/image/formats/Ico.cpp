#include "image/formats/Ico.h"

#include "image/formats/Dib.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

struct IcoEntry {
    int width = 0;
    int height = 0;
    int bpp = 0;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
    int colorDepth = 0;
    std::int64_t square = 0;
};

// IcoFile: the directory, sorted as Pillow sorts it (stable by colour depth, then stable by area, then
// reversed); Pillow decodes the first entry of that order.
bool readDirectory(const ByteView& bytes, std::vector<IcoEntry>& entries)
{
    const std::size_t count = bytes.le16(4);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint64_t at = 6 + 16 * std::uint64_t(i);
        if (!bytes.has(at, 16))
            return false;
        IcoEntry e;
        e.width = bytes.u8(std::size_t(at)) ? bytes.u8(std::size_t(at)) : 256;
        e.height = bytes.u8(std::size_t(at + 1)) ? bytes.u8(std::size_t(at + 1)) : 256;
        const int colors = bytes.u8(std::size_t(at + 2));
        e.bpp = bytes.le16(std::size_t(at + 6));
        e.size = bytes.le32(std::size_t(at + 8));
        e.offset = bytes.le32(std::size_t(at + 12));
        // bpp or (nb_color != 0 and ceil(log(nb_color, 2))) or 256
        int depth = e.bpp;
        if (!depth && colors)
            depth = int(std::ceil(std::log(double(colors)) / std::log(2.0)));
        e.colorDepth = depth ? depth : 256;
        e.square = std::int64_t(e.width) * e.height;
        entries.push_back(e);
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const IcoEntry& a, const IcoEntry& b) { return a.colorDepth < b.colorDepth; });
    std::stable_sort(entries.begin(), entries.end(),
                     [](const IcoEntry& a, const IcoEntry& b) { return a.square < b.square; });
    std::reverse(entries.begin(), entries.end());
    return !entries.empty();
}

bool isPng(const ByteView& bytes, std::uint64_t offset)
{
    static const std::uint8_t magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    return bytes.has(offset, 8) && std::memcmp(bytes.data() + offset, magic, 8) == 0;
}

struct IcoPlan {
    Verdict verdict = Verdict::Opened;
    Error error;
    IcoEntry entry;
    bool png = false;
    DibRequest request;
    DibInfo dib;
};

IcoPlan planIco(const ByteView& bytes, const std::string& name)
{
    IcoPlan plan;
    std::vector<IcoEntry> entries;
    if (bytes.size() < 6 || std::memcmp(bytes.data(), "\0\0\1\0", 4) != 0 || !readDirectory(bytes, entries)) {
        plan.verdict = Verdict::NotIdentified;
        plan.error = fail(name, "not an ICO file Pillow can identify (no icon directory, or it ends early)");
        return plan;
    }
    plan.entry = entries.front();
    if (isPng(bytes, plan.entry.offset)) {
        plan.png = true;
        return plan;
    }
    plan.request.headerOffset = plan.entry.offset;
    plan.request.memoryMapped = false;
    plan.request.format = "ICO";
    DibHeader header = readDibHeader(bytes, plan.request, name);
    if (header.verdict != DibVerdict::Opened) {
        plan.verdict = header.verdict == DibVerdict::Refused ? Verdict::Refused : Verdict::NotIdentified;
        plan.error = header.error;
        return plan;
    }
    plan.dib = std::move(header.info);
    return plan;
}

// The DIB's pixels as RGBA (Pillow's convert("RGBA")): palette lookups with gray past the palette's end.
void toRgba(const PilImage& in, std::uint8_t* out)
{
    const std::size_t count = std::size_t(in.width) * std::size_t(in.height);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint8_t* o = out + 4 * i;
        o[3] = 255;
        switch (in.mode) {
        case PilMode::P: {
            const std::size_t index = in.data[i];
            if (3 * index + 3 <= in.palette.size())
                std::memcpy(o, in.palette.data() + 3 * index, 3);
            else
                o[0] = o[1] = o[2] = std::uint8_t(index);
            break;
        }
        case PilMode::RGB:
            std::memcpy(o, in.data.data() + 3 * i, 3);
            break;
        case PilMode::RGBA:
            std::memcpy(o, in.data.data() + 4 * i, 4);
            break;
        default: // 1 and L
            o[0] = o[1] = o[2] = in.data[i];
            break;
        }
    }
}

} // namespace

bool looksLikeIco(const std::uint8_t* data, std::size_t size)
{
    return planIco(ByteView(data, size), {}).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeIco(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits, const EmbeddedPngDecoder& png)
{
    const ByteView bytes(data, size);
    IcoPlan plan = planIco(bytes, name);
    if (plan.verdict != Verdict::Opened)
        return plan.error;
    if (plan.png) {
        if (!png)
            return fail(name, "the icon holds a PNG image, and no PNG decoder was given");
        return png(data + plan.entry.offset, size - std::size_t(plan.entry.offset));
    }

    DibInfo& dib = plan.dib;
    if (std::optional<Error> error = checkPixelLimit(dib.width, dib.height, name, limits))
        return *error;
    // The DIB's height counts the XOR image and the AND mask.
    dib.height /= 2;
    const std::int64_t width = dib.width;
    const std::int64_t height = dib.height;
    if (height == 0)
        return fail(name, "the icon's bitmap has no rows once its mask is set apart");

    std::vector<std::uint8_t> alpha(std::size_t(width * height));
    if (plan.entry.bpp == 32) {
        // Pillow takes every fourth byte from the pixel data as alpha, whatever the DIB's depth.
        const std::uint64_t needed = 4 * std::uint64_t(width * height);
        if (bytes.available(dib.pixelOffset) < needed)
            return truncated(name, "ICO", "the 32-bit icon's alpha", dib.pixelOffset + needed, size);
        const std::uint8_t* in = data + dib.pixelOffset;
        for (std::int64_t y = 0; y < height; ++y)
            for (std::int64_t x = 0; x < width; ++x)
                alpha[std::size_t((height - 1 - y) * width + x)] = in[4 * (y * width + x) + 3];
    } else {
        // The AND mask: 1 bit per pixel, rows padded to 32 bits, bottom-up, set bits transparent. Pillow
        // finds it at the end of the entry as the directory states it.
        const std::uint64_t paddedWidth = (std::uint64_t(width) + 31) / 32 * 32;
        const std::uint64_t total = paddedWidth * std::uint64_t(height) / 8;
        const std::uint64_t end = plan.entry.offset + plan.entry.size;
        if (end < total)
            return fail(name, "corrupt ICO (the icon's mask would start before the file)");
        const std::uint64_t maskOffset = end - total;
        const std::uint64_t stride = paddedWidth / 8;
        const std::uint64_t needed = (std::uint64_t(height) - 1) * stride + (std::uint64_t(width) + 7) / 8;
        const std::uint64_t got = std::min<std::uint64_t>(total, bytes.available(maskOffset));
        if (got < needed)
            return truncated(name, "ICO", "the icon's mask", maskOffset + needed, size);
        const std::uint8_t* in = data + maskOffset;
        for (std::int64_t y = 0; y < height; ++y)
            unpackRow(RawMode::OneI, alpha.data() + std::size_t((height - 1 - y) * width),
                      in + std::uint64_t(y) * stride, int(width));
    }

    Result<PilImage> xorImage = loadDib(bytes, dib, plan.request, name);
    if (!xorImage)
        return xorImage.error();
    PilImage image = newImage(PilMode::RGBA, int(width), int(height));
    toRgba(*xorImage, image.data.data());
    for (std::size_t i = 0; i < alpha.size(); ++i)
        image.data[4 * i + 3] = alpha[i];
    return image;
}

namespace {

struct CurPlan {
    Verdict verdict = Verdict::Opened;
    Error error;
    DibRequest request;
    DibInfo dib;
};

CurPlan planCur(const ByteView& bytes, const std::string& name)
{
    CurPlan plan;
    auto notIdentified = [&](const char* why) {
        plan.verdict = Verdict::NotIdentified;
        plan.error = fail(name, std::string("not a CUR file Pillow can identify (") + why + ")");
        return plan;
    };
    if (bytes.size() < 6 || std::memcmp(bytes.data(), "\0\0\2\0", 4) != 0)
        return notIdentified("no cursor signature");
    // Pillow keeps the first entry unless a later one is larger in both the width and the height byte.
    const std::size_t count = bytes.le16(4);
    std::uint64_t pos = 6;
    std::uint64_t chosen = 0;
    std::size_t chosenLength = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t length = std::min<std::size_t>(16, bytes.available(pos));
        if (chosenLength == 0) {
            chosen = pos;
            chosenLength = length;
        } else {
            if (length < 1)
                return notIdentified("the cursor directory ends early");
            if (bytes.u8(std::size_t(pos)) > bytes.u8(std::size_t(chosen))) {
                if (length < 2 || chosenLength < 2)
                    return notIdentified("the cursor directory ends early");
                if (bytes.u8(std::size_t(pos + 1)) > bytes.u8(std::size_t(chosen + 1))) {
                    chosen = pos;
                    chosenLength = length;
                }
            }
        }
        pos += length;
    }
    if (chosenLength == 0)
        return notIdentified("no cursors in the file");
    if (chosenLength < 16)
        return notIdentified("the cursor directory ends early");
    const std::uint64_t header = bytes.le32(std::size_t(chosen + 12));
    plan.request.headerOffset = header ? header : pos;
    plan.request.cursorAt22 = header == 22;
    plan.request.memoryMapped = true;
    plan.request.format = "CUR";
    DibHeader dib = readDibHeader(bytes, plan.request, name);
    if (dib.verdict != DibVerdict::Opened) {
        plan.verdict = dib.verdict == DibVerdict::Refused ? Verdict::Refused : Verdict::NotIdentified;
        plan.error = dib.error;
        return plan;
    }
    plan.dib = std::move(dib.info);
    plan.dib.height /= 2;
    if (plan.dib.height == 0)
        return notIdentified("the cursor's bitmap has no rows once its mask is set apart");
    return plan;
}

} // namespace

bool looksLikeCur(const std::uint8_t* data, std::size_t size)
{
    return planCur(ByteView(data, size), {}).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeCur(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    CurPlan plan = planCur(bytes, name);
    if (plan.verdict != Verdict::Opened)
        return plan.error;
    if (std::optional<Error> error = checkPixelLimit(plan.dib.width, plan.dib.height, name, limits))
        return *error;
    return loadDib(bytes, plan.dib, plan.request, name);
}

} // namespace lens
