#include "image/formats/Xpm.h"

#include "image/formats/FormatSupport.h"

#include <cstring>
#include <optional>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

class Lines {
public:
    Lines(const std::uint8_t* data, std::size_t size, std::size_t pos)
        : m_data(data)
        , m_size(size)
        , m_pos(pos)
    { }
    /// Python's readline(): up to and including the next "\n"; empty at the end.
    std::string next()
    {
        const std::size_t start = m_pos;
        while (m_pos < m_size && m_data[m_pos++] != '\n') { }
        return std::string(reinterpret_cast<const char*>(m_data) + start, m_pos - start);
    }
    std::size_t pos() const { return m_pos; }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos;
};

// Python's int(text, 16), reduced to its low 24 bits (all Pillow keeps); nullopt when int() would fail.
std::optional<std::uint32_t> hex24(const std::string& text)
{
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
        negative = text[i++] == '-';
    if (i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        i += 2;
        if (i < text.size() && text[i] == '_')
            ++i;
    }
    if (i >= text.size())
        return std::nullopt;
    std::uint32_t value = 0;
    bool lastDigit = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        int d = -1;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        if (d >= 0) {
            value = ((value << 4) | std::uint32_t(d)) & 0xFFFFFF;
            lastDigit = true;
        } else if (c == '_' && lastDigit) {
            lastDigit = false;
        } else {
            return std::nullopt;
        }
    }
    if (!lastDigit)
        return std::nullopt;
    return negative ? (0x1000000 - value) & 0xFFFFFF : value;
}

std::optional<std::int64_t> decimal(const std::string& digits)
{
    if (digits.empty())
        return std::nullopt;
    std::int64_t value = 0;
    for (const char c : digits) {
        if (value > (INT64_MAX - 9) / 10)
            return INT64_MAX;
        value = value * 10 + (c - '0');
    }
    return value;
}

struct XpmHeader {
    Verdict verdict = Verdict::NotIdentified;
    std::string why;
    std::int64_t width = 0, height = 0;
    std::vector<std::uint8_t> palette;
    std::size_t pixelOffset = 0;
};

XpmHeader readXpm(const std::uint8_t* data, std::size_t size)
{
    XpmHeader h;
    if (size < 9 || std::memcmp(data, "/* XPM */", 9) != 0) {
        h.why = "no \"/* XPM */\" header";
        return h;
    }
    Lines lines(data, size, 9);
    std::string groups[4];
    while (true) {
        const std::string s = lines.next();
        if (s.empty()) {
            h.why = "no values line";
            return h;
        }
        // re.match(b'"([0-9]*) ([0-9]*) ([0-9]*) ([0-9]*)', line)
        std::size_t p = 0;
        bool matched = p < s.size() && s[p] == '"';
        ++p;
        for (int g = 0; g < 4 && matched; ++g) {
            const std::size_t start = p;
            while (p < s.size() && s[p] >= '0' && s[p] <= '9')
                ++p;
            groups[g] = s.substr(start, p - start);
            if (g < 3) {
                if (p < s.size() && s[p] == ' ')
                    ++p;
                else
                    matched = false;
            }
        }
        if (matched)
            break;
    }
    auto refuse = [&](const std::string& why) {
        h.verdict = Verdict::Refused;
        h.why = why;
        return h;
    };
    std::optional<std::int64_t> values[4];
    for (int g = 0; g < 4; ++g) {
        values[g] = decimal(groups[g]);
        if (!values[g])
            return refuse("an empty number in the values line");
    }
    h.width = *values[0];
    h.height = *values[1];
    const std::int64_t colors = *values[2];
    if (colors > 256 || *values[3] != 1)
        return refuse("more than 256 colours or more than one character per pixel");

    h.palette.assign(768, 0);
    for (std::int64_t k = 0; k < colors; ++k) {
        std::string s = lines.next();
        if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\r\n") == 0)
            s.resize(s.size() - 2);
        else if (s.empty() || s.back() == '\r' || s.back() == '\n')
            s.resize(s.empty() ? 0 : s.size() - 1);
        if (s.size() < 2) {
            h.why = "a colour line is too short";
            return h;
        }
        const std::uint8_t key = std::uint8_t(s[1]);
        const std::string body = s.size() >= 4 ? s.substr(2, s.size() - 4) : std::string();
        std::vector<std::string> tokens;
        for (std::size_t i = 0; i < body.size();) {
            while (i < body.size() && isSpace(body[i]))
                ++i;
            const std::size_t start = i;
            while (i < body.size() && !isSpace(body[i]))
                ++i;
            if (i > start)
                tokens.push_back(body.substr(start, i - start));
        }
        bool found = false;
        for (std::size_t i = 0; i < tokens.size(); i += 2) {
            if (tokens[i] != "c")
                continue;
            if (i + 1 >= tokens.size()) {
                h.why = "a colour key without a value";
                return h;
            }
            const std::string& rgb = tokens[i + 1];
            if (rgb != "None") {
                if (rgb[0] != '#')
                    return refuse("a colour given by name");
                const std::optional<std::uint32_t> value = hex24(rgb.substr(1));
                if (!value)
                    return refuse("a colour that is not a hex number");
                h.palette[3 * key] = std::uint8_t(*value >> 16);
                h.palette[3 * key + 1] = std::uint8_t(*value >> 8);
                h.palette[3 * key + 2] = std::uint8_t(*value);
            }
            found = true;
            break;
        }
        if (!found)
            return refuse("a colour line without a colour key");
    }
    h.pixelOffset = lines.pos();
    if (h.width <= 0 || h.height <= 0) {
        h.why = "the image has no pixels";
        return h;
    }
    h.verdict = Verdict::Opened;
    return h;
}

} // namespace

bool looksLikeXpm(const std::uint8_t* data, std::size_t size)
{
    return readXpm(data, size).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeXpm(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    XpmHeader h = readXpm(data, size);
    if (h.verdict == Verdict::NotIdentified)
        return fail(name, "not an XPM file Pillow can identify (" + h.why + ")");
    if (h.verdict == Verdict::Refused)
        return fail(name, "unsupported XPM (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(PilMode::P, int(h.width), int(h.height));
    image.palette = std::move(h.palette);
    // Each row: its line after the first character, cut or padded with spaces to the width.
    const std::size_t width = std::size_t(h.width);
    Lines lines(data, size, h.pixelOffset);
    for (std::int64_t y = 0; y < h.height; ++y) {
        const std::string line = lines.next();
        std::uint8_t* row = image.data.data() + std::size_t(y) * width;
        std::memset(row, ' ', width);
        if (line.size() > 1)
            std::memcpy(row, line.data() + 1, std::min(width, line.size() - 1));
    }
    return image;
}

} // namespace lens
