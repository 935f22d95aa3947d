#include "image/FitsDecoder.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <map>
#include <optional>

namespace lens {

namespace {

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

// Python's bytes.strip(): ASCII whitespace off both ends.
std::string strip(const std::string& s)
{
    const auto space = [](unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    std::size_t a = 0, b = s.size();
    while (a < b && space(s[a]))
        ++a;
    while (b > a && space(s[b - 1]))
        --b;
    return s.substr(a, b - a);
}

// Python's int() of a header value: optional sign, digits (underscores between digits), surrounding
// whitespace already stripped. nullopt where int() raises.
std::optional<std::int64_t> pythonInt(const std::string& text)
{
    std::size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-'))
        negative = text[i++] == '-';
    if (i >= text.size())
        return std::nullopt;
    std::int64_t value = 0;
    bool digit = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_' && digit && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))
            continue;
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        digit = true;
        if (value > (INT64_MAX - 9) / 10)
            return std::nullopt; // beyond any size this decoder accepts
        value = value * 10 + (c - '0');
    }
    return negative ? -value : value;
}

} // namespace

bool looksLikeFits(const std::uint8_t* data, std::size_t size)
{
    return size >= 6 && std::memcmp(data, "SIMPLE", 6) == 0;
}

Result<PilImage> decodeFits(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits)
{
    std::map<std::string, std::string> headers;
    std::size_t pos = 0;
    for (;;) {
        if (pos >= size)
            return fail(name, "truncated FITS file (no END card)");
        const std::string card(reinterpret_cast<const char*>(data + pos),
                               std::min<std::size_t>(80, size - pos));
        pos += card.size();
        const std::string keyword = strip(card.substr(0, std::min<std::size_t>(8, card.size())));
        if (keyword == "END")
            break;
        std::string value = card.size() > 8 ? strip(card.substr(8)) : std::string();
        if (!value.empty() && value[0] == '=')
            value = strip(value.substr(1));
        if (headers.empty() && (keyword.compare(0, 6, "SIMPLE") != 0 || value != "T"))
            return fail(name, "not a FITS file Pillow opens (the first card is not SIMPLE = T)");
        headers[keyword] = value;
    }
    const auto number = [&](const char* key) -> std::optional<std::int64_t> {
        const auto it = headers.find(key);
        return it == headers.end() ? std::nullopt : pythonInt(it->second);
    };
    const auto naxis = number("NAXIS");
    if (!naxis)
        return fail(name, "the FITS header has no readable NAXIS");
    if (*naxis == 0)
        return fail(name, "the FITS file has no image data");
    std::optional<std::int64_t> width = 1, height = number("NAXIS1");
    if (*naxis != 1) {
        width = number("NAXIS1");
        height = number("NAXIS2");
    }
    if (!width || !height)
        return fail(name, "the FITS header has no readable image size");
    const auto bits = number("BITPIX");
    if (!bits)
        return fail(name, "the FITS header has no readable BITPIX");
    PilMode mode;
    if (*bits == 8)
        mode = PilMode::L;
    else if (*bits == 16 || *bits == 32)
        mode = PilMode::I;
    else if (*bits == -32 || *bits == -64)
        mode = PilMode::F;
    else
        return fail(name, "not a FITS file Pillow opens (BITPIX " + std::to_string(*bits) + ")");
    if (*width <= 0 || *height <= 0 || *width > INT_MAX || *height > INT_MAX)
        return fail(name,
                    "not a FITS file Pillow opens (the image is " + std::to_string(*width) + "x"
                        + std::to_string(*height) + " pixels)");
    if (*width > limits.maxPixels / *height)
        return fail(name,
                    "the image is " + std::to_string(*width) + "x" + std::to_string(*height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");

    // The raw decoder, bottom-up, from the next 2880-byte block.
    const std::size_t offset = (pos + 2879) / 2880 * 2880;
    const std::size_t rowBytes = std::size_t(*width) * std::size_t(pilModeBytes(mode));
    const std::uint64_t needed = std::uint64_t(rowBytes) * std::uint64_t(*height);
    if (offset > size || needed > size - offset)
        return fail(name,
                    "truncated FITS file (the image data ends before byte " + std::to_string(offset + needed)
                        + " of " + std::to_string(size) + ")");
    PilImage image;
    image.mode = mode;
    image.width = int(*width);
    image.height = int(*height);
    image.data.resize(std::size_t(needed));
    for (int y = 0; y < image.height; ++y)
        std::memcpy(image.data.data() + std::size_t(image.height - 1 - y) * rowBytes,
                    data + offset + std::size_t(y) * rowBytes, rowBytes);
    return image;
}

} // namespace lens
