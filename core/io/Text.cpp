#include "io/Text.h"

#include <cstdio>

namespace lens {

std::optional<Utf8Char> decodeUtf8(std::string_view text, std::size_t pos, bool allowSurrogates)
{
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = at(pos);
    if (lead < 0x80)
        return Utf8Char {lead, 1};
    std::size_t length = 0;
    char32_t codePoint = 0;
    char32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2, codePoint = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, codePoint = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, codePoint = lead & 0x07, minimum = 0x10000;
    } else {
        return std::nullopt;
    }
    if (pos + length > text.size())
        return std::nullopt;
    for (std::size_t i = 1; i < length; ++i) {
        const unsigned char next = at(pos + i);
        if ((next & 0xC0) != 0x80)
            return std::nullopt;
        codePoint = (codePoint << 6) | (next & 0x3F);
    }
    if (codePoint < minimum || codePoint > 0x10FFFF
        || (!allowSurrogates && codePoint >= 0xD800 && codePoint <= 0xDFFF))
        return std::nullopt;
    return Utf8Char {codePoint, length};
}

std::optional<std::size_t> firstInvalidUtf8(std::string_view text, bool allowSurrogates)
{
    for (std::size_t pos = 0; pos < text.size();) {
        const auto c = decodeUtf8(text, pos, allowSurrogates);
        if (!c)
            return pos;
        pos += c->length;
    }
    return std::nullopt;
}

namespace {

bool needsEscape(char32_t c)
{
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) // C0, DEL, C1 (CSI is U+009B)
        || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) // bidirectional overrides
        || c == 0x200E || c == 0x200F || c == 0x061C;
}

} // namespace

std::string terminalSafe(std::string_view text, bool keepNewlines)
{
    std::string out;
    out.reserve(text.size());
    char escape[16];
    for (std::size_t pos = 0; pos < text.size();) {
        const auto c = decodeUtf8(text, pos);
        if (!c) {
            std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(text[pos]));
            out += escape;
            ++pos;
            continue;
        }
        if (!needsEscape(c->codePoint) || (keepNewlines && c->codePoint == '\n')) {
            out.append(text.substr(pos, c->length));
        } else if (c->codePoint == '\n') {
            out += "\\n";
        } else if (c->codePoint == '\t') {
            out += "\\t";
        } else if (c->codePoint == '\r') {
            out += "\\r";
        } else if (c->codePoint < 0x80) {
            std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(c->codePoint));
            out += escape;
        } else {
            std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c->codePoint));
            out += escape;
        }
        pos += c->length;
    }
    return out;
}

std::string formatDuration(double seconds)
{
    const long s = seconds > 0 ? static_cast<long>(seconds + 0.5) : 0;
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

} // namespace lens
