#include "image/formats/Im.h"

#include "image/formats/FormatSupport.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

// How the pixels of an image type are stored.
enum class Layout {
    Bits1,
    Gray8,
    Pal2,
    Pal4,
    Planar,
    Interleaved3,
    Old3Planes,
    I32Unsigned,
    I32Signed,
    F8,
    F8S,
    F16,
    F16S,
    F32Int,
    F32Float,
    I16L,
    I16B,
    Unsupported
};

struct ImageType {
    const char* name;
    PilMode mode;
    Layout layout;
    int planes; ///< Planar only
};

// Pillow's OPEN table, for the types it reads with a raw mode this decoder has.
const std::vector<ImageType>& imageTypes()
{
    static const std::vector<ImageType> types = [] {
        std::vector<ImageType> t = {
            {"0 1 image", PilMode::One, Layout::Bits1, 0},
            {"L 1 image", PilMode::One, Layout::Bits1, 0},
            {"Greyscale image", PilMode::L, Layout::Gray8, 0},
            {"Grayscale image", PilMode::L, Layout::Gray8, 0},
            {"RGB image", PilMode::RGB, Layout::Planar, 3},
            {"B1 image", PilMode::One, Layout::Bits1, 0},
            {"B2 image", PilMode::P, Layout::Pal2, 0},
            {"B4 image", PilMode::P, Layout::Pal4, 0},
            {"X 24 image", PilMode::RGB, Layout::Interleaved3, 0},
            {"L 32 S image", PilMode::I, Layout::I32Unsigned, 0},
            {"L 32 F image", PilMode::F, Layout::F32Int, 0},
            {"RGB3 image", PilMode::RGB, Layout::Old3Planes, 0},
            {"RYB3 image", PilMode::RGB, Layout::Old3Planes, 0},
            {"LA image", PilMode::LA, Layout::Planar, 2},
            {"PA image", PilMode::LA, Layout::Unsupported, 2},
            {"RGBA image", PilMode::RGBA, Layout::Planar, 4},
            {"RGBX image", PilMode::RGBX, Layout::Planar, 4},
            {"CMYK image", PilMode::CMYK, Layout::Planar, 4},
            {"YCC image", PilMode::YCbCr, Layout::Planar, 3},
            {"RLB image", PilMode::RGB, Layout::Unsupported, 0},
            {"RYB image", PilMode::RGB, Layout::Unsupported, 0},
        };
        return t;
    }();
    return types;
}

// The full name -> (mode, layout) map, built as Pillow builds OPEN (later loops override earlier entries).
const std::map<std::string, ImageType>& openTable()
{
    static const std::map<std::string, ImageType> table = [] {
        std::map<std::string, ImageType> m;
        for (const ImageType& t : imageTypes())
            if (t.name)
                m[t.name] = t;
        const std::pair<std::string, Layout> floats[]
            = {{"8", Layout::F8},     {"8S", Layout::F8S},    {"16", Layout::F16},
               {"16S", Layout::F16S}, {"32", Layout::F32Int}, {"32F", Layout::F32Float}};
        for (const auto& [suffix, layout] : floats) {
            m["L " + suffix + " image"] = {nullptr, PilMode::F, layout, 0};
            m["L*" + suffix + " image"] = {nullptr, PilMode::F, layout, 0};
        }
        const std::pair<std::string, Layout> shorts[]
            = {{"16", Layout::I16L}, {"16L", Layout::I16L}, {"16B", Layout::I16B}};
        for (const auto& [suffix, layout] : shorts) {
            m["L " + suffix + " image"] = {nullptr, PilMode::I16, layout, 0};
            m["L*" + suffix + " image"] = {nullptr, PilMode::I16, layout, 0};
        }
        m["L 32S image"] = m["L*32S image"] = {nullptr, PilMode::I, Layout::I32Signed, 0};
        for (int bits = 2; bits <= 32; ++bits) {
            const Layout layout = bits == 8 ? Layout::F8
                : bits == 16                ? Layout::F16
                : bits == 32                ? Layout::F32Int
                                            : Layout::Unsupported;
            m["L*" + std::to_string(bits) + " image"] = {nullptr, PilMode::F, layout, 0};
        }
        return m;
    }();
    return table;
}

// Python's str.isspace() for the latin-1 characters a header byte can be.
bool pySpace(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0;
}

struct Number {
    enum Kind { Invalid, Int, Float } kind = Invalid;
    double value = 0;
};

