#include "image/Exif.h"

#include <cstring>

namespace lens {

namespace {

constexpr std::uint16_t kOrientationTag = 0x0112;

struct Reader {
    const std::uint8_t* data;
    std::size_t size;
    bool little;

    bool has(std::uint64_t offset, std::uint64_t count) const
    {
        return offset <= size && count <= size - offset;
    }
    std::uint32_t u16(std::size_t at) const
    {
        return little ? std::uint32_t(data[at] | (data[at + 1] << 8))
                      : std::uint32_t((data[at] << 8) | data[at + 1]);
    }
    std::uint32_t u32(std::size_t at) const
    {
        return little ? (u16(at) | (u16(at + 2) << 16)) : ((u16(at) << 16) | u16(at + 2));
    }
};

} // namespace

int exifOrientation(const std::uint8_t* data, std::size_t size)
{
    if (size >= 6 && std::memcmp(data, "Exif\0\0", 6) == 0) {
        data += 6;
        size -= 6;
    }
    if (size < 8)
        return 1;
    Reader r {data, size, false};
    if (std::memcmp(data, "II*\0", 4) == 0)
        r.little = true;
    else if (std::memcmp(data, "MM\0*", 4) != 0)
        return 1;
    const std::uint32_t ifd = r.u32(4);
    if (!r.has(ifd, 2))
        return 1;
    const std::uint32_t entries = r.u16(ifd);
    int orientation = 1;
    // Pillow keeps the entries read before a truncation, and a later entry for a tag replaces an earlier one.
    for (std::uint32_t i = 0; i < entries && r.has(ifd + 2 + std::uint64_t(i) * 12, 12); ++i) {
        const std::size_t at = ifd + 2 + std::size_t(i) * 12;
        if (r.u16(at) != kOrientationTag)
            continue;
        const std::uint32_t type = r.u16(at + 2);
        const std::uint32_t count = r.u32(at + 4);
        long value = 0;
        if (count != 1)
            value = 0;
        else if (type == 3) // SHORT
            value = long(r.u16(at + 8));
        else if (type == 8) // SSHORT
            value = long(std::int16_t(r.u16(at + 8)));
        else if (type == 4) // LONG
            value = long(r.u32(at + 8));
        else if (type == 9) // SLONG
            value = long(std::int32_t(r.u32(at + 8)));
        else if (type == 6) // SBYTE
            value = long(std::int8_t(data[at + 8]));
        orientation = value >= 1 && value <= 8 ? int(value) : 1;
    }
    return orientation;
}

bool orientationSwapsAxes(int orientation)
{
    return orientation >= 5 && orientation <= 8;
}

void transposeForOrientation(int orientation, const std::uint8_t* in, int width, int height, int pixelBytes,
                             std::uint8_t* out)
{
    const std::size_t w = std::size_t(width), h = std::size_t(height), n = std::size_t(pixelBytes);
    const bool swap = orientationSwapsAxes(orientation);
    const std::size_t outWidth = swap ? h : w;
    for (std::size_t y = 0; y < h; ++y) {
        for (std::size_t x = 0; x < w; ++x) {
            // Where source pixel (x, y) lands.
            std::size_t ox = x, oy = y;
            switch (orientation) {
            case 2: // FLIP_LEFT_RIGHT
                ox = w - 1 - x;
                break;
            case 3: // ROTATE_180
                ox = w - 1 - x;
                oy = h - 1 - y;
                break;
            case 4: // FLIP_TOP_BOTTOM
                oy = h - 1 - y;
                break;
            case 5: // TRANSPOSE
                ox = y;
                oy = x;
                break;
            case 6: // ROTATE_270 (clockwise)
                ox = h - 1 - y;
                oy = x;
                break;
            case 7: // TRANSVERSE
                ox = h - 1 - y;
                oy = w - 1 - x;
                break;
            case 8: // ROTATE_90 (counter-clockwise)
                ox = y;
                oy = w - 1 - x;
                break;
            default:
                break;
            }
            std::memcpy(out + (oy * outWidth + ox) * n, in + (y * w + x) * n, n);
        }
    }
}

} // namespace lens
