#include "image/formats/Gif.h"

#include "image/formats/FormatSupport.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <optional>

namespace lens {

namespace {

using namespace formats;

// Pillow reads the frame through ImageFile.load in blocks of this many bytes; an LZW end code met before
// the frame is full ends the decoding only when no block is left to read.
constexpr std::uint64_t kReadBlock = 65536;

enum class Verdict { Opened, Refused, NotIdentified };

struct Span {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

// Python file semantics over the bytes: read(n) returns what is left, up to n bytes.
class Reader {
public:
    explicit Reader(const ByteView& bytes)
        : m_bytes(bytes)
    { }
    std::uint64_t pos = 0;
    Span read(std::uint64_t count)
    {
        const std::size_t have = std::size_t(std::min<std::uint64_t>(count, m_bytes.available(pos)));
        Span span {m_bytes.data() + std::min<std::uint64_t>(pos, m_bytes.size()), have};
        pos += have;
        return span;
    }
    /// One byte, or -1 at the end of the file.
    int byte()
    {
        Span s = read(1);
        return s.size ? s.data[0] : -1;
    }
    /// GifImageFile.data(): nullopt for a zero-length block (or the end of the file at its size byte),
    /// otherwise the block's bytes, maybe fewer than announced.
    std::optional<Span> block()
    {
        const int size = byte();
        if (size <= 0)
            return std::nullopt;
        return read(std::uint64_t(size));
    }

private:
    const ByteView& m_bytes;
};

struct GifHeader {
    Verdict verdict = Verdict::Opened;
    Error error;
    std::int64_t width = 0;
    std::int64_t height = 0;
    std::int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool interlace = false;
    int transparency = -1;
    int lzwBits = 0;
    std::uint64_t dataOffset = 0;
    /// The palette Pillow ends up with (local, else global); empty for mode L.
    std::vector<std::uint8_t> palette;
};

GifHeader notIdentified(const std::string& name, const std::string& why)
{
    GifHeader header;
    header.verdict = Verdict::NotIdentified;
    header.error = fail(name, "not a GIF file Pillow can identify (" + why + ")");
    return header;
}

// GifImageFile._is_palette_needed: false for the identity gray ramp (0,0,0), (1,1,1), ... Pillow compares
// entry by entry and stops at the first difference; a last partial entry it reaches is an IndexError,
// which makes the file unidentified.
enum class PaletteKind { Needed, Identity, Broken };

PaletteKind paletteKind(Span p)
{
    for (std::size_t i = 0; i < p.size; i += 3) {
        if (i / 3 != p.data[i])
            return PaletteKind::Needed;
        if (i + 1 >= p.size)
            return PaletteKind::Broken;
        if (p.data[i + 1] != p.data[i])
            return PaletteKind::Needed;
        if (i + 2 >= p.size)
            return PaletteKind::Broken;
        if (p.data[i + 2] != p.data[i])
            return PaletteKind::Needed;
    }
    return PaletteKind::Identity;
}

GifHeader readGif(const ByteView& bytes, const std::string& name, const DecodeLimits& limits)
{
    Reader in(bytes);
    Span screen = in.read(13);
    if (screen.size < 6
        || (std::memcmp(screen.data, "GIF87a", 6) != 0 && std::memcmp(screen.data, "GIF89a", 6) != 0))
        return notIdentified(name, "no GIF87a or GIF89a signature");
    if (screen.size < 11)
        return notIdentified(name, "the screen descriptor ends early");
    GifHeader header;
    header.width = bytes.le16(6);
    header.height = bytes.le16(8);
    const int flags = screen.data[10];
    std::optional<std::vector<std::uint8_t>> global;
    if (flags & 0x80) {
        if (screen.size < 12)
            return notIdentified(name, "the screen descriptor ends early");
        Span p = in.read(std::uint64_t(3) << ((flags & 7) + 1));
        const PaletteKind kind = paletteKind(p);
        if (kind == PaletteKind::Broken)
            return notIdentified(name, "the global colour table ends inside an entry");
        if (kind == PaletteKind::Needed)
            global.emplace(p.data, p.data + p.size);
    }

    int s = in.byte();
    if (s < 0 || s == ';')
        return notIdentified(name, "no image in the file");
    bool haveFrame = false;
    std::optional<std::vector<std::uint8_t>> local;
    while (true) {
        if (s < 0)
            s = in.byte();
        if (s < 0 || s == ';')
            break;
        if (s == '!') {
            const int label = in.byte();
            std::optional<Span> block = in.block();
            if (label < 0)
                return notIdentified(name, "an extension ends early");
            if (label == 249) {
                if (!block || block->size < 1)
                    return notIdentified(name, "a graphic control extension is empty");
                const int gceFlags = block->data[0];
                if ((gceFlags & 1) && block->size < 4)
                    return notIdentified(name, "a graphic control extension ends early");
                if (gceFlags & 1)
                    header.transparency = block->data[3];
                if (block->size < 3)
                    return notIdentified(name, "a graphic control extension ends early");
            } else if (label == 254) {
                while (block && block->size)
                    block = in.block();
                s = -1;
                continue;
            } else if (label == 255) {
                if (!block)
                    return notIdentified(name, "an application extension is empty");
                if (block->size >= 11 && std::memcmp(block->data, "NETSCAPE2.0", 11) == 0 && !in.block())
                    return notIdentified(name, "a looping extension is empty");
            }
            while (true) {
                std::optional<Span> more = in.block();
                if (!more || !more->size)
                    break;
            }
        } else if (s == ',') {
            Span d = in.read(9);
            if (d.size < 9)
                return notIdentified(name, "the image descriptor ends early");
            header.x0 = d.data[0] | (d.data[1] << 8);
            header.y0 = d.data[2] | (d.data[3] << 8);
            header.x1 = header.x0 + (d.data[4] | (d.data[5] << 8));
            header.y1 = header.y0 + (d.data[6] | (d.data[7] << 8));
            if (header.x1 > header.width || header.y1 > header.height) {
                header.width = std::max(header.x1, header.width);
                header.height = std::max(header.y1, header.height);
                if (std::optional<Error> error = checkPixelLimit(header.width, header.height, name, limits)) {
                    GifHeader refusal;
                    refusal.verdict = Verdict::Refused;
                    refusal.error = *error;
                    return refusal;
                }
            }
            const int frameFlags = d.data[8];
            header.interlace = (frameFlags & 0x40) != 0;
            if (frameFlags & 0x80) {
                Span p = in.read(std::uint64_t(3) << ((frameFlags & 7) + 1));
                const PaletteKind kind = paletteKind(p);
                if (kind == PaletteKind::Broken)
                    return notIdentified(name, "the local colour table ends inside an entry");
                if (kind == PaletteKind::Needed)
                    local.emplace(p.data, p.data + p.size);
            }
            const int bits = in.byte();
            if (bits < 0)
                return notIdentified(name, "the image data is missing");
            header.lzwBits = bits;
            header.dataOffset = in.pos;
            haveFrame = true;
            break;
        }
        s = -1;
    }
    if (!haveFrame)
        return notIdentified(name, "no image in the file");
    // A local table that is the identity ramp leaves the frame in mode L, but Pillow then attaches a copy
    // of the global palette, which turns the image into P with the global colours.
    if (local)
        header.palette = std::move(*local);
    else if (global)
        header.palette = std::move(*global);
    if (header.width <= 0 || header.height <= 0)
        return notIdentified(name, "the image has no pixels");
    return header;
}

// Pillow's LZW decoder (GifDecode.c), state kept across calls so that ImageFile.load's block-wise feeding
// can be reproduced: decode() returns the bytes consumed, or -1 when the frame is full or broken.
class LzwDecoder {
public:
    enum class Status { Running, Done, Broken, Config };

