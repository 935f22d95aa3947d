#include "checkpoint/Pickle.h"

#include "io/Text.h"
#include "tensor/DType.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <locale>
#include <map>
#include <new>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace lens {

struct PickleDocument::Arena {
    std::deque<PickleValue> values;
    std::deque<TensorRef> tensors;
};

PickleDocument::PickleDocument()
    : m_arena(std::make_unique<Arena>())
{ }

PickleDocument::PickleDocument(PickleDocument&&) noexcept = default;
PickleDocument& PickleDocument::operator=(PickleDocument&&) noexcept = default;
PickleDocument::~PickleDocument() = default;

const PickleValue* PickleValue::find(std::string_view key) const
{
    if (kind != PickleKind::Dict)
        return nullptr;
    for (const auto& [k, v] : entries) {
        if (k->kind == PickleKind::String && k->text == key)
            return v;
    }
    return nullptr;
}

const char* pickleKindName(PickleKind kind)
{
    switch (kind) {
    case PickleKind::None:
        return "None";
    case PickleKind::Bool:
        return "bool";
    case PickleKind::Int:
        return "int";
    case PickleKind::BigInt:
        return "big int";
    case PickleKind::Float:
        return "float";
    case PickleKind::String:
        return "string";
    case PickleKind::Bytes:
        return "bytes";
    case PickleKind::Tuple:
        return "tuple";
    case PickleKind::List:
        return "list";
    case PickleKind::Dict:
        return "dict";
    case PickleKind::Set:
        return "set";
    case PickleKind::Storage:
        return "storage";
    case PickleKind::Tensor:
        return "tensor";
    case PickleKind::Global:
        return "global";
    case PickleKind::Object:
        return "object";
    }
    return "value";
}

