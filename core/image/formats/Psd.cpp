#include "image/formats/Psd.h"

#include "image/formats/FormatSupport.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

enum class Verdict { Opened, Refused, NotIdentified };

struct Failure {
    Verdict verdict;
    std::string why;
};

// Python file semantics over a byte range: reads return what is there, the position may pass the end.
class Stream {
public:
    Stream(const std::uint8_t* data, std::size_t size, std::uint64_t start = 0)
        : pos(start)
        , m_data(data)
        , m_size(size)
    { }
    std::uint64_t pos;
    std::size_t size() const { return m_size; }
    std::size_t read(std::int64_t count, const std::uint8_t** out)
    {
        const std::uint64_t have = pos < m_size ? m_size - pos : 0;
        const std::uint64_t n = count < 0 ? have : std::min<std::uint64_t>(std::uint64_t(count), have);
        *out = m_data + std::min<std::uint64_t>(pos, m_size);
        pos += n;
        return std::size_t(n);
    }
    /// struct.unpack of a big-endian unsigned integer of `bytes` bytes; false when the read is short.
    bool number(int bytes, std::uint32_t& value)
    {
        const std::uint8_t* p;
        if (read(bytes, &p) < std::size_t(bytes))
            return false;
        value = 0;
        for (int i = 0; i < bytes; ++i)
            value = (value << 8) | p[i];
        return true;
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
};

// The tiles _maketile describes: one per channel, all raw or all PackBits.
struct Tiles {
    int compression = 0;
    std::vector<std::uint64_t> offsets;
};

// _maketile on `file` for `channels` channels of xsize * ysize (a layer's sizes may be negative; Pillow then
// fails on a negative seek).
std::optional<Failure> makeTiles(Stream& file, std::int64_t xsize, std::int64_t ysize, int channels,
                                 Tiles& tiles)
{
    std::uint32_t compression;
    if (!file.number(2, compression))
        return Failure {Verdict::NotIdentified, "the image data header ends early"};
    tiles.compression = int(compression);
    // Python integers: a layer's width * height may not fit 64 bits.
    __int128 offset = file.pos;
    constexpr __int128 kFar = __int128(1) << 62;
    auto stored = [&]() { return std::uint64_t(std::max<__int128>(0, std::min(offset, kFar))); };
    if (compression == 0) {
        for (int c = 0; c < channels; ++c) {
            tiles.offsets.push_back(stored());
            offset += __int128(xsize) * ysize;
        }
    } else if (compression == 1) {
        const std::uint8_t* counts;
        const std::int64_t wanted = std::int64_t(channels) * ysize * 2;
        const std::size_t got = file.read(wanted, &counts);
        offset = file.pos;
        std::size_t i = 0;
        for (int c = 0; c < channels; ++c) {
            tiles.offsets.push_back(stored());
            for (std::int64_t y = 0; y < ysize; ++y) {
                if (i + 2 > got)
                    return Failure {Verdict::NotIdentified, "the PackBits row counts end early"};
                offset += (counts[i] << 8) | counts[i + 1];
                i += 2;
            }
        }
    }
    if (offset < 0)
        return Failure {Verdict::Refused, "a layer's data would start before its block"};
    if (offset > __int128(INT64_MAX))
        return Failure {Verdict::Refused, "a layer's data would start beyond any file"};
    file.pos = stored();
    if (offset & 1)
        file.pos += file.pos < file.size() ? 1 : 0;
    return std::nullopt;
}

// _layerinfo: only its verdict matters for the merged image.
std::optional<Failure> walkLayers(const std::uint8_t* block, std::size_t size)
{
    Stream fp(block, size);
    // ImageFile._safe_read: a short read is an OSError.
    auto safe = [&](std::int64_t count, const std::uint8_t** out) -> bool {
        if (count <= 0) {
            *out = block;
            return true;
        }
        return fp.read(count, out) == std::size_t(count);
    };
    auto safeNumber = [&](int bytes, std::uint32_t& value) {
        const std::uint8_t* p;
        if (!safe(bytes, &p))
            return false;
        value = 0;
        for (int i = 0; i < bytes; ++i)
            value = (value << 8) | p[i];
        return true;
    };
    const Failure truncatedLayers {Verdict::Refused, "the layer records end early"};
    std::uint32_t count;
    if (!safeNumber(2, count))
        return truncatedLayers;
    const std::int64_t layers = std::abs(std::int64_t(std::int16_t(count)));
    if (std::int64_t(size) < layers * 20)
        return Failure {Verdict::NotIdentified, "the layer block is too short for its layer count"};
    struct Layer {
        std::int64_t x0, y0, x1, y1;
        std::string mode;
    };
    std::vector<Layer> records;
    for (std::int64_t k = 0; k < layers; ++k) {
        std::uint32_t y0, x0, y1, x1, types;
        if (!safeNumber(4, y0) || !safeNumber(4, x0) || !safeNumber(4, y1) || !safeNumber(4, x1)
            || !safeNumber(2, types))
            return truncatedLayers;
        if (types > 4)
            continue;
        std::string letters;
        for (std::uint32_t t = 0; t < types; ++t) {
            std::uint32_t type, ignored;
            if (!safeNumber(2, type))
                return truncatedLayers;
            if (type == 65535)
                letters += 'A';
            else if (type < 4)
                letters += "RGBA"[type];
            else
                return Failure {Verdict::NotIdentified, "a layer channel Pillow cannot name (a mask?)"};
            if (!safeNumber(4, ignored))
                return truncatedLayers;
        }
        std::sort(letters.begin(), letters.end());
        std::string mode = letters == "R" ? "L" : letters == "BGR" ? "RGB" : letters == "ABGR" ? "RGBA" : "";
        const std::uint8_t* skipped;
        std::uint32_t extra;
        if (!safe(12, &skipped) || !safeNumber(4, extra))
            return truncatedLayers;
        if (extra) {
            const std::uint64_t end = fp.pos + extra;
            std::uint32_t length;
            if (!safeNumber(4, length))
                return truncatedLayers;
            if (length) {
                const std::int64_t target = std::int64_t(fp.pos) + std::int64_t(length) - 16;
                fp.pos = std::uint64_t(std::max<std::int64_t>(target, 0));
            }
            if (!safeNumber(4, length))
                return truncatedLayers;
            fp.pos += length;
            if (!safeNumber(1, length))
                return truncatedLayers;
            const std::uint8_t* nameBytes;
            if (length && !safe(length, &nameBytes))
                return truncatedLayers;
            fp.pos = end;
        }
        records.push_back({std::int64_t(x0), std::int64_t(y0), std::int64_t(x1), std::int64_t(y1), mode});
    }
    for (const Layer& layer : records) {
        if (layer.mode.empty())
            return Failure {Verdict::NotIdentified, "a layer whose channels Pillow cannot combine"};
        for (std::size_t c = 0; c < layer.mode.size(); ++c) {
            Tiles ignored;
            if (std::optional<Failure> failure
                = makeTiles(fp, layer.x1 - layer.x0, layer.y1 - layer.y0, 1, ignored))
                return failure;
        }
    }
    return std::nullopt;
}

struct PsdHeader {
    Verdict verdict = Verdict::NotIdentified;
    std::string why;
    PilMode mode = PilMode::L;
    int channels = 1;
    std::int64_t width = 0, height = 0;
    std::vector<std::uint8_t> paletteBytes;
    bool hasPalette = false;
    Tiles tiles;
};

PsdHeader readPsd(const ByteView& bytes)
{
    PsdHeader h;
    auto failWith = [&](const Failure& f) {
        h.verdict = f.verdict;
        h.why = f.why;
        return h;
    };
    if (bytes.size() < 26 || std::memcmp(bytes.data(), "8BPS", 4) != 0 || bytes.be16(4) != 1)
        return failWith({Verdict::NotIdentified, "no \"8BPS\" version 1 header"});
    const int bits = bytes.be16(22);
    const int fileChannels = bytes.be16(12);
    const int psdMode = bytes.be16(24);
    struct Known {
        int mode, bits;
        PilMode pil;
        int channels;
    };
    static const Known known[] = {{0, 1, PilMode::One, 1}, {0, 8, PilMode::L, 1},   {1, 8, PilMode::L, 1},
                                  {2, 8, PilMode::P, 1},   {3, 8, PilMode::RGB, 3}, {4, 8, PilMode::CMYK, 4},
                                  {7, 8, PilMode::L, 1},   {8, 8, PilMode::L, 1},   {9, 8, PilMode::LAB, 3}};
    const Known* found = nullptr;
    for (const Known& k : known)
        if (k.mode == psdMode && k.bits == bits)
            found = &k;
    if (!found)
        return failWith({Verdict::NotIdentified, "a colour mode and depth Pillow does not read"});
    h.mode = found->pil;
    h.channels = found->channels;
    if (h.channels > fileChannels)
        return failWith({Verdict::Refused, "fewer channels than its colour mode needs"});
    if (h.mode == PilMode::RGB && fileChannels == 4) {
        h.mode = PilMode::RGBA;
        h.channels = 4;
    }
    h.width = bytes.be32(18);
    h.height = bytes.be32(14);

    Stream file(bytes.data(), bytes.size(), 26);
    const Failure shortSection {Verdict::NotIdentified, "a section length is missing"};
    std::uint32_t length;
    if (!file.number(4, length))
        return failWith(shortSection);
    if (length) {
        const std::uint8_t* data;
        const std::size_t got = file.read(length, &data);
        if (h.mode == PilMode::P && length == 768) {
            h.hasPalette = true;
            h.paletteBytes.assign(data, data + got);
        }
    }
    if (!file.number(4, length))
        return failWith(shortSection);
    if (length) {
        const std::uint64_t end = file.pos + length;
        while (file.pos < end) {
            const std::uint8_t* p;
            std::uint32_t id, nameLength, dataLength;
            file.read(4, &p);
            if (!file.number(2, id) || !file.number(1, nameLength))
                return failWith({Verdict::NotIdentified, "an image resource ends early"});
            const std::size_t nameGot = file.read(nameLength, &p);
            if (!(nameGot & 1))
                file.read(1, &p);
            if (!file.number(4, dataLength))
                return failWith({Verdict::NotIdentified, "an image resource ends early"});
            const std::size_t dataGot = file.read(dataLength, &p);
            if (dataGot & 1)
                file.read(1, &p);
        }
    }
    if (!file.number(4, length))
        return failWith(shortSection);
    if (length) {
        const std::uint64_t end = file.pos + length;
        std::uint32_t layerLength;
        if (!file.number(4, layerLength))
            return failWith(shortSection);
        if (layerLength) {
            if (!bytes.has(file.pos, layerLength))
                return failWith({Verdict::Refused, "the layer section ends early"});
            if (std::optional<Failure> failure = walkLayers(bytes.data() + file.pos, layerLength))
                return failWith(*failure);
        }
        file.pos = end;
    }
    if (std::optional<Failure> failure = makeTiles(file, h.width, h.height, h.channels, h.tiles))
        return failWith(*failure);
    if (h.width <= 0 || h.height <= 0)
        return failWith({Verdict::NotIdentified, "the image has no pixels"});
    h.verdict = Verdict::Opened;
    return h;
}

// One channel's band of a PackBits or raw tile: 8-bit samples (or 1-bit rows for mode 1).
RawMode bandRaw(PilMode mode)
{
    return mode == PilMode::One ? RawMode::One : RawMode::L;
}

void storeLine(PilImage& image, int channel, std::int64_t y, const std::uint8_t* line)
{
    const std::size_t width = std::size_t(image.width);
    const std::size_t pixelBytes = std::size_t(pilModeBytes(image.mode));
    std::uint8_t* out = image.data.data() + std::size_t(y) * width * pixelBytes;
    if (image.mode == PilMode::One) {
        unpackRow(RawMode::One, out, line, image.width);
        return;
    }
    const bool invert = image.mode == PilMode::CMYK;
    for (std::size_t x = 0; x < width; ++x)
        out[x * pixelBytes + std::size_t(channel)] = invert ? std::uint8_t(255 - line[x]) : line[x];
}

bool decodeChannel(const ByteView& bytes, std::uint64_t offset, int compression, int channel, PilImage& image)
{
    const std::size_t lineBytes
        = (std::size_t(image.width) * std::size_t(rawModeBits(bandRaw(image.mode))) + 7) / 8;
    const std::uint64_t available = bytes.available(offset);
    const std::uint8_t* in = bytes.data() + std::min<std::uint64_t>(offset, bytes.size());
    if (compression == 0) {
        if (available / lineBytes < std::uint64_t(image.height))
            return false;
        for (std::int64_t y = 0; y < image.height; ++y)
            storeLine(image, channel, y, in + std::size_t(y) * lineBytes);
        return true;
    }
    // PackDecode.c: runs of 257 - n, literals of n + 1, 0x80 skipped; what overflows a line is dropped.
    std::vector<std::uint8_t> line(lineBytes);
    std::size_t x = 0;
    std::int64_t y = 0;
    std::size_t p = 0;
    while (true) {
        if (p >= available)
            return false;
        const std::uint8_t c = in[p];
        if (c & 0x80) {
            if (c == 0x80) {
                ++p;
                continue;
            }
            if (available - p < 2)
                return false;
            for (int n = 257 - c; n > 0 && x < lineBytes; --n)
                line[x++] = in[p + 1];
            p += 2;
        } else {
            const std::size_t n = std::size_t(c) + 2;
            if (available - p < n)
                return false;
            for (std::size_t i = 1; i < n && x < lineBytes; ++i)
                line[x++] = in[p + i];
            p += n;
        }
        if (x >= lineBytes) {
            storeLine(image, channel, y, line.data());
            x = 0;
            if (++y >= image.height)
                return true;
        }
    }
}

} // namespace

