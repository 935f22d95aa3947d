#include "image/formats/Ppm.h"

#include "image/formats/FormatSupport.h"

#include <cmath>
#include <cstring>
#include <optional>

namespace lens {

namespace {

using namespace formats;

// ImageFile.SAFEBLOCK: the plain-format decoder reads the file in blocks of this size.
constexpr std::uint64_t kSafeBlock = 1024 * 1024;

bool isSpace(std::uint8_t c)
{
    return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0b || c == 0x0c || c == 0x0d;
}

enum class Decoder { Raw, Scaled, Plain };

enum class Verdict { NotIdentified, Refused, Opened };

struct PpmHeader {
    Verdict verdict = Verdict::NotIdentified;
    Error error;
    PilMode mode = PilMode::L;
    int bands = 1;
    RawMode raw = RawMode::L;
    Decoder decoder = Decoder::Raw;
    std::int64_t width = 0;
    std::int64_t height = 0;
    std::int64_t maxval = 0;
    std::uint64_t offset = 0;
};

// Python's int() on a header or data token: optional sign, decimal digits, single underscores between
// digits. Tokens are at most 10 characters, so the value fits.
std::optional<std::int64_t> pythonInt(const std::string& token)
{
    std::size_t i = 0;
    bool negative = false;
    if (i < token.size() && (token[i] == '+' || token[i] == '-'))
        negative = token[i++] == '-';
    if (i >= token.size())
        return std::nullopt;
    std::int64_t value = 0;
    bool lastDigit = false;
    for (; i < token.size(); ++i) {
        const char c = token[i];
        if (c >= '0' && c <= '9') {
            value = value * 10 + (c - '0');
            lastDigit = true;
        } else if (c == '_' && lastDigit) {
            lastDigit = false;
        } else {
            return std::nullopt;
        }
    }
    if (!lastDigit)
        return std::nullopt;
    return negative ? -value : value;
}

class HeaderReader {
public:
    explicit HeaderReader(const ByteView& bytes)
        : m_bytes(bytes)
    { }
    std::uint64_t pos = 0;
    int byte()
    {
        if (pos >= m_bytes.size())
            return -1;
        return m_bytes.u8(std::size_t(pos++));
    }

    // PpmImageFile._read_token. An error is a ValueError in Pillow: it refuses the file.
    std::optional<std::string> token(std::string& problem)
    {
        std::string token;
        while (token.size() <= 10) {
            const int c = byte();
            if (c < 0)
                break;
            if (isSpace(std::uint8_t(c))) {
                if (token.empty())
                    continue;
                break;
            }
            if (c == '#') {
                // To the next CR or LF, or the end of the file; the token goes on after it.
                while (true) {
                    const int d = byte();
                    if (d < 0 || d == '\r' || d == '\n')
                        break;
                }
                continue;
            }
            token += char(c);
        }
        if (token.empty()) {
            problem = "the header ends early";
            return std::nullopt;
        }
        if (token.size() > 10) {
            problem = "a header token is longer than 10 characters";
            return std::nullopt;
        }
        return token;
    }

private:
    const ByteView& m_bytes;
};

PpmHeader readPpm(const ByteView& bytes, const std::string& name)
{
    PpmHeader h;
    h.error = fail(name, "not a PPM file Pillow can identify (no P1-P6 magic number)");
    if (bytes.size() < 2 || bytes.u8(0) != 'P' || !std::strchr("0123456y", bytes.u8(1)) || bytes.u8(1) == 0)
        return h;
    HeaderReader in(bytes);
    std::string magic;
    for (int i = 0; i < 6; ++i) {
        const int c = in.byte();
        if (c < 0 || isSpace(std::uint8_t(c)))
            break;
        magic += char(c);
    }
    struct Magic {
        const char* text;
        PilMode mode;
        int bands;
        RawMode raw;
    };
    static const Magic magics[] = {
        {"P1", PilMode::One, 1, RawMode::OneI},      {"P2", PilMode::L, 1, RawMode::L},
        {"P3", PilMode::RGB, 3, RawMode::RGB},       {"P4", PilMode::One, 1, RawMode::OneI},
        {"P5", PilMode::L, 1, RawMode::L},           {"P6", PilMode::RGB, 3, RawMode::RGB},
        {"P0CMYK", PilMode::CMYK, 4, RawMode::CMYK}, {"PyP", PilMode::P, 1, RawMode::P},
        {"PyRGBA", PilMode::RGBA, 4, RawMode::RGBA}, {"PyCMYK", PilMode::CMYK, 4, RawMode::CMYK},
    };
    const Magic* found = nullptr;
    for (const Magic& m : magics)
        if (magic == m.text)
            found = &m;
    if (!found)
        return h;
    h.verdict = Verdict::Opened;
    h.mode = found->mode;
    h.bands = found->bands;
    h.raw = found->raw;
    const bool plain = magic == "P1" || magic == "P2" || magic == "P3";
    h.decoder = plain ? Decoder::Plain : Decoder::Raw;

    auto refuse = [&](const std::string& why) {
        h.verdict = Verdict::Refused;
        h.error = fail(name, "corrupt PPM header (" + why + ")");
        return h;
    };
    const int tokens = h.mode == PilMode::One ? 2 : 3;
    for (int ix = 0; ix < tokens; ++ix) {
        std::string problem;
        std::optional<std::string> token = in.token(problem);
        if (!token)
            return refuse(problem);
        std::optional<std::int64_t> value = pythonInt(*token);
        if (!value)
            return refuse(quoted(*token) + " is not a number");
        if (ix == 0)
            h.width = *value;
        else if (ix == 1)
            h.height = *value;
        else {
            h.maxval = *value;
            if (h.maxval <= 0 || h.maxval >= 65536)
                return refuse("a maximum value of " + std::to_string(h.maxval) + "; Pillow reads 1 to 65535");
            if (h.maxval > 255 && h.mode == PilMode::L)
                h.mode = PilMode::I;
            if (!plain) {
                if (h.maxval == 65535 && found->mode == PilMode::L)
                    h.raw = RawMode::I16B;
                else if (h.maxval != 255)
                    h.decoder = Decoder::Scaled;
            }
        }
    }
    h.offset = in.pos;
    if (h.width <= 0 || h.height <= 0) {
        h.verdict = Verdict::NotIdentified;
        h.error = fail(name,
                       "not a PPM file Pillow can identify (the image is " + std::to_string(h.width) + " x "
                           + std::to_string(h.height) + " pixels)");
    }
    return h;
}

// PpmPlainDecoder's comment handling, block by block (its quirks included).
class PlainBlocks {
public:
    PlainBlocks(const ByteView& bytes, std::uint64_t offset)
        : m_bytes(bytes)
        , m_pos(offset)
    { }