// ImImagePlugin.number(): int(s), else float(s), with Python's rules (blanks around, underscores between
// digits, inf/nan).
Number pyNumber(const std::string& text)
{
    std::size_t a = 0, b = text.size();
    while (a < b && pySpace(static_cast<unsigned char>(text[a])))
        ++a;
    while (b > a && pySpace(static_cast<unsigned char>(text[b - 1])))
        --b;
    const std::string s = text.substr(a, b - a);
    // Digits with single underscores between them; returns the digits without underscores.
    auto digits = [](const std::string& t, std::size_t& i, std::string& out) {
        const std::size_t start = i;
        bool last = false;
        while (i < t.size()) {
            if (t[i] >= '0' && t[i] <= '9') {
                out += t[i++];
                last = true;
            } else if (t[i] == '_' && last && i + 1 < t.size() && t[i + 1] >= '0' && t[i + 1] <= '9') {
                ++i;
                last = false;
            } else {
                break;
            }
        }
        return i > start;
    };
    Number n;
    std::size_t i = 0;
    std::string clean;
    if (i < s.size() && (s[i] == '+' || s[i] == '-'))
        clean += s[i++];
    const std::size_t afterSign = i;
    std::string intDigits;
    if (digits(s, i, intDigits) && i == s.size()) {
        n.kind = Number::Int;
        n.value = std::strtod((clean + intDigits).c_str(), nullptr);
        return n;
    }
    // float()
    i = afterSign;
    std::string lower;
    for (std::size_t k = i; k < s.size(); ++k)
        lower += char(std::tolower(static_cast<unsigned char>(s[k])));
    if (lower == "inf" || lower == "infinity" || lower == "nan") {
        n.kind = Number::Float;
        n.value = lower == "nan" ? NAN : (clean == "-" ? -INFINITY : INFINITY);
        return n;
    }
    std::string mantissa = clean;
    std::string part;
    const bool whole = digits(s, i, part);
    mantissa += part;
    bool fraction = false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        mantissa += '.';
        part.clear();
        fraction = digits(s, i, part);
        mantissa += part;
    }
    if (!whole && !fraction)
        return n;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        mantissa += 'e';
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-'))
            mantissa += s[i++];
        part.clear();
        if (!digits(s, i, part))
            return n;
        mantissa += part;
    }
    if (i != s.size())
        return n;
    n.kind = Number::Float;
    n.value = std::strtod(mantissa.c_str(), nullptr);
    return n;
}

struct ImHeader {
    Verdict verdict = Verdict::NotIdentified;
    std::string why;
    std::int64_t width = 512, height = 512;
    PilMode mode = PilMode::L;
    Layout layout = Layout::Gray8;
    int planes = 0;
    bool knownType = true;
    std::string typeName;
    std::uint64_t offset = 0;
    std::vector<std::uint8_t> palette; ///< planar 768 bytes when a colour Lut applies
};