namespace {

constexpr std::size_t kMaxBigIntBytes = 64;
constexpr std::size_t kMaxTensorDims = 64;
constexpr std::size_t kMaxGlobalNameLength = 1024;
constexpr std::size_t kMaxStorageKeyLength = 256;

const char* const kStorageTypes[] = {"Float", "Double", "Half",   "BFloat16", "Long",         "Int",
                                     "Short", "Char",   "Byte",   "Bool",     "ComplexFloat", "ComplexDouble",
                                     "QInt8", "QUInt8", "QInt32", "QUInt4x2", "QUInt2x4"};

const char* const kTorchDtypes[]
    = {"float32",    "float",  "float64", "double", "float16", "half",   "bfloat16", "int64",     "long",
       "int32",      "int",    "int16",   "short",  "int8",    "uint8",  "bool",     "complex32", "complex64",
       "complex128", "cfloat", "cdouble", "chalf",  "qint8",   "quint8", "qint32",   "quint4x2",  "quint2x4"};

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

/// "torch.FloatStorage" / "torch.cuda.FloatStorage" -> "Float"; empty when not a storage class.
std::string storageDtype(std::string_view name)
{
    std::string_view rest;
    if (startsWith(name, "torch.cuda."))
        rest = name.substr(11);
    else if (startsWith(name, "torch."))
        rest = name.substr(6);
    else
        return {};
    for (const char* type : kStorageTypes) {
        const std::size_t length = std::strlen(type);
        if (rest.size() == length + 7 && rest.compare(0, length, type) == 0
            && rest.substr(length) == "Storage")
            return type;
    }
    return {};
}

bool isTorchDtype(std::string_view name)
{
    if (!startsWith(name, "torch."))
        return false;
    const std::string_view rest = name.substr(6);
    return std::any_of(std::begin(kTorchDtypes), std::end(kTorchDtypes),
                       [&](const char* dtype) { return rest == dtype; });
}

bool isNumpyScalar(std::string_view name)
{
    return name == "numpy.core.multiarray.scalar" || name == "numpy._core.multiarray.scalar";
}

std::string normalizeModule(std::string module)
{
    // Protocol < 3 pickles written by Python 3 map module names back to their Python 2 spelling.
    if (module == "__builtin__")
        return "builtins";
    if (module == "copy_reg")
        return "copyreg";
    return module;
}

void appendUtf8(std::string& out, std::uint32_t codePoint)
{
    if (codePoint < 0x80) {
        out += static_cast<char>(codePoint);
    } else if (codePoint < 0x800) {
        out += static_cast<char>(0xC0 | (codePoint >> 6));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else if (codePoint < 0x10000) {
        out += static_cast<char>(0xE0 | (codePoint >> 12));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (codePoint >> 18));
        out += static_cast<char>(0x80 | ((codePoint >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((codePoint >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (codePoint & 0x3F));
    }
}

/// UTF-8 -> one byte per code point; false if the text is not valid UTF-8 or has a code point above 0xFF.
bool utf8ToLatin1(std::string_view text, std::string& out)
{
    out.clear();
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            out += static_cast<char>(byte);
            ++i;
        } else if ((byte & 0xE0) == 0xC0 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            const std::uint32_t codePoint = ((byte & 0x1Fu) << 6) | (next & 0x3Fu);
            if ((next & 0xC0) != 0x80 || codePoint < 0x80 || codePoint > 0xFF)
                return false;
            out += static_cast<char>(codePoint);
            i += 2;
        } else {
            return false;
        }
    }
    return true;
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool checkedMul(std::int64_t a, std::int64_t b, std::int64_t& out)
{
    // Both operands are non-negative here.
    if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a)
        return false;
    out = a * b;
    return true;
}

bool checkedAdd(std::int64_t a, std::int64_t b, std::int64_t& out)
{
    if (b > std::numeric_limits<std::int64_t>::max() - a)
        return false;
    out = a + b;
    return true;
}

struct ParseError {
    std::string what;
};

} // namespace

namespace detail {

class Unpickler {
public:
    Unpickler(const char* data, std::size_t size, const UnpickleOptions& options)
        : m_data(reinterpret_cast<const unsigned char*>(data))
        , m_size(size)
        , m_options(options)
    { }

    Result<PickleDocument> run()
    {
        try {
            parse();
        } catch (const ParseError& error) {
            return Error {m_options.displayName + ": " + error.what + ", at byte "
                          + std::to_string(m_options.baseOffset + m_opcodeOffset)};
        } catch (const std::bad_alloc&) {
            return Error {m_options.displayName + ": out of memory while reading the pickle, at byte "
                          + std::to_string(m_options.baseOffset + m_opcodeOffset)};
        }
        return std::move(m_document);
    }

private:
    using Value = PickleValue;

    [[noreturn]] void fail(std::string what) { throw ParseError {std::move(what)}; }

    // input

    std::size_t remaining() const { return m_size - m_pos; }

    const unsigned char* take(std::uint64_t count)
    {
        if (count > remaining())
            fail("unexpected end of data");
        const unsigned char* start = m_data + m_pos;
        m_pos += static_cast<std::size_t>(count);
        return start;
    }

    std::uint64_t readLittle(int bytes)
    {
        const unsigned char* p = take(static_cast<std::uint64_t>(bytes));
        std::uint64_t value = 0;
        for (int i = bytes - 1; i >= 0; --i)
            value = (value << 8) | p[i];
        return value;
    }

    std::string_view readLine()
    {
        const void* newline = std::memchr(m_data + m_pos, '\n', remaining());
        if (!newline)
            fail("unexpected end of data");
        const auto* end = static_cast<const unsigned char*>(newline);
        std::string_view line(reinterpret_cast<const char*>(m_data + m_pos),
                              static_cast<std::size_t>(end - (m_data + m_pos)));
        m_pos += line.size() + 1;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        return line;
    }

    std::string_view readBytes(std::uint64_t count)
    {
        const unsigned char* p = take(count);
        return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(count)};
    }

    // values

    /// Accounts for memory the document or parser keeps; a pickle can reuse memoized values, so its
    /// output is not bounded by its size alone (e.g. calling a constructor on one large argument again and
    /// again).
    void charge(std::size_t bytes)
    {
        m_charged += bytes;
        if (m_charged > m_options.maxMemory)
            fail("pickle expands to more than " + std::to_string(m_options.maxMemory >> 20) + " MiB");
    }

    Value* make(PickleKind kind)
    {
        charge(sizeof(Value));
        if (m_document.m_arena->values.size() >= m_options.maxValues)
            fail("pickle holds more than " + std::to_string(m_options.maxValues) + " values");
        Value& value = m_document.m_arena->values.emplace_back();
        value.kind = kind;
        return &value;
    }

    Value* makeInt(std::int64_t number)
    {
        Value* value = make(PickleKind::Int);
        value->integer = number;
        return value;
    }

    Value* makeText(PickleKind kind, std::string_view text)
    {
        charge(text.size());
        Value* value = make(kind);
        value->text.assign(text.data(), text.size());
        return value;
    }

    Value* makeBool(bool flag) { return flag ? m_true : m_false; }

    /// A text string as Python's unpickler decodes it: invalid UTF-8 is an error there
    /// (UnicodeDecodeError), so it is one here.
    Value* makeString(std::string_view text, bool allowSurrogates)
    {
        checkUtf8(text, allowSurrogates, "a string");
        return makeText(PickleKind::String, text);
    }

    void checkUtf8(std::string_view text, bool allowSurrogates, const char* what)
    {
        if (const auto bad = firstInvalidUtf8(text, allowSurrogates)) {
            static const char* const hex = "0123456789abcdef";
            const auto byte = static_cast<unsigned char>(text[*bad]);
            fail(std::string(what) + " in the pickle is not valid UTF-8 (byte 0x" + hex[byte >> 4]
                 + hex[byte & 15] + " at position " + std::to_string(*bad)
                 + "); Python's torch.load refuses it too (UnicodeDecodeError)");
        }
    }

    TensorRef* makeTensorRef()
    {
        charge(sizeof(TensorRef));
        if (m_document.m_arena->tensors.size() >= m_options.maxValues)
            fail("pickle holds more than " + std::to_string(m_options.maxValues) + " values");
        return &m_document.m_arena->tensors.emplace_back();
    }

    /// Records that `child` now lives inside `parent`, keeping depth exact and the graph acyclic.
    void adopt(Value* parent, Value* child)
    {
        if (child == parent)
            fail("pickle builds a container that contains itself");
        if (parent->m_nested)
            fail("pickle modifies a " + std::string(pickleKindName(parent->kind))
                 + " after placing it in another container (cyclic structures are not supported)");
        if (child->depth + 1u > m_options.maxDepth)
            fail("pickle nests deeper than " + std::to_string(m_options.maxDepth) + " levels");
        charge(2 * sizeof(Value*));
        parent->depth = std::max(parent->depth, child->depth + 1u);
        child->m_nested = true;
    }

    void addItem(Value* parent, Value* child)
    {
        adopt(parent, child);
        parent->items.push_back(child);
    }

    /// Python dict semantics for hashable scalar keys: a repeated key keeps its slot, the value is replaced.
    std::optional<std::string> keyIdentity(const Value* key) const
    {
        switch (key->kind) {
        case PickleKind::None:
            return std::string("n");
        case PickleKind::Bool:
            return "i" + std::to_string(key->boolean ? 1 : 0);
        case PickleKind::Int:
            return "i" + std::to_string(key->integer);
        case PickleKind::Float:
            if (std::isfinite(key->real) && std::trunc(key->real) == key->real
                && std::fabs(key->real) < 9.0e18)
                return "i" + std::to_string(static_cast<std::int64_t>(key->real));
            return std::nullopt;
        case PickleKind::String:
            return "s" + key->text;
        case PickleKind::Bytes:
            return "b" + key->text;
        default:
            return std::nullopt;
        }
    }

    void setItem(Value* dict, Value* key, Value* value)
    {
        adopt(dict, key);
        adopt(dict, value);
        if (dict->kind == PickleKind::Object) {
            dict->entries.emplace_back(key, value);
            return;
        }
        if (std::optional<std::string> identity = keyIdentity(key)) {
            charge(identity->size() + 64);
            auto& index = m_dictKeys[dict];
            auto [it, inserted] = index.emplace(std::move(*identity), dict->entries.size());
            if (!inserted) {
                dict->entries[it->second].second = value;
                return;
            }
        }
        dict->entries.emplace_back(key, value);
    }

    // stack

    std::size_t markBase() const { return m_marks.empty() ? 0 : m_marks.back(); }

    void push(Value* value)
    {
        if (m_stack.size() >= m_options.maxValues)
            fail("pickle stack grows beyond " + std::to_string(m_options.maxValues) + " entries");
        charge(sizeof(Value*));
        m_stack.push_back(value);
    }

    Value* pop()
    {
        if (m_stack.size() <= markBase())
            fail("pickle stack underflow");
        Value* value = m_stack.back();
        m_stack.pop_back();
        return value;
    }

    Value* top()
    {
        if (m_stack.size() <= markBase())
            fail("pickle stack underflow");
        return m_stack.back();
    }

    std::vector<Value*> popMark()
    {
        if (m_marks.empty())
            fail("pickle opcode needs a MARK but none is open");
        const std::size_t base = m_marks.back();
        m_marks.pop_back();
        std::vector<Value*> items(m_stack.begin() + static_cast<std::ptrdiff_t>(base), m_stack.end());
        m_stack.resize(base);
        return items;
    }

    Value* memoGet(std::uint64_t index)
    {
        const auto it = m_memo.find(index);
        if (it == m_memo.end())
            fail("pickle memo has no entry " + std::to_string(index));
        return it->second;
    }

    void memoPut(std::uint64_t index)
    {
        Value* value = top();
        if (m_memo.find(index) == m_memo.end())
            charge(64);
        m_memo[index] = value;
    }

    // text forms (protocol 0)

    static std::string_view trim(std::string_view text)
    {
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
            text.remove_prefix(1);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
            text.remove_suffix(1);
        return text;
    }

    std::int64_t parseDecimal(std::string_view text, const char* what)
    {
        text = trim(text);
        bool negative = false;
        if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
            negative = text.front() == '-';
            text.remove_prefix(1);
        }
        if (text.empty())
            fail(std::string("malformed ") + what + " in pickle");
        std::uint64_t magnitude = 0;
        for (const char c : text) {
            if (c < '0' || c > '9')
                fail(std::string("malformed ") + what + " in pickle");
            if (magnitude > (std::uint64_t(1) << 63) / 10)
                fail(std::string(what) + " in pickle does not fit in 64 bits");
            magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');
            if (magnitude > (std::uint64_t(1) << 63))
                fail(std::string(what) + " in pickle does not fit in 64 bits");
        }
        if (!negative && magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail(std::string(what) + " in pickle does not fit in 64 bits");
        return negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
    }

    /// INT/LONG text: a decimal of any size, converted to the LONG1 byte form so big values become BigInt.
    Value* parseTextInteger(std::string_view text)
    {
        text = trim(text);
        bool negative = false;
        if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
            negative = text.front() == '-';
            text.remove_prefix(1);
        }
        if (text.empty())
            fail("malformed integer in pickle");
        std::string bytes(1, '\0'); // little-endian magnitude
        for (const char c : text) {
            if (c < '0' || c > '9')
                fail("malformed integer in pickle");
            unsigned carry = static_cast<unsigned>(c - '0');
            for (char& byte : bytes) {
                const unsigned product = static_cast<unsigned char>(byte) * 10u + carry;
                byte = static_cast<char>(product & 0xFF);
                carry = product >> 8;
            }
            if (carry)
                bytes += static_cast<char>(carry);
            if (bytes.size() > kMaxBigIntBytes)
                fail("integer of more than " + std::to_string(kMaxBigIntBytes)
                     + " bytes in pickle is too large");
        }
        bytes += '\0'; // room for the sign bit
        if (negative) {
            unsigned carry = 1;
            for (char& byte : bytes) {
                const unsigned sum = (~static_cast<unsigned char>(byte) & 0xFFu) + carry;
                byte = static_cast<char>(sum & 0xFF);
                carry = sum >> 8;
            }
        }
        return makeLong(bytes);
    }

    std::uint64_t parseMemoIndex(std::string_view text)
    {
        const std::int64_t index = parseDecimal(text, "memo index");
        if (index < 0)
            fail("negative memo index in pickle");
        return static_cast<std::uint64_t>(index);
    }

    double parseFloat(std::string_view text)
    {
        text = trim(text);
        std::string lower(text);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
        if (lower == "inf" || lower == "+inf" || lower == "infinity")
            return std::numeric_limits<double>::infinity();
        if (lower == "-inf" || lower == "-infinity")
            return -std::numeric_limits<double>::infinity();
        if (lower == "nan" || lower == "-nan" || lower == "+nan")
            return std::numeric_limits<double>::quiet_NaN();
        // A classic-locale stream: the application may have set a locale with a decimal comma.
        std::istringstream stream(lower);
        stream.imbue(std::locale::classic());
        double value = 0.0;
        stream >> value;
        if (stream.fail() || stream.peek() != std::char_traits<char>::eof())
            fail("malformed float in pickle");
        return value;
    }

    /// The STRING opcode's argument: a quoted Python 2 repr, decoded like codecs.escape_decode.
    std::string parseQuoted(std::string_view text)
    {
        if (text.size() < 2 || text.front() != text.back() || (text.front() != '\'' && text.front() != '"'))
            fail("STRING opcode argument is not quoted");
        text = text.substr(1, text.size() - 2);
        std::string out;
        out.reserve(text.size());
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (c != '\\' || i + 1 == text.size()) {
                out += c;
                continue;
            }
            const char e = text[++i];
            switch (e) {
            case '\\':
            case '\'':
            case '"':
                out += e;
                break;
            case 'a':
                out += '\a';
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
            case 'v':
                out += '\v';
                break;
            case 'x': {
                if (i + 2 >= text.size() || hexDigit(text[i + 1]) < 0 || hexDigit(text[i + 2]) < 0)
                    fail("invalid \\x escape in pickle STRING");
                out += static_cast<char>(hexDigit(text[i + 1]) * 16 + hexDigit(text[i + 2]));
                i += 2;
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int code = e - '0';
                    for (int n = 0; n < 2 && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '7';
                         ++n)
                        code = code * 8 + (text[++i] - '0');
                    out += static_cast<char>(code & 0xFF);
                } else {
                    out += '\\';
                    out += e;
                }
            }
        }
        return out;
    }