    LzwDecoder(int bits, bool interlace, std::uint8_t* canvas, std::size_t canvasWidth, int xoff, int yoff,
               int xsize, int ysize)
        : m_bits(bits)
        , m_interlaced(interlace)
        , m_canvas(canvas)
        , m_canvasWidth(canvasWidth)
        , m_xoff(xoff)
        , m_yoff(yoff)
        , m_xsize(xsize)
        , m_ysize(ysize)
    { }

    Status status() const { return m_status; }

    std::int64_t decode(const std::uint8_t* buffer, std::int64_t bytes)
    {
        const std::uint8_t* ptr = buffer;
        if (m_state == 0) {
            if (m_bits < 0 || m_bits > 12) {
                m_status = Status::Config;
                return -1;
            }
            m_clear = 1 << m_bits;
            m_end = m_clear + 1;
            if (m_interlaced) {
                m_interlace = 1;
                m_step = 8;
            } else {
                m_interlace = 0;
                m_step = 1;
            }
            m_state = 1;
        }
        for (;;) {
            if (m_state == 1) {
                m_next = m_clear + 2;
                m_codeSize = m_bits + 1;
                m_codeMask = (1 << m_codeSize) - 1;
                m_bufferIndex = kTable;
                m_state = 2;
            }
            const std::uint8_t* p;
            int count;
            if (m_bufferIndex < kTable) {
                count = kTable - m_bufferIndex;
                p = &m_buffer[std::size_t(m_bufferIndex)];
                m_bufferIndex = kTable;
            } else {
                while (m_bitCount < m_codeSize) {
                    if (m_blockSize > 0) {
                        const int c = *ptr++;
                        --bytes;
                        --m_blockSize;
                        m_bitBuffer |= std::uint32_t(c) << m_bitCount;
                        m_bitCount += 8;
                    } else {
                        // A sub-block is only started once all of it is at hand.
                        if (bytes < 1)
                            return ptr - buffer;
                        const int c = *ptr;
                        if (bytes < c + 1)
                            return ptr - buffer;
                        m_blockSize = c;
                        ++ptr;
                        --bytes;
                    }
                }
                int c = int(m_bitBuffer & std::uint32_t(m_codeMask));
                m_bitBuffer >>= m_codeSize;
                m_bitCount -= m_codeSize;
                if (c == m_clear) {
                    if (m_state != 2)
                        m_state = 1;
                    continue;
                }
                if (c == m_end)
                    return ptr - buffer;
                count = 1;
                p = &m_lastData;
                if (m_state == 2) {
                    if (c > m_clear)
                        return broken();
                    m_lastData = std::uint8_t(c);
                    m_lastCode = c;
                    m_state = 3;
                } else {
                    const int thisCode = c;
                    if (c > m_next)
                        return broken();
                    if (c == m_next) {
                        if (m_bufferIndex <= 0)
                            return broken();
                        m_buffer[std::size_t(--m_bufferIndex)] = m_lastData;
                        c = m_lastCode;
                    }
                    while (c >= m_clear) {
                        if (m_bufferIndex <= 0 || c >= kTable)
                            return broken();
                        m_buffer[std::size_t(--m_bufferIndex)] = m_data[std::size_t(c)];
                        c = m_link[std::size_t(c)];
                    }
                    m_lastData = std::uint8_t(c);
                    if (m_next < kTable) {
                        m_data[std::size_t(m_next)] = std::uint8_t(c);
                        m_link[std::size_t(m_next)] = std::uint16_t(m_lastCode);
                        if (m_next == m_codeMask && m_codeSize < 12) {
                            ++m_codeSize;
                            m_codeMask = (1 << m_codeSize) - 1;
                        }
                        ++m_next;
                    }
                    m_lastCode = thisCode;
                }
            }
            if (m_y >= m_ysize)
                return broken();
            for (int k = 0; k < count; ++k) {
                m_canvas[std::size_t(m_y + m_yoff) * m_canvasWidth + std::size_t(m_xoff + m_x)] = p[k];
                if (++m_x >= m_xsize && !newLine()) {
                    m_status = Status::Done;
                    return -1;
                }
            }
        }
    }

private:
    static constexpr int kTable = 4096;