ImHeader readIm(const ByteView& bytes)
{
    ImHeader h;
    auto verdict = [&](Verdict v, const std::string& why) {
        h.verdict = v;
        h.why = why;
        return h;
    };
    const std::size_t head = std::min<std::size_t>(bytes.size(), 100);
    if (head == 0 || !std::memchr(bytes.data(), '\n', head))
        return verdict(Verdict::NotIdentified, "no text header");
    std::size_t pos = 0;
    auto readByte = [&]() -> int { return pos < bytes.size() ? bytes.u8(pos++) : -1; };
    int tags = 0;
    bool haveLut = false;
    bool haveType = false;
    std::optional<std::vector<Number>> size;
    int last = -1;
    static const char* const kTags[] = {"Comment",
                                        "Date",
                                        "Digitalization equipment",
                                        "File size (no of images)",
                                        "Lut",
                                        "Name",
                                        "Scale (x,y)",
                                        "Image size (x*y)",
                                        "Image type"};
    while (true) {
        last = readByte();
        if (last == '\r')
            continue;
        if (last < 0 || last == 0 || last == 0x1A)
            break;
        std::string s(1, char(last));
        while (pos < bytes.size()) {
            const char c = char(bytes.u8(pos++));
            s += c;
            if (c == '\n')
                break;
        }
        if (s.size() > 100)
            return verdict(Verdict::NotIdentified, "a header line longer than 100 bytes");
        if (s.size() >= 2 && s.compare(s.size() - 2, 2, "\r\n") == 0)
            s.resize(s.size() - 2);
        else if (!s.empty() && s.back() == '\n')
            s.pop_back();
        // ^([A-Za-z][^:]*):[ \t]*(.*)[ \t]*$
        const std::size_t colon = s.find(':');
        if (!std::isalpha(static_cast<unsigned char>(s[0])) || (s[0] & 0x80) || colon == std::string::npos
            || s.find('\n') != std::string::npos)
            return verdict(Verdict::NotIdentified, "a header line that is not \"key: value\"");
        const std::string key = s.substr(0, colon);
        std::size_t v = colon + 1;
        while (v < s.size() && (s[v] == ' ' || s[v] == '\t'))
            ++v;
        const std::string value = s.substr(v);
        if (key == "File size (no of images)" || key == "Scale (x,y)" || key == "Image size (x*y)") {
            std::string list = value;
            for (char& c : list)
                if (c == '*')
                    c = ',';
            std::vector<Number> numbers;
            std::size_t start = 0;
            while (true) {
                const std::size_t comma = list.find(',', start);
                const Number n = pyNumber(
                    list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
                if (n.kind == Number::Invalid)
                    return verdict(Verdict::Refused, "a header number Python cannot read");
                numbers.push_back(n);
                if (comma == std::string::npos)
                    break;
                start = comma + 1;
            }
            if (key == "Image size (x*y)")
                size = numbers;
        } else if (key == "Image type") {
            h.typeName = value;
            haveType = true;
        }
        if (key == "Lut")
            haveLut = true;
        for (const char* tag : kTags)
            if (key == tag)
                ++tags;
    }
    if (!tags)
        return verdict(Verdict::NotIdentified, "no IM header keys");
    if (haveType) {
        const auto found = openTable().find(h.typeName);
        if (found != openTable().end()) {
            h.mode = found->second.mode;
            h.layout = found->second.layout;
            h.planes = found->second.planes;
        } else {
            h.knownType = false;
        }
    }
    // Skip to the 0x1A that ends the header.
    int s = last;
    while (s >= 0 && s != 0x1A)
        s = readByte();
    if (s < 0)
        return verdict(Verdict::NotIdentified, "the header is not terminated");
    if (haveLut) {
        if (!bytes.has(pos, 768))
            return verdict(Verdict::NotIdentified, "the colour table ends early");
        const std::uint8_t* p = bytes.data() + pos;
        pos += 768;
        bool gray = true;
        for (int i = 0; i < 256; ++i)
            if (!(p[i] == p[i + 256] && p[i + 256] == p[i + 512]))
                gray = false;
        const bool grayMode = h.mode == PilMode::L || h.mode == PilMode::P || h.mode == PilMode::LA;
        if (h.knownType && grayMode && !gray) {
            if (h.mode == PilMode::LA) {
                h.mode = PilMode::PA;
                h.layout = Layout::Planar;
                h.planes = 2;
            } else {
                h.mode = PilMode::P;
                h.layout = Layout::Gray8;
            }
            h.palette.assign(p, p + 768);
        }
    }
    // ImageFile.__init__'s checks, then what fails only at load.
    if (haveType && h.typeName.empty())
        return verdict(Verdict::NotIdentified, "an empty image type");
    bool wholeSize = true;
    if (size) {
        if (size->size() == 1)
            return verdict(Verdict::NotIdentified, "an image size with one number");
        const Number& w = (*size)[0];
        const Number& ht = (*size)[1];
        if (w.value <= 0 || ht.value <= 0)
            return verdict(Verdict::NotIdentified, "the image has no pixels");
        wholeSize = size->size() == 2 && w.kind == Number::Int && ht.kind == Number::Int;
        h.width = !wholeSize ? 1 : w.value > 4e18 ? INT64_MAX / 2 : std::int64_t(w.value);
        h.height = !wholeSize ? 1 : ht.value > 4e18 ? INT64_MAX / 2 : std::int64_t(ht.value);
    }
    if (!wholeSize)
        return verdict(Verdict::Refused, "an image size that is not two whole numbers");
    h.offset = pos;
    return verdict(Verdict::Opened, "");
}

float asFloat(std::uint32_t bits)
{
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

// One bottom-up row of the first frame into the image.
void unpackLine(const ImHeader& h, const std::uint8_t* in, std::uint8_t* out, int width)
{
    const std::size_t w = std::size_t(width);
    auto put32 = [&](std::size_t x, auto value) { std::memcpy(out + 4 * x, &value, 4); };
    switch (h.layout) {
    case Layout::Bits1:
        unpackRow(RawMode::One, out, in, width);
        break;
    case Layout::Gray8:
        std::memcpy(out, in, w);
        break;
    case Layout::Pal2:
        for (std::size_t x = 0; x < w; ++x)
            out[x] = (in[x / 4] >> (6 - 2 * (x % 4))) & 3;
        break;
    case Layout::Pal4:
        unpackRow(RawMode::P4, out, in, width);
        break;
    case Layout::Planar:
        for (std::size_t x = 0; x < w; ++x)
            for (int c = 0; c < h.planes; ++c)
                out[x * std::size_t(h.planes) + std::size_t(c)] = in[x + std::size_t(c) * w];
        break;
    case Layout::Interleaved3:
        std::memcpy(out, in, 3 * w);
        break;
    case Layout::I32Unsigned:
    case Layout::I32Signed:
        for (std::size_t x = 0; x < w; ++x)
            put32(x,
                  std::int32_t(std::uint32_t(in[4 * x]) | (std::uint32_t(in[4 * x + 1]) << 8)
                               | (std::uint32_t(in[4 * x + 2]) << 16)
                               | (std::uint32_t(in[4 * x + 3]) << 24)));
        break;
    case Layout::F8:
        for (std::size_t x = 0; x < w; ++x)
            put32(x, float(in[x]));
        break;
    case Layout::F8S:
        for (std::size_t x = 0; x < w; ++x)
            put32(x, float(std::int8_t(in[x])));
        break;
    case Layout::F16:
        for (std::size_t x = 0; x < w; ++x)
            put32(x, float(std::uint16_t(in[2 * x] | (in[2 * x + 1] << 8))));
        break;
    case Layout::F16S:
        for (std::size_t x = 0; x < w; ++x)
            put32(x, float(std::int16_t(in[2 * x] | (in[2 * x + 1] << 8))));
        break;
    case Layout::F32Int:
    case Layout::F32Float:
        for (std::size_t x = 0; x < w; ++x) {
            const std::uint32_t v = std::uint32_t(in[4 * x]) | (std::uint32_t(in[4 * x + 1]) << 8)
                | (std::uint32_t(in[4 * x + 2]) << 16) | (std::uint32_t(in[4 * x + 3]) << 24);
            put32(x, h.layout == Layout::F32Int ? float(v) : asFloat(v));
        }
        break;
    case Layout::I16L:
    case Layout::I16B:
        for (std::size_t x = 0; x < w; ++x) {
            const std::uint16_t v = h.layout == Layout::I16L
                ? std::uint16_t(in[2 * x] | (in[2 * x + 1] << 8))
                : std::uint16_t((in[2 * x] << 8) | in[2 * x + 1]);
            std::memcpy(out + 2 * x, &v, 2);
        }
        break;
    default:
        break;
    }
}

std::size_t lineBytes(const ImHeader& h, std::size_t width)
{
    switch (h.layout) {
    case Layout::Bits1:
        return (width + 7) / 8;
    case Layout::Pal2:
        return (width + 3) / 4;
    case Layout::Pal4:
        return (width + 1) / 2;
    case Layout::Planar:
        return width * std::size_t(h.planes);
    case Layout::Interleaved3:
        return 3 * width;
    case Layout::F16:
    case Layout::F16S:
    case Layout::I16L:
    case Layout::I16B:
        return 2 * width;
    case Layout::I32Unsigned:
    case Layout::I32Signed:
    case Layout::F32Int:
    case Layout::F32Float:
        return 4 * width;
    default:
        return width;
    }
}

} // namespace

bool looksLikeIm(const std::uint8_t* data, std::size_t size)
{
    return readIm(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeIm(const std::uint8_t* data, std::size_t size, const std::string& name,
                          const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    ImHeader h = readIm(bytes);
    if (h.verdict == Verdict::NotIdentified)
        return fail(name, "not an IM file Pillow can identify (" + h.why + ")");
    if (h.verdict == Verdict::Refused)
        return fail(name, "unsupported IM (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    if (!h.knownType)
        return fail(name,
                    "unsupported IM (image type " + quoted(h.typeName) + ", which Pillow has no mode for)");
    if (h.layout == Layout::Unsupported)
        return fail(name, "unsupported IM (image type " + quoted(h.typeName) + ", not decoded here)");
    PilImage image = newImage(h.mode, int(h.width), int(h.height));
    if (!h.palette.empty()) {
        image.palette.resize(768);
        unpackRow(RawMode::RGBL, image.palette.data(), h.palette.data(), 256);
    }
    const std::size_t width = std::size_t(h.width);
    const std::size_t outLine = width * std::size_t(pilModeBytes(h.mode));
    const std::size_t rows = std::size_t(h.height);
    if (h.layout == Layout::Old3Planes) {
        // Pillow's tiles for the old 3-plane files: G, then R, then B, each a bottom-up 8-bit plane.
        const std::size_t plane = width * rows;
        if (bytes.available(h.offset) / 3 < plane)
            return truncated(name, "IM", "the pixel data", h.offset + 3 * plane, size);
        const std::uint8_t* in = data + h.offset;
        const int band[3] = {1, 0, 2};
        for (int k = 0; k < 3; ++k)
            for (std::size_t y = 0; y < rows; ++y)
                for (std::size_t x = 0; x < width; ++x)
                    image.data[(rows - 1 - y) * outLine + 3 * x + std::size_t(band[k])]
                        = in[k * plane + y * width + x];
        return image;
    }
    const std::size_t line = lineBytes(h, width);
    if (bytes.available(h.offset) / line < rows)
        return truncated(name, "IM", "the pixel data", h.offset + line * rows, size);
    for (std::size_t y = 0; y < rows; ++y)
        unpackLine(h, data + h.offset + y * line, image.data.data() + (rows - 1 - y) * outLine, int(width));
    return image;
}

} // namespace lens
