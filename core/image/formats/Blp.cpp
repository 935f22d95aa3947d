#include "image/formats/Blp.h"

#include "image/formats/FormatSupport.h"

#include <array>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

struct BlpHeader {
    bool blp1 = false;
    std::int32_t compression = 0;
    int encoding = 0; // BLP1: the 32-bit field after the size; BLP2: the signed byte at 8
    int alphaDepth = 0;
    int alphaEncoding = 0;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint32_t offset0 = 0;
    std::uint32_t length0 = 0;
    std::size_t end = 0; // where the header ends (the palette or the JPEG header size follows)
};

constexpr std::size_t kPaletteBytes = 256 * 4;

BlpHeader readHeader(const ByteView& bytes)
{
    BlpHeader h;
    h.blp1 = std::memcmp(bytes.data(), "BLP1", 4) == 0;
    h.compression = std::int32_t(bytes.le32(4));
    h.encoding = std::int8_t(bytes.u8(8));
    h.alphaDepth = std::int8_t(bytes.u8(9));
    h.alphaEncoding = std::int8_t(bytes.u8(10));
    h.width = bytes.le32(12);
    h.height = bytes.le32(16);
    std::size_t at = 20;
    if (h.blp1) {
        h.encoding = std::int32_t(bytes.le32(20));
        at = 28; // after the encoding and the subtype
    }
    h.offset0 = bytes.le32(at);
    h.length0 = bytes.le32(at + 64);
    h.end = at + 128;
    return h;
}

// Pillow builds the decoder's output as one byte stream and then reads it as the image's raw pixels, row
// after row; this is that reading, fed a few bytes at a time.
class RawSink {
public:
    explicit RawSink(PilImage& image)
        : m_out(image.data.data())
        , m_left(image.data.size())
    { }
    bool full() const { return m_left == 0; }
    void put(const std::uint8_t* bytes, std::size_t count)
    {
        count = std::min(count, m_left);
        std::memcpy(m_out, bytes, count);
        m_out += count;
        m_left -= count;
    }

private:
    std::uint8_t* m_out;
    std::size_t m_left;
};

struct Shape {
    PilMode mode;
    int width;
    int height;
};

Error notEnoughData(const std::string& name)
{
    return fail(name, "corrupt BLP (not enough image data for its size)");
}

Error truncatedRead(const std::string& name, const char* what)
{
    return fail(name, std::string("truncated BLP (") + what + " ends past the end of the file)");
}

// _read_bgra: every byte of the mipmap is a palette index; entries are stored B, G, R, A.
Result<PilImage> paletteImage(const ByteView& bytes, std::size_t paletteAt, std::uint64_t dataAt,
                              std::uint32_t length, const Shape& shape, const std::string& name)
{
    if (!bytes.has(dataAt, length))
        return truncatedRead(name, "the mipmap");
    const std::size_t pixels = std::size_t(shape.width) * std::size_t(shape.height);
    if (length < pixels)
        return notEnoughData(name);
    PilImage image = newImage(shape.mode, shape.width, shape.height);
    const int channels = pilModeBytes(image.mode);
    const std::uint8_t* palette = bytes.data() + paletteAt;
    const std::uint8_t* indices = bytes.data() + dataAt;
    for (std::size_t k = 0; k < pixels; ++k) {
        const std::uint8_t* entry = palette + 4 * std::size_t(indices[k]);
        std::uint8_t* out = image.data.data() + std::size_t(channels) * k;
        out[0] = entry[2];
        out[1] = entry[1];
        out[2] = entry[0];
        if (channels == 4)
            out[3] = entry[3];
    }
    return image;
}

// unpack_565 of BlpImagePlugin: the bits shifted up, the low bits left zero.
std::array<int, 3> unpack565(int v)
{
    return {((v >> 11) & 0x1F) << 3, ((v >> 5) & 0x3F) << 2, (v & 0x1F) << 3};
}