    std::string read()
    {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(kSafeBlock, m_bytes.available(m_pos)));
        std::string block(reinterpret_cast<const char*>(m_bytes.data()) + (n ? m_pos : 0), n);
        m_pos += n;
        return block;
    }

    std::string ignoreComments(std::string block)
    {
        if (m_commentSpans) {
            while (!block.empty()) {
                const std::ptrdiff_t end = commentEnd(block, 0);
                if (end != -1) {
                    block.erase(0, std::size_t(end) + 1);
                    break;
                }
                block = read();
            }
        }
        m_commentSpans = false;
        while (true) {
            const std::size_t start = block.find('#');
            if (start == std::string::npos)
                break;
            const std::ptrdiff_t end = commentEnd(block, start);
            if (end != -1) {
                block.erase(start, std::size_t(end) + 1 - start);
            } else {
                block.erase(start);
                m_commentSpans = true;
                break;
            }
        }
        return block;
    }

private:
    // _find_comment_end: meant as the lowest of the next LF and CR, but it takes the larger when one of
    // them is at index 0.
    static std::ptrdiff_t commentEnd(const std::string& block, std::size_t start)
    {
        const std::size_t lf = block.find('\n', start);
        const std::size_t cr = block.find('\r', start);
        const std::ptrdiff_t a = lf == std::string::npos ? -1 : std::ptrdiff_t(lf);
        const std::ptrdiff_t b = cr == std::string::npos ? -1 : std::ptrdiff_t(cr);
        return a * b > 0 ? std::min(a, b) : std::max(a, b);
    }