bool looksLikePsd(const std::uint8_t* data, std::size_t size)
{
    return readPsd(ByteView(data, size)).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodePsd(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    PsdHeader h = readPsd(bytes);
    if (h.verdict == Verdict::NotIdentified)
        return fail(name, "not a PSD file Pillow can identify (" + h.why + ")");
    if (h.verdict == Verdict::Refused)
        return fail(name, "unsupported PSD (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    if (h.tiles.compression != 0 && h.tiles.compression != 1)
        return fail(name,
                    "unsupported PSD (compression " + number(std::uint64_t(h.tiles.compression))
                        + ", which Pillow does not read)");
    std::vector<std::uint8_t> palette;
    if (h.hasPalette) {
        const std::size_t entries = h.paletteBytes.size() / 3;
        palette.resize(entries * 3);
        unpackRow(RawMode::RGBL, palette.data(), h.paletteBytes.data(), int(entries));
    }
    PilImage image = newImage(h.mode, int(h.width), int(h.height));
    image.palette = std::move(palette);
    // Pillow decodes the channels in file order (sorted by offset; the sort is stable).
    std::vector<int> order(h.tiles.offsets.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = int(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return h.tiles.offsets[std::size_t(a)] < h.tiles.offsets[std::size_t(b)];
    });
    for (const int channel : order)
        if (!decodeChannel(bytes, h.tiles.offsets[std::size_t(channel)], h.tiles.compression, channel, image))
            return fail(name, "truncated PSD (a channel's data ends before its last row)");
    return image;
}

} // namespace lens
