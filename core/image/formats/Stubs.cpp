#include "image/formats/Stubs.h"

#include "image/formats/FormatSupport.h"

#include <cstring>

namespace lens {

using namespace formats;

bool looksLikeBufr(const std::uint8_t* data, std::size_t size)
{
    return size >= 4 && (std::memcmp(data, "BUFR", 4) == 0 || std::memcmp(data, "ZCZC", 4) == 0);
}

bool looksLikeGrib(const std::uint8_t* data, std::size_t size)
{
    return size >= 8 && std::memcmp(data, "GRIB", 4) == 0 && data[7] == 1;
}

bool looksLikeHdf5(const std::uint8_t* data, std::size_t size)
{
    return size >= 8 && std::memcmp(data, "\x89HDF\r\n\x1a\n", 8) == 0;
}

bool looksLikeWmf(const std::uint8_t* data, std::size_t size)
{
    const ByteView bytes(data, size);
    auto s16 = [&](std::size_t at) { return std::int64_t(std::int16_t(bytes.le16(at))); };
    auto s32 = [&](std::size_t at) { return std::int64_t(std::int32_t(bytes.le32(at))); };
    const std::size_t head = std::min<std::size_t>(size, 80);
    if (head >= 6 && std::memcmp(data, "\xd7\xcd\xc6\x9a\x00\x00", 6) == 0) {
        if (head < 16)
            return false;
        const std::int64_t inch = bytes.le16(14);
        if (inch == 0)
            return true; // Pillow divides by it and fails: it took the file.
        // Python's floor division.
        auto floorDiv
            = [](std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
        const std::int64_t width = floorDiv((s16(10) - s16(6)) * 72, inch);
        const std::int64_t height = floorDiv((s16(12) - s16(8)) * 72, inch);
        if (head < 26 || std::memcmp(data + 22, "\x01\x00\t\x00", 4) != 0)
            return false;
        return width > 0 && height > 0;
    }
    if (head >= 44 && std::memcmp(data, "\x01\x00\x00\x00", 4) == 0
        && std::memcmp(data + 40, " EMF", 4) == 0) {
        if (s32(32) - s32(24) == 0 || s32(36) - s32(28) == 0)
            return true; // a division by zero in Pillow: it took the file.
        return s32(16) - s32(8) > 0 && s32(20) - s32(12) > 0;
    }
    return false;
}

bool looksLikeMpeg(const std::uint8_t* data, std::size_t size)
{
    if (size < 7 || std::memcmp(data, "\x00\x00\x01\xb3", 4) != 0)
        return false;
    const int width = (data[4] << 4) | (data[5] >> 4);
    const int height = ((data[5] & 0x0f) << 8) | data[6];
    return width > 0 && height > 0;
}

Error refuseUndecodable(const std::string& name, const std::string& format)
{
    if (format == "MPEG")
        return fail(name, "an MPEG video: Pillow identifies it but cannot decode it");
    return fail(name, "a " + format + " file: Pillow identifies it but has no decoder for it here");
}

} // namespace lens