    /// The UNICODE opcode's argument: raw-unicode-escape (\uXXXX, \UXXXXXXXX, other bytes are Latin-1).
    std::string parseRawUnicode(std::string_view text)
    {
        std::string out;
        out.reserve(text.size());
        for (std::size_t i = 0; i < text.size(); ++i) {
            const auto c = static_cast<unsigned char>(text[i]);
            if (c == '\\' && i + 1 < text.size() && (text[i + 1] == 'u' || text[i + 1] == 'U')) {
                const std::size_t digits = text[i + 1] == 'u' ? 4 : 8;
                if (i + 1 + digits >= text.size())
                    fail("truncated \\u escape in pickle UNICODE");
                std::uint32_t codePoint = 0;
                for (std::size_t d = 0; d < digits; ++d) {
                    const int h = hexDigit(text[i + 2 + d]);
                    if (h < 0)
                        fail("invalid \\u escape in pickle UNICODE");
                    codePoint = codePoint * 16 + static_cast<std::uint32_t>(h);
                }
                if (codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
                    fail("invalid code point in pickle UNICODE");
                appendUtf8(out, codePoint);
                i += 1 + digits;
            } else {
                appendUtf8(out, c);
            }
        }
        return out;
    }

    /// LONG1/LONG4 payload: little-endian two's complement.
    Value* makeLong(std::string_view bytes)
    {
        if (bytes.empty())
            return makeInt(0);
        const auto at = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
        const bool negative = at(bytes.size() - 1) & 0x80;
        // Trailing sign-extension bytes do not change the value.
        std::size_t significant = bytes.size();
        const unsigned char fill = negative ? 0xFF : 0x00;
        while (significant > 1 && at(significant - 1) == fill
               && ((at(significant - 2) & 0x80) != 0) == negative)
            --significant;
        if (significant <= 8) {
            std::uint64_t raw = negative ? ~std::uint64_t(0) : 0;
            for (std::size_t i = 0; i < significant; ++i) {
                raw &= ~(std::uint64_t(0xFF) << (8 * i));
                raw |= std::uint64_t(at(i)) << (8 * i);
            }
            std::int64_t number = 0;
            std::memcpy(&number, &raw, sizeof number);
            return makeInt(number);
        }
        if (significant > kMaxBigIntBytes)
            fail("integer of " + std::to_string(significant) + " bytes in pickle is too large");
        return makeText(PickleKind::BigInt, bytes.substr(0, significant));
    }

    // globals and calls

    Value* makeGlobal(std::string module, std::string_view name)
    {
        module = normalizeModule(std::move(module));
        if (module.empty() || name.empty() || module.size() + name.size() > kMaxGlobalNameLength
            || module.find_first_of(std::string_view("\0\n", 2)) != std::string::npos
            || name.find_first_of(std::string_view("\0\n", 2)) != std::string_view::npos)
            fail("malformed global name in pickle");
        checkUtf8(module, false, "a global's module name");
        checkUtf8(name, false, "a global's name");
        std::string full = module + "." + std::string(name);
        if (m_globalNames.insert(full).second)
            m_document.m_globals.push_back(full);
        // torch.float32 and friends are pickled as globals; they are plain dtype names.
        if (isTorchDtype(full))
            return makeText(PickleKind::String, full);
        return makeText(PickleKind::Global, full);
    }

    Value* makeObject(std::string_view name, const std::vector<Value*>& args, Value* kwargs)
    {
        Value* object = makeText(PickleKind::Object, name);
        for (Value* arg : args)
            addItem(object, arg);
        if (kwargs) {
            adopt(object, kwargs);
            object->kwargs = kwargs;
        }
        return object;
    }

    std::vector<Value*> sequenceItems(Value* value)
    {
        std::vector<Value*> out;
        out.reserve(value->items.size());
        for (const Value* item : value->items)
            out.push_back(const_cast<Value*>(item));
        return out;
    }

    /// REDUCE/NEWOBJ/NEWOBJ_EX/OBJ/INST: emulates the data constructors, makes everything else inert.
    Value* call(Value* callable, Value* argsValue, Value* kwargs)
    {
        if (argsValue->kind != PickleKind::Tuple && argsValue->kind != PickleKind::List)
            fail("call arguments in pickle are a " + std::string(pickleKindName(argsValue->kind))
                 + ", not a tuple");
        return call(callable, sequenceItems(argsValue), kwargs);
    }

    Value* call(Value* callable, const std::vector<Value*>& args, Value* kwargs)
    {
        if (callable->kind == PickleKind::Object) {
            // A call on what another call returned (getattr(os, "system")("...")).
            Value* object = recordCall(makeObject(callable->text, args, kwargs));
            adopt(object, callable);
            object->callee = callable;
            return object;
        }
        if (callable->kind != PickleKind::Global)
            fail("pickle calls a " + std::string(pickleKindName(callable->kind)));
        const std::string& name = callable->text;
        const bool noKwargs = !kwargs || kwargs->entries.empty();
        if (noKwargs) {
            if (Value* result = callDataGlobal(name, args))
                return result;
        }
        if (name == "copyreg._reconstructor" && !args.empty() && args[0]->kind == PickleKind::Global)
            return recordCall(makeObject(args[0]->text, args, kwargs));
        return recordCall(makeObject(name, args, kwargs));
    }

    /// Every call Python would make and this reader only records, in stream order, kept even when the
    /// pickle discards the result.
    Value* recordCall(Value* object)
    {
        charge(sizeof(Value*));
        m_document.m_calls.push_back(object);
        return object;
    }

    /// The emulated constructors; nullptr when `name` is not one of them.
    Value* callDataGlobal(const std::string& name, const std::vector<Value*>& args)
    {
        if (name == "collections.OrderedDict" || name == "builtins.dict") {
            Value* dict = make(PickleKind::Dict);
            if (args.empty())
                return dict;
            if (args.size() != 1)
                fail(name + " called with " + std::to_string(args.size()) + " arguments");
            Value* source = args[0];
            if (source->kind == PickleKind::Dict) {
                for (const auto& [k, v] : source->entries)
                    setItem(dict, const_cast<Value*>(k), const_cast<Value*>(v));
                return dict;
            }
            if (!source->isSequence())
                fail(name + " called with a " + pickleKindName(source->kind));
            for (const Value* pair : source->items) {
                if (!pair->isSequence() || pair->items.size() != 2)
                    fail(name + " called with an item that is not a pair");
                setItem(dict, const_cast<Value*>(pair->items[0]), const_cast<Value*>(pair->items[1]));
            }
            return dict;
        }
        if (name == "builtins.set" || name == "builtins.frozenset") {
            Value* set = make(PickleKind::Set);
            if (args.empty())
                return set;
            if (args.size() != 1 || (!args[0]->isSequence() && args[0]->kind != PickleKind::Set))
                fail(name + " called with unexpected arguments");
            for (Value* item : sequenceItems(args[0]))
                addItem(set, item);
            return set;
        }
        if (name == "builtins.bytes" || name == "builtins.bytearray") {
            if (args.empty())
                return make(PickleKind::Bytes);
            if (args.size() == 1 && args[0]->kind == PickleKind::Bytes)
                return makeText(PickleKind::Bytes, args[0]->text);
            if (args.size() == 1 && args[0]->isSequence()) {
                std::string bytes;
                for (const Value* item : args[0]->items) {
                    if (item->kind != PickleKind::Int || item->integer < 0 || item->integer > 255)
                        fail(name + " called with a non-byte item");
                    bytes += static_cast<char>(item->integer);
                }
                return makeText(PickleKind::Bytes, bytes);
            }
            fail(name + " called with unexpected arguments");
        }
        if (name == "_codecs.encode") {
            if (args.size() != 2 || args[0]->kind != PickleKind::String
                || args[1]->kind != PickleKind::String)
                fail("_codecs.encode called with unexpected arguments");
            const std::string& encoding = args[1]->text;
            if (encoding == "latin1" || encoding == "latin-1" || encoding == "iso-8859-1") {
                std::string bytes;
                if (!utf8ToLatin1(args[0]->text, bytes))
                    fail("_codecs.encode text is not Latin-1");
                return makeText(PickleKind::Bytes, bytes);
            }
            if (encoding == "utf-8" || encoding == "utf8")
                return makeText(PickleKind::Bytes, args[0]->text);
            fail("_codecs.encode called with unsupported encoding '" + encoding + "'");
        }
        if (name == "torch.Size") {
            Value* tuple = make(PickleKind::Tuple);
            if (args.empty())
                return tuple;
            if (args.size() != 1 || !args[0]->isSequence())
                fail("torch.Size called with unexpected arguments");
            for (Value* item : sequenceItems(args[0])) {
                if (item->kind != PickleKind::Int)
                    fail("torch.Size called with a non-integer dimension");
                addItem(tuple, item);
            }
            return tuple;
        }
        if (name == "torch.device") {
            if (args.empty() || args.size() > 2 || args[0]->kind != PickleKind::String
                || (args.size() == 2 && args[1]->kind != PickleKind::Int && !args[1]->isNone()))
                fail("torch.device called with unexpected arguments");
            std::string device = args[0]->text;
            if (args.size() == 2 && args[1]->kind == PickleKind::Int)
                device += ":" + std::to_string(args[1]->integer);
            return makeText(PickleKind::String, device);
        }
        if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
            return rebuildTensor(name, args);
        if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state")
            return rebuildParameter(name, args);
        if (name == "torch._tensor._rebuild_from_type_v2")
            return rebuildFromType(args);
        if (isNumpyScalar(name))
            return numpyScalar(args);
        return nullptr;
    }

    Value* rebuildTensor(const std::string& name, const std::vector<Value*>& args)
    {
        const bool v2 = name == "torch._utils._rebuild_tensor_v2";
        if (v2 ? (args.size() != 6 && args.size() != 7) : args.size() != 4)
            fail(name + " called with " + std::to_string(args.size()) + " arguments");
        // A storage rebuilt by some other (inert) function, e.g. plain pickle.dumps of a tensor.
        if (args[0]->kind == PickleKind::Object)
            return nullptr;
        if (args[0]->kind != PickleKind::Storage)
            fail(name + " called with a " + pickleKindName(args[0]->kind) + " instead of a storage");
        const TensorRef& storage = *args[0]->tensor;
        if (args[1]->kind != PickleKind::Int || args[1]->integer < 0)
            fail(name + " called with an invalid storage offset");
        if (!args[2]->isSequence() || !args[3]->isSequence())
            fail(name + " called without size and stride tuples");
        const auto& sizes = args[2]->items;
        const auto& strides = args[3]->items;
        if (sizes.size() != strides.size())
            fail("tensor has " + std::to_string(sizes.size()) + " sizes but " + std::to_string(strides.size())
                 + " strides");
        if (sizes.size() > kMaxTensorDims)
            fail("tensor has " + std::to_string(sizes.size()) + " dimensions");
        if (v2 && args[4]->kind != PickleKind::Bool)
            fail(name + " called with a non-boolean requires_grad");

        charge(storage.storageKey.size() + storage.dtype.size() + storage.location.size()
               + 2 * sizeof(std::int64_t) * sizes.size());
        TensorRef* tensor = makeTensorRef();
        tensor->storageKey = storage.storageKey;
        tensor->dtype = storage.dtype;
        tensor->location = storage.location;
        tensor->storageNumel = storage.storageNumel;
        tensor->requiresGrad = v2 && args[4]->boolean;
        bool empty = false;
        std::int64_t lastIndex = args[1]->integer;
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            if (sizes[i]->kind != PickleKind::Int || sizes[i]->integer < 0
                || strides[i]->kind != PickleKind::Int || strides[i]->integer < 0)
                fail("tensor has a negative or non-integer size or stride");
            tensor->sizes.push_back(sizes[i]->integer);
            tensor->strides.push_back(strides[i]->integer);
            if (sizes[i]->integer == 0)
                empty = true;
        }
        if (!empty) {
            for (std::size_t i = 0; i < sizes.size(); ++i) {
                std::int64_t span = 0;
                if (!checkedMul(tensor->sizes[i] - 1, tensor->strides[i], span)
                    || !checkedAdd(lastIndex, span, lastIndex))
                    fail("tensor extent overflows");
            }
            // args[0]->integer: elements visible through the storage (a legacy view may show fewer).
            if (lastIndex >= args[0]->integer)
                fail("tensor with storage offset " + std::to_string(args[1]->integer) + " reaches element "
                     + std::to_string(lastIndex) + " of storage '" + storage.storageKey + "' that has "
                     + std::to_string(args[0]->integer) + " elements");
        }
        if (!checkedAdd(storage.storageOffset, args[1]->integer, tensor->storageOffset))
            fail("tensor storage offset overflows");
        Value* value = make(PickleKind::Tensor);
        value->tensor = tensor;
        return value;
    }

