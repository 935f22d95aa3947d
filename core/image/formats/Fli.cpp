#include "image/formats/Fli.h"

#include "image/formats/FormatSupport.h"

#include <climits>
#include <cstring>

namespace lens {

namespace {

using namespace formats;

struct FliHeader {
    bool identified = false;
    std::string why;
    std::int64_t width = 0, height = 0;
    std::vector<std::uint8_t> palette;
};

// FliImageFile._open: header checks, then the palette from the first frame's first colour chunk.
FliHeader readFli(const ByteView& bytes)
{
    FliHeader h;
    if (bytes.size() < 22) {
        h.why = "the header ends early";
        return h;
    }
    const std::uint16_t magic = bytes.le16(4);
    const std::uint16_t flags = bytes.le16(14);
    if ((magic != 0xAF11 && magic != 0xAF12) || (flags != 0 && flags != 3) || bytes.le16(20) != 0) {
        h.why = "no FLI/FLC header";
        return h;
    }
    h.width = bytes.le16(8);
    h.height = bytes.le16(10);
    h.palette.resize(768);
    for (int i = 0; i < 256; ++i)
        h.palette[std::size_t(3 * i)] = h.palette[std::size_t(3 * i + 1)] = h.palette[std::size_t(3 * i + 2)]
            = std::uint8_t(i);
    std::uint64_t pos = std::min<std::uint64_t>(128, bytes.size());
    auto notIdentified = [&](const char* why) {
        h.identified = false;
        h.why = why;
        return h;
    };
    if (!bytes.has(pos, 6))
        return notIdentified("the first frame header is missing");
    std::uint64_t frame = pos;
    pos += std::min<std::uint64_t>(16, bytes.available(pos));
    if (bytes.le16(std::size_t(frame + 4)) == 0xF100) {
        // A prefix chunk: Pillow reads the next 16 bytes as the frame header.
        frame = pos;
        if (!bytes.has(frame, 6))
            return notIdentified("the first frame header is missing");
        pos += std::min<std::uint64_t>(16, bytes.available(pos));
    }
    if (bytes.le16(std::size_t(frame + 4)) == 0xF1FA) {
        if (!bytes.has(frame, 8))
            return notIdentified("the first frame header ends early");
        const int chunks = bytes.le16(std::size_t(frame + 6));
        std::int64_t chunkSize = -1;
        for (int c = 0; c < chunks; ++c) {
            if (chunkSize >= 0)
                pos = std::uint64_t(std::max<std::int64_t>(0, std::int64_t(pos) + chunkSize - 6));
            if (!bytes.has(pos, 6))
                return notIdentified("a chunk header ends early");
            const std::uint16_t type = bytes.le16(std::size_t(pos + 4));
            const std::uint32_t size = bytes.le32(std::size_t(pos));
            pos += 6;
            if (type == 4 || type == 11) {
                const int shift = type == 11 ? 2 : 0;
                if (!bytes.has(pos, 2))
                    return notIdentified("a colour chunk ends early");
                const int packets = bytes.le16(std::size_t(pos));
                pos += 2;
                int i = 0;
                for (int e = 0; e < packets; ++e) {
                    if (!bytes.has(pos, 2))
                        return notIdentified("a colour packet ends early");
                    i += bytes.u8(std::size_t(pos));
                    int n = bytes.u8(std::size_t(pos + 1));
                    pos += 2;
                    if (n == 0)
                        n = 256;
                    const std::size_t got = std::min<std::size_t>(std::size_t(n) * 3, bytes.available(pos));
                    for (std::size_t k = 0; k < got; k += 3) {
                        if (k + 3 > got)
                            return notIdentified("a colour packet ends inside a colour");
                        if (i >= 256)
                            return notIdentified("a colour packet runs past colour 255");
                        for (int ch = 0; ch < 3; ++ch)
                            h.palette[std::size_t(3 * i + ch)]
                                = std::uint8_t(bytes.u8(std::size_t(pos + k + ch)) << shift);
                        ++i;
                    }
                    pos += got;
                }
                break;
            }
            chunkSize = size;
            if (!size)
                break;
        }
    }
    // seek(0) refuses a file that claims no frames; _seek(0) reads the first frame from byte 128 whatever
    // came before.
    if (bytes.le16(6) == 0)
        return notIdentified("a frame count of 0");
    if (!bytes.has(128, 4))
        return notIdentified("no frame");
    if (h.width <= 0 || h.height <= 0)
        return notIdentified("the image has no pixels");
    h.identified = true;
    return h;
}

std::int32_t int32At(const std::uint8_t* p)
{
    return std::int32_t(std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16)
                        | (std::uint32_t(p[3]) << 24));
}

int uint16At(const std::uint8_t* p)
{
    return p[0] | (p[1] << 8);
}

enum class Frame { Done, NeedMore, Partial, Error };

// FliDecode.c on `bytes` bytes from the frame start (all of them read so far).
Frame decodeFrame(const std::uint8_t* buf, std::int64_t bytes, PilImage& image)
{
    const int xsize = image.width, ysize = image.height;
    auto row = [&](int y) { return image.data.data() + std::size_t(y) * std::size_t(xsize); };
    if (bytes < 4)
        return Frame::NeedMore;
    const std::int32_t frameSize = int32At(buf);
    if (bytes + (bytes % 2) < frameSize)
        return Frame::NeedMore;
    if (bytes < 8 || uint16At(buf + 4) != 0xF1FA)
        return Frame::Error;
    const int chunks = uint16At(buf + 6);
    const std::uint8_t* end = buf + bytes;
    const std::uint8_t* ptr = buf + 16;
    std::int64_t left = bytes - 16;
    for (int c = 0; c < chunks; ++c) {
        if (left < 10)
            return Frame::Error;
        const std::uint8_t* data = ptr + 6;
        auto outside = [&](std::int64_t n) { return data + n > end; };
        switch (uint16At(ptr + 4)) {
        case 4:
        case 11:
        case 18:
            break;
        case 7: { // SS2, word deltas
            const int lines = uint16At(data);
            data += 2;
            int l = 0, y = 0;
            for (; l < lines && y < ysize; ++l, ++y) {
                std::uint8_t* out = row(y);
                if (outside(2))
                    return Frame::Error;
                int packets = uint16At(data);
                data += 2;
                while (packets & 0x8000) {
                    if (packets & 0x4000) {
                        y += 65536 - packets;
                        if (y >= ysize)
                            return Frame::Error;
                        out = row(y);
                    } else {
                        out[xsize - 1] = std::uint8_t(packets);
                    }
                    if (outside(2))
                        return Frame::Error;
                    packets = uint16At(data);
                    data += 2;
                }
                int p = 0;
                for (int x = 0; p < packets; ++p) {
                    if (outside(2))
                        return Frame::Error;
                    x += data[0];
                    if (data[1] >= 128) {
                        if (outside(4))
                            return Frame::Error;
                        const int i = 256 - data[1];
                        if (x + i + i > xsize)
                            break;
                        for (int j = 0; j < i; ++j) {
                            out[x++] = data[2];
                            out[x++] = data[3];
                        }
                        data += 4;
                    } else {
                        const int i = 2 * int(data[1]);
                        if (x + i > xsize)
                            break;
                        if (outside(2 + i))
                            return Frame::Error;
                        std::memcpy(out + x, data + 2, std::size_t(i));
                        data += 2 + i;
                        x += i;
                    }
                }
                if (p < packets)
                    break;
            }
            if (l < lines)
                return Frame::Error;
            break;
        }
        case 12: { // LC, byte deltas
            int y = uint16At(data);
            const int ymax = y + uint16At(data + 2);
            data += 4;
            for (; y < ymax && y < ysize; ++y) {
                std::uint8_t* out = row(y);
                if (outside(1))
                    return Frame::Error;
                const int packets = *data++;
                int p = 0;
                for (int x = 0, i = 0; p < packets; ++p, x += i) {
                    if (outside(2))
                        return Frame::Error;
                    x += data[0];
                    if (data[1] & 0x80) {
                        i = 256 - data[1];
                        if (x + i > xsize)
                            break;
                        if (outside(3))
                            return Frame::Error;
                        std::memset(out + x, data[2], std::size_t(i));
                        data += 3;
                    } else {
                        i = data[1];
                        if (x + i > xsize)
                            break;
                        if (outside(2 + i))
                            return Frame::Error;
                        std::memcpy(out + x, data + 2, std::size_t(i));
                        data += i + 2;
                    }
                }
                if (p < packets)
                    break;
            }
            if (y < ymax)
                return Frame::Error;
            break;
        }
        case 13: // BLACK
            std::memset(image.data.data(), 0, image.data.size());
            break;
        case 15: // BRUN, byte runs
            for (int y = 0; y < ysize; ++y) {
                std::uint8_t* out = row(y);
                data += 1;
                int x = 0;
                for (int i = 0; x < xsize; x += i) {
                    if (outside(2))
                        return Frame::Error;
                    if (data[0] & 0x80) {
                        i = 256 - data[0];
                        if (x + i > xsize)
                            break;
                        if (outside(i + 1))
                            return Frame::Error;
                        std::memcpy(out + x, data + 1, std::size_t(i));
                        data += i + 1;
                    } else {
                        i = data[0];
                        if (x + i > xsize)
                            break;
                        std::memset(out + x, data[1], std::size_t(i));
                        data += 2;
                    }
                }
                if (x != xsize)
                    return Frame::Error;
            }
            break;
        case 16: // COPY
            if (INT32_MAX / xsize < ysize)
                return Frame::Error;
            if (data + std::int64_t(xsize) * ysize > ptr + left)
                return Frame::Partial;
            for (int y = 0; y < ysize; ++y) {
                std::memcpy(row(y), data, std::size_t(xsize));
                data += xsize;
            }
            break;
        default:
            return Frame::Error;
        }
        const std::int32_t advance = int32At(ptr);
        if (advance == 0 || advance < 0 || advance > left)
            return Frame::Error;
        ptr += advance;
        left -= advance;
    }
    return Frame::Done;
}

} // namespace