// Colour of pixel `index` (0..15) of a DXT colour block, with Pillow's integer averages. `threeColour`
// allows DXT1's three-colour mode (colour 3 transparent black when colour0 <= colour1).
std::array<int, 4> blockColour(const std::uint8_t* block, int index, bool threeColour)
{
    const int c0 = block[0] | (block[1] << 8);
    const int c1 = block[2] | (block[3] << 8);
    const std::uint32_t codes = std::uint32_t(block[4]) | (std::uint32_t(block[5]) << 8)
        | (std::uint32_t(block[6]) << 16) | (std::uint32_t(block[7]) << 24);
    const int code = int((codes >> (2 * index)) & 3);
    const auto a = unpack565(c0);
    const auto b = unpack565(c1);
    const bool four = !threeColour || c0 > c1;
    std::array<int, 4> out {0, 0, 0, 255};
    for (int ch = 0; ch < 3; ++ch) {
        switch (code) {
        case 0:
            out[ch] = a[ch];
            break;
        case 1:
            out[ch] = b[ch];
            break;
        case 2:
            out[ch] = four ? (2 * a[ch] + b[ch]) / 3 : (a[ch] + b[ch]) / 2;
            break;
        default:
            out[ch] = four ? (2 * b[ch] + a[ch]) / 3 : 0;
            break;
        }
    }
    if (code == 3 && !four)
        out[3] = 0;
    return out;
}

int dxt3Alpha(const std::uint8_t* block, int index)
{
    const int packed = block[index / 2];
    return ((index & 1) ? packed >> 4 : packed & 0xF) * 17;
}

int dxt5Alpha(const std::uint8_t* block, int index)
{
    const int a0 = block[0];
    const int a1 = block[1];
    std::uint64_t bits = 0;
    for (int k = 0; k < 6; ++k)
        bits |= std::uint64_t(block[2 + k]) << (8 * k);
    const int code = int((bits >> (3 * index)) & 7);
    if (code == 0)
        return a0;
    if (code == 1)
        return a1;
    if (a0 > a1)
        return ((8 - code) * a0 + (code - 1) * a1) / 7;
    if (code == 6)
        return 0;
    if (code == 7)
        return 255;
    return ((6 - code) * a0 + (code - 1) * a1) / 5;
}

enum class Dxt { One, Three, Five };

Result<PilImage> dxtImage(const ByteView& bytes, std::uint64_t dataAt, Dxt kind, bool dxt1Alpha,
                          const Shape& shape, const std::string& name)
{
    const std::uint64_t blocksWide = (std::uint64_t(shape.width) + 3) / 4;
    const std::uint64_t blockRows = (std::uint64_t(shape.height) + 3) / 4;
    const std::uint64_t blockBytes = kind == Dxt::One ? 8 : 16;
    const std::uint64_t lineSize = blocksWide * blockBytes;
    // Pillow reads every row of blocks before it looks at the pixels.
    if (!bytes.has(dataAt, lineSize * blockRows))
        return truncatedRead(name, "the DXT data");
    PilImage image = newImage(shape.mode, shape.width, shape.height);
    const int streamChannels = (kind == Dxt::One && !dxt1Alpha) ? 3 : 4;
    RawSink sink(image);
    for (std::uint64_t row = 0; row < blockRows && !sink.full(); ++row) {
        const std::uint8_t* line = bytes.data() + dataAt + row * lineSize;
        for (int j = 0; j < 4 && !sink.full(); ++j) {
            for (std::uint64_t bx = 0; bx < blocksWide && !sink.full(); ++bx) {
                const std::uint8_t* block = line + bx * blockBytes;
                for (int i = 0; i < 4; ++i) {
                    const int index = 4 * j + i;
                    std::array<int, 4> px;
                    if (kind == Dxt::One) {
                        px = blockColour(block, index, true);
                    } else {
                        px = blockColour(block + 8, index, false);
                        px[3] = kind == Dxt::Three ? dxt3Alpha(block, index) : dxt5Alpha(block, index);
                    }
                    const std::uint8_t out[4] = {std::uint8_t(px[0]), std::uint8_t(px[1]),
                                                 std::uint8_t(px[2]), std::uint8_t(px[3])};
                    sink.put(out, std::size_t(streamChannels));
                }
            }
        }
    }
    return image;
}