    Value* rebuildParameter(const std::string& name, const std::vector<Value*>& args)
    {
        const bool withState = name == "torch._utils._rebuild_parameter_with_state";
        if (args.size() != (withState ? 4u : 3u))
            fail(name + " called with " + std::to_string(args.size()) + " arguments");
        if (args[0]->kind == PickleKind::Object)
            return nullptr;
        if (args[0]->kind != PickleKind::Tensor || args[1]->kind != PickleKind::Bool)
            fail(name + " called with unexpected arguments");
        const TensorRef& source = *args[0]->tensor;
        charge(source.storageKey.size() + source.dtype.size() + source.location.size()
               + 2 * sizeof(std::int64_t) * source.sizes.size());
        TensorRef* tensor = makeTensorRef();
        *tensor = source;
        tensor->requiresGrad = args[1]->boolean;
        tensor->isParameter = true;
        Value* value = make(PickleKind::Tensor);
        value->tensor = tensor;
        return value;
    }

    /// torch._tensor._rebuild_from_type_v2(func, new_type, args, state): plain tensors only.
    Value* rebuildFromType(const std::vector<Value*>& args)
    {
        if (args.size() != 4 || args[0]->kind != PickleKind::Global || args[1]->kind != PickleKind::Global
            || !args[2]->isSequence())
            return nullptr;
        const std::string& type = args[1]->text;
        if (type != "torch.Tensor" && type != "torch.nn.parameter.Parameter")
            return recordCall(makeObject(type, args, nullptr));
        const std::string& func = args[0]->text;
        if (func != "torch._utils._rebuild_tensor_v2" && func != "torch._utils._rebuild_tensor")
            return nullptr;
        Value* tensor = rebuildTensor(func, sequenceItems(args[2]));
        if (tensor && type == "torch.nn.parameter.Parameter")
            const_cast<TensorRef*>(tensor->tensor)->isParameter = true;
        return tensor;
    }