bool looksLikeFli(const std::uint8_t* data, std::size_t size)
{
    return readFli(ByteView(data, size)).identified;
}

Result<PilImage> decodeFli(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    FliHeader h = readFli(bytes);
    if (!h.identified)
        return fail(name, "not an FLI/FLC file Pillow can identify (" + h.why + ")");
    if (std::optional<Error> error = checkPixelLimit(h.width, h.height, name, limits))
        return *error;
    PilImage image = newImage(PilMode::P, int(h.width), int(h.height));
    image.palette = std::move(h.palette);
    // ImageFile.load reads blocks of the frame's size (Pillow's decodermaxblock) until the decoder is done.
    const std::uint64_t block = bytes.le32(128);
    const std::uint64_t available = bytes.available(128);
    std::uint64_t have = 0;
    while (true) {
        const std::uint64_t more = std::min<std::uint64_t>(block, available - have);
        if (more == 0)
            return fail(name, "truncated FLI (the first frame ends early)");
        have += more;
        const Frame result = decodeFrame(data + 128, std::int64_t(have), image);
        if (result == Frame::Done)
            return image;
        if (result == Frame::Error || result == Frame::Partial)
            return fail(name, "corrupt FLI (the first frame's chunks are broken or unsupported)");
    }
}

} // namespace lens
