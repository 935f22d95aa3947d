#include "batch/JsonLine.h"

#include "io/Text.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

namespace lens {

namespace {

void appendUtf8(std::string& out, char32_t c)
{
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

class LineParser {
public:
    LineParser(std::string_view text, const JsonLineOptions& options)
        : m_text(text)
        , m_maxDepth(options.maxDepth)
        , m_firstItemsOnly(options.firstItemsOnly)
    { }

    Result<JsonValue> document()
    {
        JsonValue value;
        skipSpace();
        if (!parseValue(&value, 0))
            return Error {m_error};
        skipSpace();
        if (m_pos != m_text.size())
            return Error {at("unexpected text after the JSON value")};
        return value;
    }

private:
    std::string at(const std::string& what) const { return what + " at byte " + std::to_string(m_pos); }

    bool fail(const std::string& what)
    {
        if (m_error.empty())
            m_error = at(what);
        return false;
    }

    void skipSpace()
    {
        while (m_pos < m_text.size()
               && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\r'
                   || m_text[m_pos] == '\n'))
            ++m_pos;
    }

    bool literal(std::string_view word)
    {
        if (m_text.substr(m_pos, word.size()) != word)
            return fail("invalid JSON value");
        m_pos += word.size();
        return true;
    }

    // value == nullptr: check the syntax only, keep nothing (the items of an array after its first, with
    // firstItemsOnly).
    bool parseValue(JsonValue* value, std::size_t depth)
    {
        if (m_pos >= m_text.size())
            return fail("the line ends before its JSON value does");
        JsonValue ignored;
        JsonValue& v = value ? *value : ignored;
        switch (m_text[m_pos]) {
        case '{':
            return parseObject(value, depth + 1);
        case '[':
            return parseArray(value, depth + 1);
        case '"':
            v.kind = JsonKind::String;
            if (value)
                return parseString(v.text);
            m_scratch.clear();
            return parseString(m_scratch);
        case 't':
            v.kind = JsonKind::Bool;
            v.boolean = true;
            return literal("true");
        case 'f':
            v.kind = JsonKind::Bool;
            return literal("false");
        case 'n':
            v.kind = JsonKind::Null;
            return literal("null");
        default:
            return parseNumber(v, value != nullptr);
        }
    }

    bool parseObject(JsonValue* value, std::size_t depth)
    {
        if (depth > m_maxDepth)
            return fail("JSON nested too deeply");
        if (value) {
            value->kind = JsonKind::Object;
            value->members.reserve(8);
        }
        ++m_pos;
        skipSpace();
        if (m_pos < m_text.size() && m_text[m_pos] == '}') {
            ++m_pos;
            return true;
        }
        for (;;) {
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != '"')
                return fail("expected a key in a JSON object");
            std::string key;
            m_scratch.clear();
            if (!parseString(value ? key : m_scratch))
                return false;
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != ':')
                return fail("expected ':' in a JSON object");
            ++m_pos;
            skipSpace();
            if (value) {
                value->members.emplace_back(std::move(key), JsonValue {});
                if (!parseValue(&value->members.back().second, depth))
                    return false;
            } else if (!parseValue(nullptr, depth)) {
                return false;
            }
            skipSpace();
            if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_text.size() && m_text[m_pos] == '}') {
                ++m_pos;
                return true;
            }
            return fail("expected ',' or '}' in a JSON object");
        }
    }

    bool parseArray(JsonValue* value, std::size_t depth)
    {
        if (depth > m_maxDepth)
            return fail("JSON nested too deeply");
        if (value)
            value->kind = JsonKind::Array;
        ++m_pos;
        skipSpace();
        if (m_pos < m_text.size() && m_text[m_pos] == ']') {
            ++m_pos;
            return true;
        }
        for (std::size_t index = 0;; ++index) {
            skipSpace();
            const bool keep = value && (index == 0 || !m_firstItemsOnly);
            if (keep) {
                value->items.emplace_back();
                if (!parseValue(&value->items.back(), depth))
                    return false;
            } else if (!parseValue(nullptr, depth)) {
                return false;
            }
            skipSpace();
            if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_text.size() && m_text[m_pos] == ']') {
                ++m_pos;
                return true;
            }
            return fail("expected ',' or ']' in a JSON array");
        }
    }

    bool hex4(unsigned& code)
    {
        if (m_pos + 4 > m_text.size())
            return fail("truncated \\u escape");
        code = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos + i];
            int digit = -1;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                digit = c - 'A' + 10;
            if (digit < 0)
                return fail("invalid \\u escape");
            code = code * 16 + static_cast<unsigned>(digit);
        }
        m_pos += 4;
        return true;
    }

    bool parseString(std::string& out)
    {
        ++m_pos; // the opening quote
        while (m_pos < m_text.size()) {
            // A run of plain ASCII in one append.
            std::size_t end = m_pos;
            while (end < m_text.size()) {
                const unsigned char b = static_cast<unsigned char>(m_text[end]);
                if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80)
                    break;
                ++end;
            }
            out.append(m_text.data() + m_pos, end - m_pos);
            m_pos = end;
            if (m_pos >= m_text.size())
                break;
            const unsigned char c = static_cast<unsigned char>(m_text[m_pos]);
            if (c == '"') {
                ++m_pos;
                return true;
            }
            if (c < 0x20)
                return fail("control character in a JSON string");
            if (c >= 0x80) {
                const auto decoded = decodeUtf8(m_text, m_pos);
                if (!decoded)
                    return fail("bytes that are not UTF-8 in a JSON string");
                out.append(m_text.substr(m_pos, decoded->length));
                m_pos += decoded->length;
                continue;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                ++m_pos;
                continue;
            }
            if (++m_pos >= m_text.size())
                return fail("truncated escape in a JSON string");
            const char e = m_text[m_pos++];
            switch (e) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                unsigned code = 0;
                if (!hex4(code))
                    return false;
                if (code >= 0xD800 && code <= 0xDBFF) {
                    unsigned low = 0;
                    if (m_text.substr(m_pos, 2) != "\\u")
                        return fail("unpaired surrogate in a JSON string");
                    m_pos += 2;
                    if (!hex4(low))
                        return false;
                    if (low < 0xDC00 || low > 0xDFFF)
                        return fail("unpaired surrogate in a JSON string");
                    appendUtf8(out, 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00));
                } else if (code >= 0xDC80 && code <= 0xDCFF) {
                    out += static_cast<char>(code - 0xDC00); // a byte that is not UTF-8, as os.fsdecode
                } else if (code >= 0xDC00 && code <= 0xDFFF) {
                    return fail("unpaired surrogate in a JSON string");
                } else {
                    appendUtf8(out, code);
                }
                break;
            }
            default:
                return fail("invalid escape in a JSON string");
            }
        }
        return fail("unterminated JSON string");
    }

    bool parseNumber(JsonValue& value, bool keep)
    {
        const std::size_t start = m_pos;
        const auto digits = [&] {
            const std::size_t from = m_pos;
            while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9')
                ++m_pos;
            return m_pos > from;
        };
        if (m_pos < m_text.size() && m_text[m_pos] == '-')
            ++m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '0')
            ++m_pos;
        else if (!digits())
            return fail("invalid JSON value");
        bool integer = true;
        if (m_pos < m_text.size() && m_text[m_pos] == '.') {
            ++m_pos;
            integer = false;
            if (!digits())
                return fail("invalid JSON number");
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
            ++m_pos;
            integer = false;
            if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-'))
                ++m_pos;
            if (!digits())
                return fail("invalid JSON number");
        }
        if (!keep)
            return true;
        // from_chars: independent of the C locale, which a Qt application sets from the environment.
        const char* first = m_text.data() + start;
        const char* last = m_text.data() + m_pos;
        value.kind = JsonKind::Number;
        std::from_chars(first, last, value.number);
        if (integer) {
            std::int64_t parsed = 0;
            if (std::from_chars(first, last, parsed).ec == std::errc()) {
                value.isInteger = true;
                value.integer = parsed;
            }
        }
        return true;
    }

    std::string_view m_text;
    std::size_t m_maxDepth;
    bool m_firstItemsOnly;
    std::size_t m_pos = 0;
    std::string m_error;
    std::string m_scratch; ///< strings that are checked, not kept
};

} // namespace

Result<JsonValue> parseJsonLine(std::string_view line, const JsonLineOptions& options)
{
    return LineParser(line, options).document();
}

} // namespace lens
