#include "io/JsonReader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

namespace lens {

const JsonValue* JsonValue::find(std::string_view key) const
{
    if (kind != JsonKind::Object)
        return nullptr;
    for (const auto& [name, value] : members) {
        if (name == key)
            return &value;
    }
    return nullptr;
}

namespace {

class Parser {
public:
    Parser(std::string_view text, const JsonReadOptions& options)
        : m_text(text)
        , m_options(options)
    { }

    Result<JsonValue> document()
    {
        JsonValue value;
        skipSpace();
        if (!parseValue(value, 0))
            return Error {m_error};
        skipSpace();
        if (m_pos != m_text.size())
            return Error {"unexpected text after the JSON value, at byte " + std::to_string(m_pos)};
        return value;
    }

private:
    bool fail(const std::string& what)
    {
        if (m_error.empty())
            m_error = what + ", at byte " + std::to_string(m_pos);
        return false;
    }

    void skipSpace()
    {
        while (m_pos < m_text.size()
               && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n'
                   || m_text[m_pos] == '\r'))
            ++m_pos;
    }

    bool literal(std::string_view word)
    {
        if (m_text.substr(m_pos, word.size()) != word)
            return fail("invalid JSON literal");
        m_pos += word.size();
        return true;
    }

    bool parseValue(JsonValue& out, std::size_t depth)
    {
        if (m_pos >= m_text.size())
            return fail("unexpected end of JSON");
        switch (m_text[m_pos]) {
        case '{':
            return parseObject(out, depth + 1);
        case '[':
            return parseArray(out, depth + 1);
        case '"':
            out.kind = JsonKind::String;
            return parseString(out.text);
        case 't':
            out.kind = JsonKind::Bool;
            out.boolean = true;
            return literal("true");
        case 'f':
            out.kind = JsonKind::Bool;
            return literal("false");
        case 'n':
            out.kind = JsonKind::Null;
            return literal("null");
        default:
            return parseNumber(out);
        }
    }

    bool parseObject(JsonValue& out, std::size_t depth)
    {
        if (depth > m_options.maxDepth)
            return fail("JSON nested deeper than " + std::to_string(m_options.maxDepth) + " levels");
        out.kind = JsonKind::Object;
        ++m_pos;
        skipSpace();
        if (m_pos < m_text.size() && m_text[m_pos] == '}') {
            ++m_pos;
            return true;
        }
        std::unordered_set<std::string> seen;
        while (true) {
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != '"')
                return fail("expected a string key in a JSON object");
            std::string key;
            if (!parseString(key))
                return false;
            if (m_options.rejectDuplicateKeys && !seen.insert(key).second)
                return fail("duplicate JSON key \"" + key + "\"");
            skipSpace();
            if (m_pos >= m_text.size() || m_text[m_pos] != ':')
                return fail("expected ':' in a JSON object");
            ++m_pos;
            skipSpace();
            out.members.emplace_back(std::move(key), JsonValue {});
            if (!parseValue(out.members.back().second, depth))
                return false;
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

    bool parseArray(JsonValue& out, std::size_t depth)
    {
        if (depth > m_options.maxDepth)
            return fail("JSON nested deeper than " + std::to_string(m_options.maxDepth) + " levels");
        out.kind = JsonKind::Array;
        ++m_pos;
        skipSpace();
        if (m_pos < m_text.size() && m_text[m_pos] == ']') {
            ++m_pos;
            return true;
        }
        while (true) {
            skipSpace();
            out.items.emplace_back();
            if (!parseValue(out.items.back(), depth))
                return false;
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

    static void appendUtf8(std::string& out, std::uint32_t cp)
    {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    bool hex4(std::uint32_t& out)
    {
        if (m_text.size() - m_pos < 4)
            return fail("truncated \\u escape in a JSON string");
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos++];
            out <<= 4;
            if (c >= '0' && c <= '9')
                out |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                out |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                out |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                return fail("invalid \\u escape in a JSON string");
        }
        return true;
    }

    bool parseString(std::string& out)
    {
        ++m_pos; // opening quote
        while (true) {
            if (m_pos >= m_text.size())
                return fail("unterminated JSON string");
            const char c = m_text[m_pos++];
            if (c == '"')
                return true;
            if (static_cast<unsigned char>(c) < 0x20)
                return fail("control character in a JSON string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_text.size())
                return fail("unterminated JSON string");
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
                std::uint32_t cp = 0;
                if (!hex4(cp))
                    return false;
                if (cp >= 0xD800 && cp < 0xDC00) {
                    std::uint32_t low = 0;
                    if (m_text.substr(m_pos, 2) != "\\u")
                        return fail("unpaired surrogate in a JSON string");
                    m_pos += 2;
                    if (!hex4(low))
                        return false;
                    if (low < 0xDC00 || low > 0xDFFF)
                        return fail("unpaired surrogate in a JSON string");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail("unpaired surrogate in a JSON string");
                }
                appendUtf8(out, cp);
                break;
            }
            default:
                return fail("invalid escape in a JSON string");
            }
        }
    }

    bool parseNumber(JsonValue& out)
    {
        const std::size_t start = m_pos;
        const auto digits = [&] {
            const std::size_t from = m_pos;
            while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9')
                ++m_pos;
            return m_pos - from;
        };
        if (m_pos < m_text.size() && m_text[m_pos] == '-')
            ++m_pos;
        const std::size_t intStart = m_pos;
        const std::size_t intDigits = digits();
        if (intDigits == 0)
            return fail("invalid JSON value");
        if (intDigits > 1 && m_text[intStart] == '0')
            return fail("leading zero in a JSON number");
        bool integral = true;
        if (m_pos < m_text.size() && m_text[m_pos] == '.') {
            ++m_pos;
            integral = false;
            if (digits() == 0)
                return fail("invalid JSON number");
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
            ++m_pos;
            integral = false;
            if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-'))
                ++m_pos;
            if (digits() == 0)
                return fail("invalid JSON number");
        }
        const std::string literalText(m_text.substr(start, m_pos - start));
        out.kind = JsonKind::Number;
        out.number = std::strtod(literalText.c_str(), nullptr);
        if (integral) {
            errno = 0;
            const long long parsed = std::strtoll(literalText.c_str(), nullptr, 10);
            if (errno == 0) {
                out.isInteger = true;
                out.integer = parsed;
            }
        }
        return true;
    }

    std::string_view m_text;
    const JsonReadOptions& m_options;
    std::size_t m_pos = 0;
    std::string m_error;
};

} // namespace

Result<JsonValue> parseJson(std::string_view text, const JsonReadOptions& options)
{
    return Parser(text, options).document();
}

} // namespace lens
