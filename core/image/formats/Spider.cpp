#include "image/formats/Spider.h"

#include "image/formats/FormatSupport.h"

#include <cmath>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

struct SpiderHeader {
    Verdict verdict = Verdict::NotIdentified;
    std::string why;
    std::int64_t width = 0, height = 0;
    std::int64_t offset = 0;
    bool bigEndian = true;
};

float readFloat(const ByteView& bytes, std::size_t at, bool bigEndian)
{
    const std::uint32_t bits = bigEndian ? bytes.be32(at) : bytes.le32(at);
    float value;
    std::memcpy(&value, &bits, 4);
    return value;
}

bool isInt(double f)
{
    return std::isfinite(f) && f == std::trunc(f);
}

// Python's int() of a finite float, saturated far beyond any size Pillow could use.
std::int64_t toInt(double f)
{
    const double t = std::trunc(f);
    if (t > 4e18)
        return INT64_MAX / 2;
    if (t < -4e18)
        return INT64_MIN / 2;
    return std::int64_t(t);
}

// isSpiderHeader: h[1..27] are the header's floats. Returns labbyt (the header length) or 0.
bool headerLength(const double* h, std::int64_t& length)
{
    for (int i : {1, 2, 5, 12, 13, 22, 23})
        if (!isInt(h[i]))
            return false;
    const double iform = h[5];
    if (iform != 1 && iform != 3 && iform != -11 && iform != -12 && iform != -21 && iform != -22)
        return false;
    // labbyt == labrec * lenbyt, exactly: float32 values multiply exactly in double.
    if (h[22] != h[13] * h[23])
        return false;
    length = toInt(h[22]);
    return length != 0;
}

SpiderHeader readSpider(const ByteView& bytes)
{
    SpiderHeader s;
    if (bytes.size() < 108) {
        s.why = "the header ends early";
        return s;
    }
    double h[28] = {99};
    std::int64_t length = 0;
    for (const bool big : {true, false}) {
        for (int i = 0; i < 27; ++i)
            h[i + 1] = readFloat(bytes, std::size_t(4 * i), big);
        if (headerLength(h, length)) {
            s.bigEndian = big;
            break;
        }
        length = 0;
    }
    if (length == 0) {
        s.why = "its header is not a SPIDER header";
        return s;
    }
    if (h[5] != 1) {
        s.why = "not a 2D image";
        return s;
    }
    s.width = toInt(h[12]);
    s.height = toInt(h[2]);
    // Python's int() fails on NaN and infinity: Pillow refuses the file.
    if (!std::isfinite(h[24]) || !std::isfinite(h[27])) {
        s.verdict = Verdict::Refused;
        s.why = "a stack field that is not a number";
        return s;
    }
    const std::int64_t stack = toInt(h[24]);
    const std::int64_t number = toInt(h[27]);
    if (stack == 0 && number == 0) {
        s.offset = length;
    } else if (stack > 0 && number == 0) {
        if (!std::isfinite(h[26])) {
            s.verdict = Verdict::Refused;
            s.why = "a stack size that is not a number";
            return s;
        }
        s.offset = 2 * length;
    } else if (stack == 0 && number > 0) {
        // Pillow only reads such a header through seek() on its stack, and fails on a file of its own.
        s.verdict = Verdict::Refused;
        s.why = "an image header from inside a stack";
        return s;
    } else {
        s.why = "inconsistent stack header values";
        return s;
    }
    if (s.width <= 0 || s.height <= 0) {
        s.why = "the image has no pixels";
        return s;
    }
    s.verdict = Verdict::Opened;
    return s;
}

} // namespace

bool looksLikeSpider(const std::uint8_t* data, std::size_t size)
{
    return readSpider(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeSpider(const std::uint8_t* data, std::size_t size, const std::string& name,
                              const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    const SpiderHeader h = readSpider(bytes);
    if (h.verdict == Verdict::NotIdentified)
        return fail(name, "not a SPIDER file Pillow can identify (" + h.why + ")");
    if (h.verdict == Verdict::Refused)
        return fail(name, "unsupported SPIDER file (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    if (h.offset < 0)
        return fail(name, "corrupt SPIDER file (a negative header length)");
    PilImage image = newImage(PilMode::F, int(h.width), int(h.height));
    const std::uint64_t offset = std::uint64_t(h.offset);
    const std::uint8_t* start = data + std::min<std::uint64_t>(offset, size);
    const RawOutcome outcome = rawDecode(start, bytes.available(offset),
                                         h.bigEndian ? RawMode::F32B : RawMode::F32, 0, false, image);
    if (outcome.kind != RawOutcome::Filled)
        return truncated(name, "SPIDER", "the pixel data", offset + outcome.needed, size);
    return image;
}

} // namespace lens