    /// numpy.core.multiarray.scalar(dtype, bytes) where dtype is the inert numpy.dtype(code, False, True)
    /// object with BUILD state (version, byteorder, ...). Unknown codes stay inert objects.
    Value* numpyScalar(const std::vector<Value*>& args)
    {
        if (args.size() != 2 || args[0]->kind != PickleKind::Object || args[0]->text != "numpy.dtype"
            || args[0]->items.empty() || args[0]->items[0]->kind != PickleKind::String
            || args[1]->kind != PickleKind::Bytes)
            return nullptr;
        const std::string& code = args[0]->items[0]->text;
        const std::string& bytes = args[1]->text;
        if (code.size() != 2 || code[1] < '1' || code[1] > '8'
            || bytes.size() != static_cast<std::size_t>(code[1] - '0'))
            return nullptr;
        bool bigEndian = false;
        if (const Value* state = args[0]->state; state && state->kind == PickleKind::Tuple
            && state->items.size() > 1 && state->items[1]->kind == PickleKind::String)
            bigEndian = state->items[1]->text == ">";
        std::uint64_t raw = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            const std::size_t index = bigEndian ? i : bytes.size() - 1 - i;
            raw = (raw << 8) | static_cast<unsigned char>(bytes[index]);
        }
        const std::size_t width = bytes.size();
        switch (code[0]) {
        case 'f': {
            Value* value = make(PickleKind::Float);
            if (width == 8) {
                std::memcpy(&value->real, &raw, 8);
            } else if (width == 4) {
                const auto bits = static_cast<std::uint32_t>(raw);
                float f = 0;
                std::memcpy(&f, &bits, 4);
                value->real = f;
            } else if (width == 2) {
                value->real = halfToDouble(static_cast<std::uint16_t>(raw));
            } else {
                return nullptr;
            }
            return value;
        }
        case 'i': {
            if (width != 1 && width != 2 && width != 4 && width != 8)
                return nullptr;
            const int shift = static_cast<int>(64 - 8 * width);
            std::int64_t number = 0;
            const std::uint64_t shifted = raw << shift;
            std::memcpy(&number, &shifted, 8);
            return makeInt(number >> shift);
        }
        case 'u':
            if ((width != 1 && width != 2 && width != 4 && width != 8)
                || raw > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                return nullptr;
            return makeInt(static_cast<std::int64_t>(raw));
        case 'b':
            return width == 1 ? makeBool(raw != 0) : nullptr;
        default:
            return nullptr;
        }
    }