    std::int64_t broken()
    {
        m_status = Status::Broken;
        return -1;
    }

    // Next line, through the four interlace passes; false when the frame is complete.
    bool newLine()
    {
        m_x = 0;
        m_y += m_step;
        while (m_y >= m_ysize) {
            switch (m_interlace) {
            case 1:
                m_y = 4;
                m_interlace = 2;
                break;
            case 2:
                m_step = 4;
                m_y = 2;
                m_interlace = 3;
                break;
            case 3:
                m_step = 2;
                m_y = 1;
                m_interlace = 0;
                break;
            default:
                return false;
            }
        }
        return true;
    }

    int m_bits;
    bool m_interlaced;
    std::uint8_t* m_canvas;
    std::size_t m_canvasWidth;
    int m_xoff, m_yoff, m_xsize, m_ysize;
    Status m_status = Status::Running;
    int m_state = 0;
    int m_x = 0, m_y = 0;
    int m_interlace = 0, m_step = 1;
    int m_clear = 0, m_end = 0, m_next = 0;
    int m_codeSize = 0, m_codeMask = 0;
    int m_bufferIndex = kTable;
    std::uint32_t m_bitBuffer = 0;
    int m_bitCount = 0;
    int m_blockSize = 0;
    std::uint8_t m_lastData = 0;
    int m_lastCode = 0;
    std::uint8_t m_buffer[kTable] = {};
    std::uint16_t m_link[kTable] = {};
    std::uint8_t m_data[kTable] = {};
};

} // namespace

bool looksLikeGif(const std::uint8_t* data, std::size_t size)
{
    if (size < 6 || (std::memcmp(data, "GIF87a", 6) != 0 && std::memcmp(data, "GIF89a", 6) != 0))
        return false;
    DecodeLimits unlimited;
    unlimited.maxPixels = INT64_MAX;
    return readGif(ByteView(data, size), {}, unlimited).verdict != Verdict::NotIdentified;
}

Result<PilImage> decodeGif(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    GifHeader header = readGif(bytes, name, limits);
    if (header.verdict != Verdict::Opened)
        return header.error;
    if (std::optional<Error> error = checkPixelLimit(header.width, header.height, name, limits))
        return *error;

    // Pillow's tile check: a frame at x 0 with width 0 is read as the whole canvas; any other empty frame
    // is refused.
    std::int64_t x0 = header.x0, y0 = header.y0, x1 = header.x1, y1 = header.y1;
    if (x0 == 0 && x1 == 0) {
        y0 = 0;
        x1 = header.width;
        y1 = header.height;
    }
    if (x1 - x0 <= 0 || y1 - y0 <= 0)
        return fail(name,
                    "the GIF's first frame is empty (" + number(std::uint64_t(x1 - x0)) + " x "
                        + number(std::uint64_t(y1 - y0)) + " pixels)");

    PilImage image
        = newImage(header.palette.empty() ? PilMode::L : PilMode::P, int(header.width), int(header.height));
    if (header.transparency >= 0)
        std::memset(image.data.data(), header.transparency, image.data.size());
    image.palette = std::move(header.palette);

    auto decoder = std::make_unique<LzwDecoder>(header.lzwBits, header.interlace, image.data.data(),
                                                std::size_t(header.width), int(x0), int(y0), int(x1 - x0),
                                                int(y1 - y0));
    // ImageFile.load: read a block, decode what has arrived, keep the rest, until the decoder finishes.
    std::uint64_t start = header.dataOffset;
    std::uint64_t end = header.dataOffset;
    while (true) {
        const std::uint64_t chunk = std::min<std::uint64_t>(kReadBlock, bytes.available(end));
        if (chunk == 0)
            return fail(name, "truncated GIF (the first frame's image data ends before its last pixel)");
        end += chunk;
        const std::int64_t consumed = decoder->decode(data + start, std::int64_t(end - start));
        if (consumed < 0)
            break;
        start += std::uint64_t(consumed);
    }
    if (decoder->status() == LzwDecoder::Status::Config)
        return fail(name,
                    "unsupported GIF (an LZW minimum code size of " + number(std::uint64_t(header.lzwBits))
                        + "; Pillow reads at most 12)");
    if (decoder->status() == LzwDecoder::Status::Broken)
        return fail(name, "corrupt GIF (invalid LZW code in the first frame)");
    return image;
}

} // namespace lens