    const ByteView& m_bytes;
    std::uint64_t m_pos;
    bool m_commentSpans = false;
};

std::optional<Error> decodePlainBitonal(const ByteView& bytes, const PpmHeader& h, const std::string& name,
                                        PilImage& image)
{
    PlainBlocks blocks(bytes, h.offset);
    const std::size_t total = image.data.size();
    std::size_t have = 0;
    while (have != total) {
        std::string block = blocks.read();
        if (block.empty())
            break;
        block = blocks.ignoreComments(std::move(block));
        for (const char c : block) {
            if (isSpace(std::uint8_t(c)))
                continue;
            if (c != '0' && c != '1')
                return fail(name, "corrupt PBM (a pixel that is neither 0 nor 1)");
            if (have < total)
                image.data[have++] = c == '0' ? 255 : 0;
        }
    }
    if (have < total)
        return fail(name, "truncated PBM (the pixel data ends before the last pixel)");
    return std::nullopt;
}

std::optional<Error> decodePlainValues(const ByteView& bytes, const PpmHeader& h, const std::string& name,
                                       PilImage& image)
{
    const bool wide = image.mode == PilMode::I;
    const double outMax = wide ? 65535.0 : 255.0;
    const std::size_t total = std::size_t(image.width) * std::size_t(image.height) * std::size_t(h.bands);
    std::size_t have = 0;
    auto store = [&](const std::string& token) -> std::optional<Error> {
        if (token.size() > 10)
            return fail(name, "corrupt PPM (a pixel value longer than 10 characters)");
        std::optional<std::int64_t> value = pythonInt(token);
        if (!value)
            return fail(name, "corrupt PPM (" + quoted(token) + " is not a number)");
        if (*value > h.maxval)
            return fail(name,
                        "corrupt PPM (a pixel value of " + std::to_string(*value) + " above the maximum "
                            + std::to_string(h.maxval) + ")");
        const std::int64_t scaled = std::int64_t(std::nearbyint(double(*value) / double(h.maxval) * outMax));
        if (wide) {
            if (scaled < 0)
                return fail(name, "corrupt PPM (a negative pixel value)");
            const std::int32_t v = std::int32_t(scaled);
            std::memcpy(image.data.data() + 4 * have, &v, 4);
        } else {
            image.data[have] = std::uint8_t(scaled & 255);
        }
        ++have;
        return std::nullopt;
    };

    PlainBlocks blocks(bytes, h.offset);
    std::optional<std::string> half;
    while (have != total) {
        std::string block = blocks.read();
        if (block.empty()) {
            if (!half)
                break;
            // At the end of the file Pillow feeds its pending token again and again (it never clears it)
            // until the image is full: the same value each time.
            if (std::optional<Error> error = store(*half))
                return error;
            const std::size_t bytesPerValue = wide ? 4 : 1;
            const std::uint8_t* value = image.data.data() + (have - 1) * bytesPerValue;
            for (; have != total; ++have)
                std::memcpy(image.data.data() + have * bytesPerValue, value, bytesPerValue);
            break;
        }
        block = blocks.ignoreComments(std::move(block));
        if (half)
            block = *half + block;
        std::vector<std::string> tokens;
        std::size_t i = 0;
        while (i < block.size()) {
            while (i < block.size() && isSpace(std::uint8_t(block[i])))
                ++i;
            const std::size_t start = i;
            while (i < block.size() && !isSpace(std::uint8_t(block[i])))
                ++i;
            if (i > start)
                tokens.push_back(block.substr(start, i - start));
        }
        if (!block.empty() && !isSpace(std::uint8_t(block.back()))) {
            half = tokens.back();
            tokens.pop_back();
            if (half->size() > 10)
                return fail(name, "corrupt PPM (a pixel value longer than 10 characters)");
        }
        for (const std::string& token : tokens) {
            if (std::optional<Error> error = store(token))
                return error;
            if (have == total)
                break;
        }
    }
    if (have < total)
        return fail(name, "truncated PPM (the pixel data ends before the last pixel)");
    return std::nullopt;
}

// PpmDecoder: binary samples of 1 byte (maxval < 256) or 2 big-endian bytes, rescaled and rounded.
std::optional<Error> decodeScaled(const ByteView& bytes, const PpmHeader& h, const std::string& name,
                                  PilImage& image)
{
    const bool wide = image.mode == PilMode::I;
    const std::int64_t outMax = wide ? 65535 : 255;
    const std::size_t sampleBytes = h.maxval < 256 ? 1 : 2;
    const std::size_t pixels = std::size_t(image.width) * std::size_t(image.height);
    const std::size_t pixelBytes = sampleBytes * std::size_t(h.bands);
    const std::size_t available = bytes.available(h.offset);
    if (available / pixelBytes < pixels)
        return truncated(name, "PPM", "the pixel data", h.offset + pixels * pixelBytes, bytes.size());
    const std::uint8_t* in = bytes.data() + h.offset;
    const std::size_t samples = pixels * std::size_t(h.bands);
    for (std::size_t i = 0; i < samples; ++i) {
        const std::int64_t value = sampleBytes == 1 ? in[i] : (in[2 * i] << 8) | in[2 * i + 1];
        const std::int64_t scaled = std::min<std::int64_t>(
            outMax, std::int64_t(std::nearbyint(double(value) / double(h.maxval) * double(outMax))));
        if (wide) {
            const std::int32_t v = std::int32_t(scaled);
            std::memcpy(image.data.data() + 4 * i, &v, 4);
        } else {
            image.data[i] = std::uint8_t(scaled);
        }
    }
    return std::nullopt;
}

} // namespace

bool looksLikePpm(const std::uint8_t* data, std::size_t size)
{
    return readPpm(ByteView(data, size), {}).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodePpm(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    PpmHeader h = readPpm(bytes, name);
    if (h.verdict != Verdict::Opened)
        return h.error;
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(h.mode, int(h.width), int(h.height));
    std::optional<Error> error;
    switch (h.decoder) {
    case Decoder::Raw: {
        const std::uint8_t* start = data + std::min<std::uint64_t>(h.offset, size);
        const RawOutcome outcome = rawDecode(start, bytes.available(h.offset), h.raw, 0, false, image);
        if (outcome.kind != RawOutcome::Filled)
            error = truncated(name, "PPM", "the pixel data", h.offset + outcome.needed, size);
        break;
    }
    case Decoder::Scaled:
        error = decodeScaled(bytes, h, name, image);
        break;
    case Decoder::Plain:
        error = image.mode == PilMode::One ? decodePlainBitonal(bytes, h, name, image)
                                           : decodePlainValues(bytes, h, name, image);
        break;
    }
    if (error)
        return *error;
    return image;
}

} // namespace lens