    // persistent ids

    static bool isText(const Value* value)
    {
        return value->kind == PickleKind::String || value->kind == PickleKind::Bytes;
    }

    Value* persistentLoad(Value* pid)
    {
        const bool legacy = m_options.persistence == UnpickleOptions::Persistence::Legacy;
        if (pid->kind != PickleKind::Tuple || pid->items.empty() || !isText(pid->items[0]))
            fail("unsupported persistent id (a " + std::string(pickleKindName(pid->kind)) + ")");
        const auto& id = pid->items;
        const std::string& typeName = id[0]->text;
        if (legacy && typeName == "module") {
            // ('module', class, source_file, source): the class itself stands in the stream.
            if (id.size() != 4 || id[1]->kind != PickleKind::Global)
                fail("malformed module persistent id");
            return const_cast<Value*>(id[1]);
        }
        if (typeName != "storage" || id.size() != (legacy ? 6u : 5u))
            fail("unsupported persistent id ('" + typeName + "' with " + std::to_string(id.size())
                 + " fields)");
        if (id[1]->kind != PickleKind::Global)
            fail("storage persistent id without a storage type");
        const std::string dtype = storageDtype(id[1]->text);
        if (dtype.empty())
            fail("unsupported storage type " + id[1]->text);
        if (!isText(id[2]) || !isText(id[3]) || id[4]->kind != PickleKind::Int || id[4]->integer < 0)
            fail("malformed storage persistent id");
        const std::string& key = id[2]->text;
        if (key.empty() || key.size() > kMaxStorageKeyLength
            || std::any_of(key.begin(), key.end(),
                           [](char c) { return c <= ' ' || c > '~' || c == '/' || c == '\\'; })
            || key == "." || key == "..")
            fail("invalid storage key in persistent id");
        const std::string& location = id[3]->text;
        if (location.size() > 64)
            fail("invalid storage location in persistent id");
        const std::int64_t numel = id[4]->integer;

        charge(key.size() + 64);
        auto [known, inserted] = m_storages.emplace(key, nullptr);
        if (!inserted && (known->second->dtype != dtype || known->second->storageNumel != numel))
            fail("storage '" + key + "' is declared twice with different types or sizes");

        charge(key.size() + dtype.size() + location.size());
        TensorRef* storage = makeTensorRef();
        storage->storageKey = key;
        storage->dtype = dtype;
        storage->location = location;
        storage->storageNumel = numel;
        if (inserted)
            known->second = storage;
        Value* value = make(PickleKind::Storage);
        value->tensor = storage;
        value->integer = numel;
        if (legacy && !id[5]->isNone()) {
            const Value* view = id[5];
            if (!view->isSequence() || view->items.size() != 3 || !isText(view->items[0])
                || view->items[1]->kind != PickleKind::Int || view->items[2]->kind != PickleKind::Int)
                fail("malformed storage view in persistent id");
            const std::int64_t offset = view->items[1]->integer;
            const std::int64_t viewNumel = view->items[2]->integer;
            if (offset < 0 || viewNumel < 0 || offset > numel || viewNumel > numel - offset)
                fail("storage view outside storage '" + key + "'");
            storage->storageOffset = offset;
            value->integer = viewNumel;
        }
        return value;
    }

    // the machine

