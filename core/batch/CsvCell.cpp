#include "batch/CsvCell.h"

#include "io/Text.h"

#include <cstdio>

namespace lens {

namespace {

std::string hexEscape(unsigned code)
{
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\u%04x", code);
    return buffer;
}

// Step 1; with commentLine also , " and control characters.
std::string reversible(std::string_view text, bool commentLine)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const auto c = decodeUtf8(text, pos);
        if (!c) {
            out += hexEscape(0xDC00u + static_cast<unsigned char>(text[pos]));
            ++pos;
            continue;
        }
        const char32_t code = c->codePoint;
        if (code == '\\' && pos + 1 < text.size() && text[pos + 1] == 'u')
            out += hexEscape('\\');
        else if (commentLine && (code < 0x20 || code == 0x7F || code == ',' || code == '"'))
            out += hexEscape(static_cast<unsigned>(code));
        else
            out.append(text, pos, c->length);
        pos += c->length;
    }
    return out;
}

bool startsFormula(std::string_view text)
{
    if (text.empty())
        return false;
    switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return true;
    default:
        return false;
    }
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

} // namespace

std::string csvCellText(std::string_view text)
{
    std::string cell = reversible(text, false);
    if (startsFormula(cell) || (!cell.empty() && cell.front() == '\''))
        cell.insert(cell.begin(), '\'');
    return cell;
}

std::string csvField(std::string_view text)
{
    const std::string cell = csvCellText(text);
    const bool quote = cell.find_first_of(",\"\r\n") != std::string::npos
        || (!cell.empty() && (cell.front() == ' ' || cell.back() == ' '));
    if (!quote)
        return cell;
    std::string out = "\"";
    for (char c : cell)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

namespace {

// Undoes the \u escapes of reversible(): those of a cell, and with commentLine those of the first line too.
// Writes the original to out when it is given; false when text is not in the form reversible() writes.
bool unescape(std::string_view cell, bool commentLine, std::string* out)
{
    if (firstInvalidUtf8(cell))
        return false;
    if (out)
        out->reserve(cell.size());
    for (std::size_t pos = 0; pos < cell.size(); ++pos) {
        if (cell[pos] != '\\' || pos + 1 >= cell.size() || cell[pos + 1] != 'u') {
            if (out)
                *out += cell[pos];
            continue;
        }
        if (pos + 6 > cell.size())
            return false;
        unsigned code = 0;
        for (std::size_t i = pos + 2; i < pos + 6; ++i) {
            const int digit = hexDigit(cell[i]);
            if (digit < 0)
                return false;
            code = code * 16 + static_cast<unsigned>(digit);
        }
        char original = 0;
        if (code == '\\')
            original = '\\';
        else if (code >= 0xDC80 && code <= 0xDCFF)
            original = static_cast<char>(code - 0xDC00);
        else if (commentLine && (code < 0x20 || code == 0x7F || code == ',' || code == '"'))
            original = static_cast<char>(code);
        else
            return false;
        if (out)
            *out += original;
        pos += 5;
    }
    return true;
}

std::string_view withoutQuote(std::string_view cell)
{
    if (!cell.empty() && cell.front() == '\'')
        cell.remove_prefix(1);
    return cell;
}

} // namespace

std::optional<std::string> csvCellOriginal(std::string_view cell)
{
    std::string out;
    if (startsFormula(cell) || !unescape(withoutQuote(cell), false, &out))
        return std::nullopt;
    return out;
}

bool isCsvCellText(std::string_view cell)
{
    return !startsFormula(cell) && unescape(withoutQuote(cell), false, nullptr);
}

std::string csvCommentValue(std::string_view text)
{
    return reversible(text, true);
}

std::optional<std::string> csvCommentValueOriginal(std::string_view value)
{
    std::string out;
    if (!unescape(value, true, &out))
        return std::nullopt;
    return out;
}

} // namespace lens
