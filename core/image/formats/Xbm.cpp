#include "image/formats/Xbm.h"

#include "image/formats/FormatSupport.h"

#include <cstring>
#include <optional>

namespace lens {

namespace {

using namespace formats;

constexpr std::size_t kWindow = 512;

bool isBlank(std::uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// A hand-written matcher for Pillow's xbm_head expression over the first 512 bytes:
//   \s*#define[ \t]+.*_width[ \t]+(\d+)[\r\n]+#define[ \t]+.*_height[ \t]+(\d+)[\r\n]+
//   (#define[ \t]+[^_]*_x_hot[ \t]+\d+[\r\n]+#define[ \t]+[^_]*_y_hot[ \t]+\d+[\r\n]+)?[\000-\377]*_bits\[]
// with the same backtracking preferences (greedy .* tries the last candidate on the line first). Each
// step depends only on where it starts, so results are memoised and the match stays quadratic at worst.
class HeaderMatcher {
public:
    HeaderMatcher(const std::uint8_t* data, std::size_t size)
        : m_data(data)
        , m_size(size)
    {
        for (std::size_t i = 0; i + 7 <= m_size; ++i)
            if (std::memcmp(m_data + i, "_bits[]", 7) == 0)
                m_lastBits = std::ptrdiff_t(i);
        m_height.assign(m_size + 1, Unknown);
    }

    struct Match {
        std::string width;
        std::string height;
        std::size_t end = 0;
    };

    std::optional<Match> match()
    {
        std::size_t p = 0;
        while (p < m_size && isBlank(m_data[p]))
            ++p;
        std::string width;
        const std::optional<std::size_t> afterWidth
            = definedValue(p, "_width", width, [&](std::size_t q) { return heightStep(q) >= 0; });
        if (!afterWidth)
            return std::nullopt;
        Match m;
        m.width = width;
        m.height = m_heightValue[*afterWidth];
        m.end = std::size_t(m_lastBits) + 7;
        return m;
    }

private:
    static constexpr std::ptrdiff_t Unknown = -2;

    bool at(std::size_t p, const char* text) const
    {
        const std::size_t n = std::strlen(text);
        return p + n <= m_size && std::memcmp(m_data + p, text, n) == 0;
    }

    // "[ \t]+(\d+)[\r\n]+" at p: the digits and the position after the line ends, or nullopt.
    std::optional<std::size_t> valueLine(std::size_t p, std::string* digits) const
    {
        std::size_t q = p;
        while (q < m_size && (m_data[q] == ' ' || m_data[q] == '\t'))
            ++q;
        if (q == p)
            return std::nullopt;
        const std::size_t start = q;
        while (q < m_size && m_data[q] >= '0' && m_data[q] <= '9')
            ++q;
        if (q == start)
            return std::nullopt;
        if (digits)
            digits->assign(reinterpret_cast<const char*>(m_data) + start, q - start);
        const std::size_t lineEnd = q;
        while (q < m_size && (m_data[q] == '\r' || m_data[q] == '\n'))
            ++q;
        if (q == lineEnd)
            return std::nullopt;
        return q;
    }

    // "#define[ \t]+.*SUFFIX[ \t]+(\d+)[\r\n]+" at p, trying the candidates for .* from the longest, and
    // accepting the first whose continuation `rest` succeeds.
    template <typename Rest>
    std::optional<std::size_t> definedValue(std::size_t p, const char* suffix, std::string& digits,
                                            Rest rest) const
    {
        if (!at(p, "#define"))
            return std::nullopt;
        p += 7;
        if (p >= m_size || (m_data[p] != ' ' && m_data[p] != '\t'))
            return std::nullopt;
        const std::size_t from = p + 1;
        std::size_t lineEnd = from;
        while (lineEnd < m_size && m_data[lineEnd] != '\n')
            ++lineEnd;
        for (std::size_t q = lineEnd + 1; q-- > from;) {
            if (!at(q, suffix))
                continue;
            std::string value;
            const std::optional<std::size_t> next = valueLine(q + std::strlen(suffix), &value);
            if (next && rest(*next)) {
                digits = value;
                return next;
            }
        }
        return std::nullopt;
    }

    // The height line and everything after it, from q; memoised. Returns the match end or -1.
    std::ptrdiff_t heightStep(std::size_t q)
    {
        if (m_height[q] != Unknown)
            return m_height[q];
        std::string digits;
        const std::optional<std::size_t> next
            = definedValue(q, "_height", digits, [&](std::size_t r) { return tail(r); });
        m_height[q] = next ? std::ptrdiff_t(*next) : -1;
        if (next)
            m_heightValue[q] = digits;
        return m_height[q];
    }

    // The optional hotspot, then [\000-\377]*_bits\[]: some "_bits[]" must start at or after the position.
    bool tail(std::size_t r) const
    {
        if (m_lastBits < 0)
            return false;
        if (const std::optional<std::size_t> afterHotspot = hotspot(r))
            if (std::size_t(m_lastBits) >= *afterHotspot)
                return true;
        return std::size_t(m_lastBits) >= r;
    }

    // "#define[ \t]+[^_]*_x_hot[ \t]+\d+[\r\n]+#define[ \t]+[^_]*_y_hot[ \t]+\d+[\r\n]+" at r.
    std::optional<std::size_t> hotspot(std::size_t r) const
    {
        std::optional<std::size_t> p = hotLine(r, "_x_hot");
        if (!p)
            return std::nullopt;
        return hotLine(*p, "_y_hot");
    }

    std::optional<std::size_t> hotLine(std::size_t p, const char* suffix) const
    {
        if (!at(p, "#define"))
            return std::nullopt;
        p += 7;
        if (p >= m_size || (m_data[p] != ' ' && m_data[p] != '\t'))
            return std::nullopt;
        ++p;
        while (p < m_size && m_data[p] != '_')
            ++p;
        if (!at(p, suffix))
            return std::nullopt;
        return valueLine(p + std::strlen(suffix), nullptr);
    }

    const std::uint8_t* m_data;
    std::size_t m_size;
    std::ptrdiff_t m_lastBits = -1;
    std::vector<std::ptrdiff_t> m_height;
    std::vector<std::string> m_heightValue = std::vector<std::string>(kWindow + 1);
};

bool accepts(const std::uint8_t* data, std::size_t size)
{
    // prefix.lstrip()[:7] == b"#define", on the 16 bytes Image.open reads first.
    const std::size_t prefix = std::min<std::size_t>(size, 16);
    std::size_t p = 0;
    while (p < prefix && isBlank(data[p]))
        ++p;
    return prefix - p >= 7 && std::memcmp(data + p, "#define", 7) == 0;
}

std::optional<HeaderMatcher::Match> matchHeader(const std::uint8_t* data, std::size_t size)
{
    if (!accepts(data, size))
        return std::nullopt;
    HeaderMatcher matcher(data, std::min(size, kWindow));
    return matcher.match();
}

// Python's int() of a decimal digit string; saturates (anything this large is refused by the limit).
std::int64_t decimal(const std::string& digits)
{
    std::int64_t value = 0;
    for (const char c : digits) {
        if (value > (INT64_MAX - 9) / 10)
            return INT64_MAX;
        value = value * 10 + (c - '0');
    }
    return value;
}

int hex(std::uint8_t v)
{
    if (v >= '0' && v <= '9')
        return v - '0';
    if (v >= 'a' && v <= 'f')
        return v - 'a' + 10;
    if (v >= 'A' && v <= 'F')
        return v - 'A' + 10;
    return 0;
}

} // namespace

bool looksLikeXbm(const std::uint8_t* data, std::size_t size)
{
    const std::optional<HeaderMatcher::Match> m = matchHeader(data, size);
    return m && decimal(m->width) > 0 && decimal(m->height) > 0;
}

Result<PilImage> decodeXbm(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const std::optional<HeaderMatcher::Match> m = matchHeader(data, size);
    if (!m)
        return fail(name,
                    "not an XBM file Pillow can identify (no width and height #defines before \"_bits[]\" "
                    "in the first 512 bytes)");
    const std::int64_t width = decimal(m->width);
    const std::int64_t height = decimal(m->height);
    if (width <= 0 || height <= 0)
        return fail(name, "not an XBM file Pillow can identify (the image has no pixels)");
    if (std::optional<Error> error = checkPixelLimit(width, height, name, limits))
        return *error;
    PilImage image = newImage(PilMode::One, int(width), int(height));
    const std::size_t lineBytes = (std::size_t(width) + 7) / 8;
    std::vector<std::uint8_t> line(lineBytes);
    std::size_t x = 0;
    std::int64_t y = 0;
    std::size_t p = m->end;
    while (true) {
        while (p < size && data[p] != 'x')
            ++p;
        if (size - p < 3)
            return fail(name, "truncated XBM (the pixel data ends before the last pixel)");
        line[x] = std::uint8_t((hex(data[p + 1]) << 4) + hex(data[p + 2]));
        if (++x >= lineBytes) {
            unpackRow(RawMode::OneR, image.data.data() + std::size_t(y) * std::size_t(width), line.data(),
                      int(width));
            x = 0;
            if (++y >= height)
                return image;
        }
        p += 3;
    }
}

} // namespace lens