    void parse()
    {
        m_none = make(PickleKind::None);
        m_true = make(PickleKind::Bool);
        m_true->boolean = true;
        m_false = make(PickleKind::Bool);

        while (true) {
            m_opcodeOffset = m_pos;
            if (m_pos >= m_size)
                fail("unexpected end of data");
            const unsigned char opcode = m_data[m_pos++];
            switch (opcode) {
            case 0x80: { // PROTO
                const unsigned protocol = static_cast<unsigned>(readLittle(1));
                if (protocol > 5)
                    fail("unsupported pickle protocol " + std::to_string(protocol));
                m_document.m_protocol = static_cast<int>(protocol);
                break;
            }
            case 0x95: { // FRAME: framing is only a buffering hint
                const std::uint64_t length = readLittle(8);
                if (length > remaining())
                    fail("pickle frame runs past the end of the data");
                break;
            }
            case '.': { // STOP
                Value* result = pop();
                m_document.m_root = result;
                m_document.m_endOffset = m_pos;
                return;
            }
            case '(': // MARK
                if (m_marks.size() >= m_options.maxDepth + 8)
                    fail("pickle nests deeper than " + std::to_string(m_options.maxDepth) + " levels");
                m_marks.push_back(m_stack.size());
                break;
            case '0': // POP: with nothing above the mark, Python pops the mark itself
                if (m_stack.size() > markBase())
                    m_stack.pop_back();
                else
                    popMark();
                break;
            case '1': // POP_MARK
                popMark();
                break;
            case '2': // DUP
                push(top());
                break;

            case 'N':
                push(m_none);
                break;
            case 0x88:
                push(m_true);
                break;
            case 0x89:
                push(m_false);
                break;
            case 'J': { // BININT
                const auto raw = static_cast<std::uint32_t>(readLittle(4));
                std::int32_t number = 0;
                std::memcpy(&number, &raw, 4);
                push(makeInt(number));
                break;
            }
            case 'K': // BININT1
                push(makeInt(static_cast<std::int64_t>(readLittle(1))));
                break;
            case 'M': // BININT2
                push(makeInt(static_cast<std::int64_t>(readLittle(2))));
                break;
            case 0x8a: { // LONG1
                const std::uint64_t length = readLittle(1);
                push(makeLong(readBytes(length)));
                break;
            }
            case 0x8b: { // LONG4
                const auto raw = static_cast<std::uint32_t>(readLittle(4));
                if (raw > 0x7FFFFFFFu)
                    fail("negative LONG4 length in pickle");
                push(makeLong(readBytes(raw)));
                break;
            }
            case 'I': { // INT (text); "00"/"01" are the protocol 0 booleans
                const std::string_view line = readLine();
                if (line == "00")
                    push(m_false);
                else if (line == "01")
                    push(m_true);
                else
                    push(parseTextInteger(line));
                break;
            }
            case 'L': { // LONG (text)
                std::string_view line = readLine();
                if (!line.empty() && line.back() == 'L')
                    line.remove_suffix(1);
                push(parseTextInteger(line));
                break;
            }
            case 'G': { // BINFLOAT, big-endian
                const unsigned char* p = take(8);
                std::uint64_t raw = 0;
                for (int i = 0; i < 8; ++i)
                    raw = (raw << 8) | p[i];
                Value* value = make(PickleKind::Float);
                std::memcpy(&value->real, &raw, 8);
                push(value);
                break;
            }
            case 'F': { // FLOAT (text)
                Value* value = make(PickleKind::Float);
                value->real = parseFloat(readLine());
                push(value);
                break;
            }

            // Python decodes these as UTF-8 with "surrogatepass", so encoded surrogates are accepted.
            case 'X': // BINUNICODE
                push(makeString(readBytes(readLittle(4)), true));
                break;
            case 0x8c: // SHORT_BINUNICODE
                push(makeString(readBytes(readLittle(1)), true));
                break;
            case 0x8d: // BINUNICODE8
                push(makeString(readBytes(readLittle(8)), true));
                break;
            case 'V': // UNICODE (text)
                push(makeText(PickleKind::String, parseRawUnicode(readLine())));
                break;
            // torch.load decodes Python 2 str strictly as UTF-8 (its encoding="utf-8"): keep them as Strings.
            case 'T': { // BINSTRING
                const auto raw = static_cast<std::uint32_t>(readLittle(4));
                if (raw > 0x7FFFFFFFu)
                    fail("negative BINSTRING length in pickle");
                push(makeString(readBytes(raw), false));
                break;
            }
            case 'U': // SHORT_BINSTRING
                push(makeString(readBytes(readLittle(1)), false));
                break;
            case 'S': // STRING (text)
                push(makeString(parseQuoted(readLine()), false));
                break;
            case 'B': // BINBYTES
                push(makeText(PickleKind::Bytes, readBytes(readLittle(4))));
                break;
            case 'C': // SHORT_BINBYTES
                push(makeText(PickleKind::Bytes, readBytes(readLittle(1))));
                break;
            case 0x8e: // BINBYTES8
            case 0x96: // BYTEARRAY8
                push(makeText(PickleKind::Bytes, readBytes(readLittle(8))));
                break;

            case ')':
                push(make(PickleKind::Tuple));
                break;
            case 0x85:
            case 0x86:
            case 0x87: { // TUPLE1..3
                const std::size_t count = static_cast<std::size_t>(opcode - 0x84);
                if (m_stack.size() < markBase() + count)
                    fail("pickle stack underflow");
                Value* tuple = make(PickleKind::Tuple);
                for (std::size_t i = m_stack.size() - count; i < m_stack.size(); ++i)
                    addItem(tuple, m_stack[i]);
                m_stack.resize(m_stack.size() - count);
                push(tuple);
                break;
            }
            case 't': // TUPLE
            case 'l': // LIST
            case 0x91: { // FROZENSET
                const PickleKind kind = opcode == 't' ? PickleKind::Tuple
                    : opcode == 'l'                   ? PickleKind::List
                                                      : PickleKind::Set;
                const std::vector<Value*> items = popMark();
                Value* container = make(kind);
                for (Value* item : items)
                    addItem(container, item);
                push(container);
                break;
            }
            case ']':
                push(make(PickleKind::List));
                break;
            case '}':
                push(make(PickleKind::Dict));
                break;
            case 0x8f:
                push(make(PickleKind::Set));
                break;
            case 'd': { // DICT
                const std::vector<Value*> items = popMark();
                if (items.size() % 2 != 0)
                    fail("DICT with an odd number of items");
                Value* dict = make(PickleKind::Dict);
                for (std::size_t i = 0; i < items.size(); i += 2)
                    setItem(dict, items[i], items[i + 1]);
                push(dict);
                break;
            }
            case 'a': { // APPEND
                Value* item = pop();
                appendTo(top(), {item});
                break;
            }
            case 'e': { // APPENDS
                const std::vector<Value*> items = popMark();
                appendTo(top(), items);
                break;
            }
            case 0x90: { // ADDITEMS
                const std::vector<Value*> items = popMark();
                Value* set = top();
                if (set->kind == PickleKind::Set) {
                    for (Value* item : items)
                        addItem(set, item);
                } else {
                    appendTo(set, items);
                }
                break;
            }
            case 's': { // SETITEM
                Value* value = pop();
                Value* key = pop();
                setItemOn(top(), key, value);
                break;
            }
            case 'u': { // SETITEMS
                const std::vector<Value*> items = popMark();
                if (items.size() % 2 != 0)
                    fail("SETITEMS with an odd number of items");
                Value* dict = top();
                for (std::size_t i = 0; i < items.size(); i += 2)
                    setItemOn(dict, items[i], items[i + 1]);
                break;
            }

            case 'p': // PUT (text)
                memoPut(parseMemoIndex(readLine()));
                break;
            case 'q': // BINPUT
                memoPut(readLittle(1));
                break;
            case 'r': // LONG_BINPUT
                memoPut(readLittle(4));
                break;
            case 0x94: // MEMOIZE
                memoPut(m_memo.size());
                break;
            case 'g': // GET (text)
                push(memoGet(parseMemoIndex(readLine())));
                break;
            case 'h': // BINGET
                push(memoGet(readLittle(1)));
                break;
            case 'j': // LONG_BINGET
                push(memoGet(readLittle(4)));
                break;

            case 'c': { // GLOBAL
                std::string module(readLine());
                const std::string_view name = readLine();
                push(makeGlobal(std::move(module), name));
                break;
            }
            case 0x93: { // STACK_GLOBAL
                Value* name = pop();
                Value* module = pop();
                if (module->kind != PickleKind::String || name->kind != PickleKind::String)
                    fail("STACK_GLOBAL needs two strings");
                push(makeGlobal(module->text, name->text));
                break;
            }
            case 'i': { // INST: class from the text lines, arguments since the mark
                std::string module(readLine());
                const std::string_view name = readLine();
                Value* callable = makeGlobal(std::move(module), name);
                const std::vector<Value*> args = popMark();
                push(call(callable, args, nullptr));
                break;
            }
            case 'o': { // OBJ: class and arguments since the mark
                std::vector<Value*> args = popMark();
                if (args.empty())
                    fail("OBJ without a class");
                Value* callable = args.front();
                args.erase(args.begin());
                push(call(callable, args, nullptr));
                break;
            }
            case 'R': { // REDUCE
                Value* args = pop();
                Value* callable = pop();
                push(call(callable, args, nullptr));
                break;
            }
            case 0x81: { // NEWOBJ
                Value* args = pop();
                Value* cls = pop();
                push(call(cls, args, nullptr));
                break;
            }
            case 0x92: { // NEWOBJ_EX
                Value* kwargs = pop();
                Value* args = pop();
                Value* cls = pop();
                if (kwargs->kind != PickleKind::Dict)
                    fail("NEWOBJ_EX keyword arguments are not a dict");
                push(call(cls, args, kwargs));
                break;
            }
            case 'b': { // BUILD
                Value* state = pop();
                build(state);
                break;
            }
            case 'Q': { // BINPERSID
                Value* pid = pop();
                push(persistentLoad(pid));
                break;
            }
            case 'P':
                fail("unsupported persistent id (text form, opcode PERSID)");

            default: {
                static const char* const hex = "0123456789abcdef";
                fail(std::string("unsupported pickle opcode 0x") + hex[opcode >> 4] + hex[opcode & 0xF]);
            }
            }
        }
    }

