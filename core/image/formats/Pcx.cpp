#include "image/formats/Pcx.h"

#include "image/formats/FormatSupport.h"

#include <algorithm>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

struct PcxHeader {
    Verdict verdict = Verdict::NotIdentified;
    Error error;
    PilMode mode = PilMode::L;
    RawMode raw = RawMode::L;
    std::int64_t width = 0;
    std::int64_t height = 0;
    std::uint64_t lineBytes = 0;
    std::uint64_t pixelOffset = 0;
    std::vector<std::uint8_t> palette;
};

bool accepts(const ByteView& bytes, std::uint64_t at)
{
    if (!bytes.has(at, 2))
        return false;
    const int version = bytes.u8(std::size_t(at + 1));
    return bytes.u8(std::size_t(at)) == 10 && (version == 0 || version == 2 || version == 3 || version == 5);
}

// PcxImageFile._open on the PCX that starts at `at`. Inside a DCX Pillow seeks to absolute byte 128 after
// looking for an 8-bit palette, so `dcx` reproduces that.
PcxHeader readPcx(const ByteView& bytes, std::uint64_t at, bool dcx, const std::string& name)
{
    PcxHeader h;
    const char* format = dcx ? "DCX" : "PCX";
    h.error = fail(name, std::string("not a ") + format + " file Pillow can identify");
    if (!accepts(bytes, at) || !bytes.has(at, 68))
        return h;
    const std::size_t s = std::size_t(at);
    const std::int64_t x0 = bytes.le16(s + 4), y0 = bytes.le16(s + 6);
    const std::int64_t x1 = bytes.le16(s + 8) + 1, y1 = bytes.le16(s + 10) + 1;
    if (x1 <= x0 || y1 <= y0) {
        h.error = fail(name,
                       std::string("not a ") + format + " file Pillow can identify (its image box is empty)");
        return h;
    }
    const int version = bytes.u8(s + 1);
    const int bits = bytes.u8(s + 3);
    const int planes = bytes.u8(s + 65);
    const std::uint64_t providedStride = bytes.le16(s + 66);
    std::uint64_t pixelOffset = at + std::min<std::uint64_t>(128, bytes.available(at));
    h.verdict = Verdict::Opened;
    if (bits == 1 && planes == 1) {
        h.mode = PilMode::One;
        h.raw = RawMode::One;
    } else if (bits == 1 && (planes == 2 || planes == 4)) {
        h.mode = PilMode::P;
        h.raw = planes == 2 ? RawMode::P2L : RawMode::P4L;
        h.palette.assign(bytes.data() + s + 16, bytes.data() + s + 64);
    } else if (version == 5 && bits == 8 && planes == 1) {
        h.mode = PilMode::L;
        h.raw = RawMode::L;
        if (bytes.size() < 769) {
            h.verdict = Verdict::Refused;
            h.error
                = fail(name,
                       std::string("unsupported ") + format
                           + " (an 8-bit image in a file shorter than the 769 bytes Pillow seeks back for "
                             "its palette)");
            return h;
        }
        const std::uint8_t* tail = bytes.data() + bytes.size() - 769;
        if (tail[0] == 12) {
            for (int i = 0; i < 256; ++i)
                if (tail[1 + 3 * i] != i || tail[2 + 3 * i] != i || tail[3 + 3 * i] != i) {
                    h.mode = PilMode::P;
                    h.raw = RawMode::P;
                    h.palette.assign(tail + 1, tail + 769);
                    break;
                }
        }
        pixelOffset = 128;
    } else if (version == 5 && bits == 8 && planes == 3) {
        h.mode = PilMode::RGB;
        h.raw = RawMode::RGBL;
    } else {
        h.verdict = Verdict::Refused;
        h.error = fail(name,
                       std::string("unsupported ") + format + " (" + number(std::uint64_t(planes))
                           + " planes of " + number(std::uint64_t(bits)) + " bits, version "
                           + number(std::uint64_t(version)) + ")");
        return h;
    }
    h.width = x1 - x0;
    h.height = y1 - y0;
    // Pillow's own stride (CVE-2020-35653), evened when the header's differs.
    std::uint64_t stride = (std::uint64_t(h.width) * std::uint64_t(bits) + 7) / 8;
    if (providedStride != stride)
        stride += stride % 2;
    h.lineBytes = std::uint64_t(planes) * stride;
    h.pixelOffset = pixelOffset;
    return h;
}

// PcxDecode.c: RLE into a line buffer of lineBytes; a run that overflows the line is an error Pillow
// reports once the image is complete.
enum class RleOutcome { Done, Truncated, Overrun };

