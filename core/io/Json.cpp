#include "io/Json.h"

#include "io/Text.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace lens {

std::string JsonWriter::escape(const std::string& text)
{
    std::string out = "\"";
    char buffer[8];
    for (std::size_t pos = 0; pos < text.size();) {
        const auto c = decodeUtf8(text, pos);
        if (!c) {
            // Not UTF-8 (a file name from disk): the byte as a lone surrogate escape, the form Python's
            // os.fsdecode gives it, so json.loads + os.fsencode give the original bytes back.
            std::snprintf(buffer, sizeof buffer, "\\u%04x", 0xDC00u + static_cast<unsigned char>(text[pos]));
            out += buffer;
            ++pos;
            continue;
        }
        switch (c->codePoint) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c->codePoint < 0x20 || c->codePoint == 0x7F) {
                std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c->codePoint));
                out += buffer;
            } else {
                out.append(text, pos, c->length);
            }
        }
        pos += c->length;
    }
    return out + "\"";
}

void JsonWriter::separate()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back())
            m_out += ", ";
        m_first.back() = false;
    }
}

JsonWriter& JsonWriter::beginObject()
{
    separate();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endObject()
{
    m_out += '}';
    m_first.pop_back();
    return *this;
}

JsonWriter& JsonWriter::beginArray()
{
    separate();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endArray()
{
    m_out += ']';
    m_first.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(const std::string& name)
{
    separate();
    m_out += escape(name) + ": ";
    m_afterKey = true;
    return *this;
}

JsonWriter& JsonWriter::value(const std::string& text)
{
    separate();
    m_out += escape(text);
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number)
{
    separate();
    m_out += std::to_string(number);
    return *this;
}

JsonWriter& JsonWriter::value(double number)
{
    separate();
    if (!std::isfinite(number)) {
        m_out += "null"; // JSON has no NaN or infinity
        return *this;
    }
    // %.9g, but independent of the locale (an application may use a decimal comma).
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::general, 9).ptr;
    m_out.append(buffer, end);
    return *this;
}

JsonWriter& JsonWriter::preciseValue(double number)
{
    separate();
    if (!std::isfinite(number)) {
        m_out += "null";
        return *this;
    }
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, number).ptr;
    m_out.append(buffer, end);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag)
{
    separate();
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null()
{
    separate();
    m_out += "null";
    return *this;
}

} // namespace lens