    void appendTo(Value* target, const std::vector<Value*>& items)
    {
        if (target->kind == PickleKind::List) {
            for (Value* item : items)
                addItem(target, item);
        } else if (target->kind == PickleKind::Object) {
            for (Value* item : items) {
                adopt(target, item);
                target->listItems.push_back(item);
            }
        } else {
            fail("pickle appends to a " + std::string(pickleKindName(target->kind)));
        }
    }

    void setItemOn(Value* target, Value* key, Value* value)
    {
        if (target->kind != PickleKind::Dict && target->kind != PickleKind::Object)
            fail("pickle sets an item on a " + std::string(pickleKindName(target->kind)));
        setItem(target, key, value);
    }

    void build(Value* state)
    {
        Value* target = top();
        switch (target->kind) {
        case PickleKind::Dict: // OrderedDict._metadata
        case PickleKind::Tensor:
        case PickleKind::Storage:
            return;
        case PickleKind::Global: {
            Value* object = makeText(PickleKind::Object, target->text);
            adopt(object, state);
            object->state = state;
            m_stack.back() = object;
            return;
        }
        case PickleKind::Object:
            adopt(target, state);
            target->state = state;
            return;
        default:
            fail("pickle BUILD on a " + std::string(pickleKindName(target->kind)));
        }
    }

    const unsigned char* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
    std::size_t m_opcodeOffset = 0;
    std::size_t m_charged = 0;
    const UnpickleOptions& m_options;
    PickleDocument m_document;
    std::vector<Value*> m_stack;
    std::vector<std::size_t> m_marks;
    // Keys chosen by the file (memo indices, dict keys, storage and global names) go into ordered maps: a
    // hash table's worst case is quadratic, and a file can choose keys that collide.
    std::map<std::uint64_t, Value*> m_memo;
    std::unordered_map<const Value*, std::map<std::string, std::size_t>> m_dictKeys;
    std::map<std::string, const TensorRef*> m_storages;
    std::set<std::string> m_globalNames;
    Value* m_none = nullptr;
    Value* m_true = nullptr;
    Value* m_false = nullptr;
};

} // namespace detail

Result<PickleDocument> unpickle(const char* data, std::size_t size, const UnpickleOptions& options)
{
    if (!data && size != 0)
        return Error {options.displayName + ": no data"};
    detail::Unpickler unpickler(data ? data : "", size, options);
    return unpickler.run();
}

bool isDataGlobal(std::string_view name)
{
    static const char* const known[] = {"collections.OrderedDict",
                                        "builtins.dict",
                                        "builtins.set",
                                        "builtins.frozenset",
                                        "builtins.bytes",
                                        "builtins.bytearray",
                                        "_codecs.encode",
                                        "torch.Size",
                                        "torch.device",
                                        "torch.Tensor",
                                        "torch.nn.parameter.Parameter",
                                        "torch._utils._rebuild_tensor",
                                        "torch._utils._rebuild_tensor_v2",
                                        "torch._utils._rebuild_parameter",
                                        "torch._utils._rebuild_parameter_with_state",
                                        "torch._tensor._rebuild_from_type_v2",
                                        "numpy.dtype",
                                        "numpy.core.multiarray.scalar",
                                        "numpy._core.multiarray.scalar"};
    if (std::any_of(std::begin(known), std::end(known), [&](const char* k) { return name == k; }))
        return true;
    return !storageDtype(name).empty() || isTorchDtype(name);
}

} // namespace lens