// BLP1's JPEG: the shared header, then (past any gap up to the mipmap's offset) the mipmap's bytes.
Result<PilImage> jpegImage(const ByteView& bytes, const BlpHeader& h, const Shape& shape,
                           const std::string& name, const EmbeddedJpegDecoder& jpeg)
{
    if (!bytes.has(h.end, 4))
        return truncatedRead(name, "the JPEG header size");
    const std::uint32_t headerSize = bytes.le32(h.end);
    std::uint64_t at = h.end + 4;
    if (!bytes.has(at, headerSize))
        return truncatedRead(name, "the JPEG header");
    std::vector<std::uint8_t> stream(bytes.data() + at, bytes.data() + at + headerSize);
    at += headerSize;
    if (h.offset0 > at) {
        if (h.offset0 > bytes.size())
            return truncatedRead(name, "the gap before the mipmap");
        at = h.offset0;
    }
    if (!bytes.has(at, h.length0))
        return truncatedRead(name, "the mipmap");
    stream.insert(stream.end(), bytes.data() + at, bytes.data() + at + h.length0);
    if (!jpeg)
        return fail(name, "the BLP holds a JPEG image, and no JPEG decoder was given");
    Result<PilImage> decoded = jpeg(stream.data(), stream.size());
    if (!decoded)
        return decoded.error();
    PilImage& picture = decoded.value();
    // Pillow's tile change for CMYK sets libjpeg's colour space, which a four-component JPEG has already;
    // the samples stay inverted ("CMYK;I") as in any JPEG Pillow reads.
    std::vector<std::uint8_t> rgb = toRgb(picture);
    for (std::size_t k = 0; k + 2 < rgb.size(); k += 3)
        std::swap(rgb[k], rgb[k + 2]);
    const std::size_t needed
        = std::size_t(shape.width) * std::size_t(shape.height) * std::size_t(pilModeBytes(shape.mode));
    if (rgb.size() < needed)
        return notEnoughData(name);
    PilImage image = newImage(shape.mode, shape.width, shape.height);
    std::memcpy(image.data.data(), rgb.data(), image.data.size());
    return image;
}

} // namespace

bool looksLikeBlp(const std::uint8_t* data, std::size_t size)
{
    if (size < 20 || (std::memcmp(data, "BLP1", 4) != 0 && std::memcmp(data, "BLP2", 4) != 0))
        return false;
    const ByteView bytes(data, size);
    return bytes.le32(12) != 0 && bytes.le32(16) != 0;
}

Result<PilImage> decodeBlp(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits, const EmbeddedJpegDecoder& jpeg)
{
    if (!looksLikeBlp(data, size))
        return fail(name, "not a BLP file Pillow can identify");
    const ByteView bytes(data, size);
    const std::int64_t width = bytes.le32(12);
    const std::int64_t height = bytes.le32(16);
    if (std::optional<Error> error = checkPixelLimit(width, height, name, limits))
        return *error;
    if (size < (std::memcmp(data, "BLP1", 4) == 0 ? 156u : 148u))
        return truncatedRead(name, "the header");
    const BlpHeader h = readHeader(bytes);
    // The image is allocated only once the data for it is known to be there.
    const Shape shape {h.alphaDepth ? PilMode::RGBA : PilMode::RGB, int(width), int(height)};

    if (h.blp1) {
        if (h.compression == 0)
            return jpegImage(bytes, h, shape, name, jpeg);
        if (h.compression != 1)
            return fail(name, "unsupported BLP (compression " + std::to_string(h.compression) + ")");
        if (h.encoding != 4 && h.encoding != 5)
            return fail(name, "unsupported BLP (encoding " + std::to_string(h.encoding) + ")");
        if (!bytes.has(h.end, kPaletteBytes))
            return truncatedRead(name, "the palette");
        // Pillow reads the indices right after the palette, whatever the mipmap offset says.
        return paletteImage(bytes, h.end, h.end + kPaletteBytes, h.length0, shape, name);
    }
    if (!bytes.has(h.end, kPaletteBytes))
        return truncatedRead(name, "the palette");
    if (h.compression != 1)
        return fail(name, "unsupported BLP2 (compression " + std::to_string(h.compression) + ")");
    if (h.encoding == 1)
        return paletteImage(bytes, h.end, h.offset0, h.length0, shape, name);
    if (h.encoding != 2)
        return fail(name, "unsupported BLP2 (encoding " + std::to_string(h.encoding) + ")");
    switch (h.alphaEncoding) {
    case 0:
        return dxtImage(bytes, h.offset0, Dxt::One, h.alphaDepth != 0, shape, name);
    case 1:
        return dxtImage(bytes, h.offset0, Dxt::Three, false, shape, name);
    case 7:
        return dxtImage(bytes, h.offset0, Dxt::Five, false, shape, name);
    default:
        return fail(name, "unsupported BLP2 (alpha encoding " + std::to_string(h.alphaEncoding) + ")");
    }
}

} // namespace lens
