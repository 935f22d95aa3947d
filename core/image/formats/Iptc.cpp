#include "image/formats/Iptc.h"

#include "image/formats/FormatSupport.h"

#include <map>
#include <optional>
#include <vector>

namespace lens {

namespace {

using namespace formats;

// What _open reads of a field's bytes: the first two (i8 of value[0], value[1]) and the last four (getint).
struct FieldBytes {
    std::size_t length = 0;
    std::uint8_t head[2] = {0, 0};
    std::uint32_t tail = 0; // the last four bytes, big-endian
};

// One tag's value in Pillow's info dict: the field's bytes (an empty optional for a field of length 0,
// which Pillow stores as None), or a list of them when the tag repeats.
struct TagValue {
    bool list = false;
    std::vector<std::optional<FieldBytes>> items; // at most the first two are kept
};

enum class Outcome {
    NotIptc, // Pillow's plugin gives up and the next one is tried
    Refused, // Pillow raises at open
    Opened, // Pillow opens it (and then cannot load it)
};

struct Parse {
    Outcome outcome = Outcome::NotIptc;
    std::string why;
    std::int64_t width = 0;
    std::int64_t height = 0;
};

// i8(value[index]) of Pillow's _open: for bytes the byte at index; for a list the first byte of its
// element at index. Empty when Pillow would raise IndexError or TypeError.
std::optional<int> byteAt(const TagValue& v, std::size_t index)
{
    if (v.list) {
        if (index >= v.items.size() || !v.items[index] || v.items[index]->length == 0)
            return std::nullopt;
        return v.items[index]->head[0];
    }
    if (!v.items[0] || index >= v.items[0]->length || index >= 2)
        return std::nullopt;
    return v.items[0]->head[index];
}

// getint: the last four bytes (zero-padded on the left), big-endian. Empty for None or a list (TypeError).
std::optional<std::uint32_t> intOf(const TagValue& v)
{
    if (v.list || !v.items[0])
        return std::nullopt;
    return v.items[0]->tail;
}

Parse parse(const std::uint8_t* data, std::size_t size)
{
    Parse p;
    const auto refuse = [&p](const char* why) {
        p.outcome = Outcome::Refused;
        p.why = why;
        return p;
    };
    const auto key = [](int record, int dataset) { return record * 256 + dataset; };
    std::map<int, TagValue> info;
    std::size_t pos = 0;
    for (;;) {
        // field(): five bytes of header.
        const std::size_t got = std::min<std::size_t>(5, size - pos);
        if (got == 0)
            break;
        const std::uint8_t* s = data + pos;
        pos += got;
        if (got < 3)
            return p;
        if (s[0] != 0x1C || s[1] < 1 || s[1] > 9)
            return p;
        if (got < 4)
            return p;
        std::uint64_t length = s[3];
        if (length > 132)
            return refuse("an IPTC/NAA field length Pillow calls illegal");
        if (length == 128) {
            length = 0;
        } else if (length > 128) {
            const std::size_t count = std::min<std::size_t>(std::size_t(length - 128), size - pos);
            length = 0;
            for (std::size_t k = 0; k < count; ++k)
                length = (length << 8) | data[pos + k];
            pos += count;
        } else {
            if (got < 5)
                return p;
            length = (std::uint64_t(s[3]) << 8) | s[4];
        }
        const int tag = key(s[1], s[2]);
        if (tag == key(8, 10))
            break;
        std::optional<FieldBytes> value;
        if (length) {
            // fp.read(length): what the file still holds, perhaps nothing.
            const std::size_t count = std::size_t(std::min<std::uint64_t>(length, size - pos));
            FieldBytes field;
            field.length = count;
            for (std::size_t k = 0; k < std::min<std::size_t>(count, 2); ++k)
                field.head[k] = data[pos + k];
            for (std::size_t k = count > 4 ? count - 4 : 0; k < count; ++k)
                field.tail = (field.tail << 8) | data[pos + k];
            value = field;
            pos += count;
        }
        if (tag != key(3, 60) && tag != key(3, 65) && tag != key(3, 20) && tag != key(3, 30)
            && tag != key(3, 120))
            continue;
        auto found = info.find(tag);
        if (found == info.end()) {
            info[tag].items.push_back(std::move(value));
        } else {
            found->second.list = true;
            if (found->second.items.size() < 2)
                found->second.items.push_back(std::move(value));
        }
    }

    // mode
    const auto layersTag = info.find(key(3, 60));
    if (layersTag == info.end())
        return p;
    const std::optional<int> layers = byteAt(layersTag->second, 0);
    if (!layers)
        return p;
    const std::optional<int> component = byteAt(layersTag->second, 1);
    if (!component)
        return p;
    int id = 0;
    if (const auto idTag = info.find(key(3, 65)); idTag != info.end()) {
        const std::optional<int> first = byteAt(idTag->second, 0);
        if (!first)
            return p;
        id = *first - 1;
    }
    bool hasMode = false;
    if (*layers == 1 && *component == 0) {
        hasMode = true;
    } else if ((*layers == 3 || *layers == 4) && *component) {
        // Python's "RGB"[id] / "CMYK"[id]: negative ids count from the end, others past it raise.
        if (id < -*layers || id >= *layers)
            return p;
        hasMode = true;
    }
    // size
    const auto widthTag = info.find(key(3, 20));
    const auto heightTag = info.find(key(3, 30));
    if (widthTag == info.end())
        return p;
    const std::optional<std::uint32_t> width = intOf(widthTag->second);
    if (!width)
        return p;
    if (heightTag == info.end())
        return p;
    const std::optional<std::uint32_t> height = intOf(heightTag->second);
    if (!height)
        return p;
    // compression: a missing tag or an unknown value is an OSError in Pillow, None or a list a TypeError.
    const auto compressionTag = info.find(key(3, 120));
    if (compressionTag == info.end())
        return refuse("an IPTC/NAA image without a compression field");
    const std::optional<std::uint32_t> compression = intOf(compressionTag->second);
    if (!compression)
        return p;
    if (*compression != 1 && *compression != 5)
        return refuse("an IPTC/NAA image of a compression Pillow does not know");
    if (!hasMode || *width == 0 || *height == 0)
        return p;
    p.outcome = Outcome::Opened;
    p.width = *width;
    p.height = *height;
    return p;
}

} // namespace

bool looksLikeIptc(const std::uint8_t* data, std::size_t size)
{
    return parse(data, size).outcome != Outcome::NotIptc;
}

Result<PilImage> decodeIptc(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits)
{
    const Parse p = parse(data, size);
    switch (p.outcome) {
    case Outcome::NotIptc:
        return fail(name, "not an IPTC/NAA file Pillow can identify");
    case Outcome::Refused:
        return fail(name, "unsupported IPTC/NAA file (" + p.why + ", which Pillow refuses)");
    case Outcome::Opened:
        break;
    }
    if (std::optional<Error> error = checkPixelLimit(p.width, p.height, name, limits))
        return *error;
    return fail(name,
                "an IPTC/NAA image: Pillow 9.4 identifies it but cannot load it (its IPTC loader fails on "
                "every file), so it is not decoded here either");
}

} // namespace lens