RleOutcome decodeRle(const ByteView& bytes, const PcxHeader& h, PilImage& image)
{
    const std::size_t xsize = std::size_t(image.width);
    const std::size_t lineBytes = std::size_t(h.lineBytes);
    if ((xsize * std::size_t(rawModeBits(h.raw)) + 7) / 8 > lineBytes)
        return RleOutcome::Overrun;
    std::vector<std::uint8_t> line(lineBytes, 0);
    const std::size_t outLine = xsize * std::size_t(pilModeBytes(image.mode));
    bool overrun = false;
    std::size_t x = 0;
    std::int64_t y = 0;
    std::uint64_t p = h.pixelOffset;
    const std::uint64_t end = bytes.size();
    while (true) {
        if (p >= end)
            return RleOutcome::Truncated;
        const std::uint8_t c = bytes.u8(std::size_t(p));
        if ((c & 0xC0) == 0xC0) {
            if (end - p < 2)
                return RleOutcome::Truncated;
            const std::uint8_t value = bytes.u8(std::size_t(p + 1));
            for (int n = c & 0x3F; n > 0; --n) {
                if (x >= lineBytes) {
                    overrun = true;
                    break;
                }
                line[x++] = value;
            }
            p += 2;
        } else {
            line[x++] = c;
            ++p;
        }
        if (x >= lineBytes) {
            // Pillow moves the planes together when the line is longer than the pixels (its way of
            // dropping the stride padding), whatever the depth.
            if (lineBytes % xsize && lineBytes > xsize) {
                const std::size_t bands = lineBytes / xsize;
                const std::size_t bandStride = lineBytes / bands;
                for (std::size_t i = 1; i < bands; ++i)
                    std::memmove(line.data() + i * xsize, line.data() + i * bandStride, xsize);
            }
            unpackRow(h.raw, image.data.data() + std::size_t(y) * outLine, line.data(), int(xsize));
            x = 0;
            if (++y >= image.height)
                return overrun ? RleOutcome::Overrun : RleOutcome::Done;
        }
    }
}

Result<PilImage> decode(const ByteView& bytes, const PcxHeader& h, const char* format,
                        const std::string& name, const DecodeLimits& limits)
{
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(h.mode, int(h.width), int(h.height));
    image.palette = h.palette;
    const RleOutcome outcome = decodeRle(bytes, h, image);
    if (outcome == RleOutcome::Truncated)
        return fail(name,
                    std::string("truncated ") + format + " (the run-length data ends before the last pixel)");
    if (outcome == RleOutcome::Overrun)
        return fail(name,
                    std::string("corrupt ") + format + " (a run-length packet runs past the end of a line)");
    return image;
}

constexpr std::uint32_t kDcxMagic = 0x3ADE68B1;

// DcxImageFile: up to 1024 offsets ending with 0; the first one is the image Pillow opens.
bool dcxFirstOffset(const ByteView& bytes, std::uint64_t& offset)
{
    if (bytes.size() < 4 || bytes.le32(0) != kDcxMagic)
        return false;
    if (!bytes.has(4, 4))
        return false;
    offset = bytes.le32(4);
    if (offset == 0)
        return false;
    // Pillow reads the directory to its terminating 0 (or 1024 entries) before opening the first image.
    for (std::uint64_t i = 1; i < 1024; ++i) {
        const std::uint64_t at = 4 + 4 * i;
        if (!bytes.has(at, 4))
            return false;
        if (bytes.le32(std::size_t(at)) == 0)
            break;
    }
    return true;
}

} // namespace

bool looksLikePcx(const std::uint8_t* data, std::size_t size)
{
    return readPcx(ByteView(data, size), 0, false, {}).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodePcx(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const PcxHeader h = readPcx(bytes, 0, false, name);
    if (h.verdict != Verdict::Opened)
        return h.error;
    return decode(bytes, h, "PCX", name, limits);
}

bool looksLikeDcx(const std::uint8_t* data, std::size_t size)
{
    const ByteView bytes(data, size);
    std::uint64_t offset = 0;
    return dcxFirstOffset(bytes, offset)
        && readPcx(bytes, offset, true, {}).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeDcx(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    std::uint64_t offset = 0;
    if (!dcxFirstOffset(bytes, offset))
        return fail(name, "not a DCX file Pillow can identify (no magic number or no image directory)");
    const PcxHeader h = readPcx(bytes, offset, true, name);
    if (h.verdict != Verdict::Opened)
        return h.error;
    return decode(bytes, h, "DCX", name, limits);
}

} // namespace lens
