#include "io/JsonReader.h"

#include "io/Text.h"

#include <charconv>
#include <cmath>
#include <set>

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
        return end(std::move(value));
    }

    Result<void> members(const std::function<Result<void>(std::string key, JsonValue value)>& onMember)
    {
        skipSpace();
        if (m_pos >= m_text.size() || m_text[m_pos] != '{')
            return Error {"expected a JSON object, at byte " + std::to_string(m_pos)};
        ++m_pos;
        skipSpace();
        std::set<std::string> seen;
        bool first = true;
        while (true) {
            skipSpace();
            if (first && m_pos < m_text.size() && m_text[m_pos] == '}')
                break;
            first = false;
            std::string key;
            JsonValue value;
            m_charged = 0;
            if (!member(key, value, 1, seen))
                return Error {m_error};
            if (Result<void> taken = onMember(std::move(key), std::move(value)); !taken)
                return taken;
            skipSpace();
            if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_text.size() && m_text[m_pos] == '}')
                break;
            fail("expected ',' or '}' in a JSON object");
            return Error {m_error};
        }
        ++m_pos;
        if (auto ended = end(true); !ended)
            return ended.error();
        return {};
    }

private:
    template <typename T> Result<T> end(T value)
    {
        skipSpace();
        if (m_pos != m_text.size())
            return Error {"unexpected text after the JSON value, at byte " + std::to_string(m_pos)};
        return value;
    }

    bool charge(std::size_t bytes)
    {
        m_charged += bytes;
        if (m_charged > m_options.maxMemory)
            return fail("JSON expands to more than " + std::to_string(m_options.maxMemory >> 20)
                        + " MiB in memory");
        return true;
    }

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
        if (!charge(sizeof(JsonValue)))
            return false;
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

    /// One "key": value pair of an object, the key checked against those seen before.
    bool member(std::string& key, JsonValue& value, std::size_t depth, std::set<std::string>& seen)
    {
        skipSpace();
        if (m_pos >= m_text.size() || m_text[m_pos] != '"')
            return fail("expected a string key in a JSON object");
        if (!parseString(key) || !charge(key.size() + sizeof(std::string)))
            return false;
        if (m_options.rejectDuplicateKeys && !seen.insert(key).second)
            return fail("duplicate JSON key \"" + key + "\"");
        skipSpace();
        if (m_pos >= m_text.size() || m_text[m_pos] != ':')
            return fail("expected ':' in a JSON object");
        ++m_pos;
        skipSpace();
        return parseValue(value, depth);
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
        std::set<std::string> seen;
        while (true) {
            out.members.emplace_back();
            if (!member(out.members.back().first, out.members.back().second, depth, seen))
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
        for (std::size_t index = 0;; ++index) {
            skipSpace();
            if (index > 0 && m_options.firstItemsOnly) {
                JsonValue dropped; // checked, not kept: neither is its memory charged
                const std::size_t charged = m_charged;
                if (!parseValue(dropped, depth))
                    return false;
                m_charged = charged;
            } else {
                out.items.emplace_back();
                if (!parseValue(out.items.back(), depth))
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
            // A run of plain ASCII in one append: most strings are nothing else.
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
                return fail("unterminated JSON string");
            const char c = m_text[m_pos++];
            if (c == '"')
                return true;
            if (static_cast<unsigned char>(c) < 0x20)
                return fail("control character in a JSON string");
            if (static_cast<unsigned char>(c) >= 0x80) {
                const auto utf8 = decodeUtf8(m_text, m_pos - 1);
                if (!utf8) {
                    --m_pos;
                    return fail("a JSON string is not valid UTF-8");
                }
                out.append(m_text.substr(m_pos - 1, utf8->length));
                m_pos += utf8->length - 1;
                continue;
            }
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
                } else if (cp >= 0xDC80 && cp <= 0xDCFF && m_options.surrogateEscapesAsBytes) {
                    out += static_cast<char>(cp - 0xDC00);
                    break;
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
        // from_chars, unlike strtod, ignores the locale (an application may use a decimal comma).
        const char* first = m_text.data() + start;
        const char* last = m_text.data() + m_pos;
        out.kind = JsonKind::Number;
        if (std::from_chars(first, last, out.number).ec == std::errc::result_out_of_range)
            out.number = (*first == '-' ? -1 : 1) * HUGE_VAL;
        if (integral) {
            long long parsed = 0;
            if (std::from_chars(first, last, parsed).ec == std::errc()) {
                out.isInteger = true;
                out.integer = parsed;
            }
        }
        return true;
    }

    std::string_view m_text;
    const JsonReadOptions& m_options;
    std::size_t m_pos = 0;
    std::size_t m_charged = 0;
    std::string m_error;
};

} // namespace

Result<JsonValue> parseJson(std::string_view text, const JsonReadOptions& options)
{
    return Parser(text, options).document();
}

Result<void>
parseJsonObjectMembers(std::string_view text, const JsonReadOptions& options,
                       const std::function<Result<void>(std::string key, JsonValue value)>& onMember)
{
    return Parser(text, options).members(onMember);
}

} // namespace lens
