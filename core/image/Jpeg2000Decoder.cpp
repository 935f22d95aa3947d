#include "image/Jpeg2000Decoder.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <openjpeg.h>
#include <optional>
#include <vector>

namespace lens {

namespace {

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

std::uint64_t be(const std::uint8_t* p, int bytes)
{
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
        v = (v << 8) | p[i];
    return v;
}

// ---------------------------------------------------------------------------------------------------------
// Jpeg2KImagePlugin's header parse: the mode and size Pillow settles on before it decodes anything.

struct Header {
    bool jp2 = false;
    std::string mode; // "L", "I;16", "LA", "RGB", "RGBA"
    std::int64_t width = 0, height = 0;
};

std::string modeFor(std::uint64_t components, bool wide)
{
    switch (components) {
    case 1:
        return wide ? "I;16" : "L";
    case 2:
        return "LA";
    case 3:
        return "RGB";
    case 4:
        return "RGBA";
    default:
        return {};
    }
}

// BoxReader over [start, end) of the file (end = SIZE_MAX: no known length, reads stop at the file's end).
class Boxes {
public:
    Boxes(const std::uint8_t* data, std::size_t size, std::size_t start, std::size_t end, bool known)
        : m_data(data)
        , m_size(size)
        , m_pos(start)
        , m_start(start)
        , m_end(end)
        , m_known(known)
    { }

    bool hasNext() const
    {
        return !m_known || std::int64_t(m_pos - m_start) + m_remaining < std::int64_t(m_end - m_start);
    }

    // The next box's type, or nullopt where Pillow raises.
    std::optional<std::string> next()
    {
        if (m_remaining > 0)
            m_pos += std::size_t(m_remaining);
        m_remaining = -1;
        std::uint64_t length = 0;
        const std::uint8_t* p = read(8);
        if (!p)
            return std::nullopt;
        length = be(p, 4);
        const std::string type(reinterpret_cast<const char*>(p + 4), 4);
        std::uint64_t headerLength = 8;
        if (length == 1) {
            const std::uint8_t* q = read(8);
            if (!q)
                return std::nullopt;
            length = be(q, 8);
            headerLength = 16;
        }
        if (length < headerLength || !canRead(length - headerLength))
            return std::nullopt;
        m_remaining = std::int64_t(length - headerLength);
        return type;
    }

    const std::uint8_t* read(std::uint64_t count)
    {
        if (!canRead(count) || m_pos > m_size || count > m_size - m_pos)
            return nullptr;
        const std::uint8_t* p = m_data + m_pos;
        m_pos += std::size_t(count);
        if (m_remaining > 0)
            m_remaining -= std::int64_t(count);
        return p;
    }

    // The rest of this box as a reader of its own (read_boxes).
    std::optional<Boxes> children()
    {
        const std::int64_t size = m_remaining;
        if (size < 0 || !read(std::uint64_t(size)))
            return std::nullopt;
        return Boxes(m_data, m_size, m_pos - std::size_t(size), m_pos, true);
    }

private:
    bool canRead(std::uint64_t count) const
    {
        if (m_known && (m_pos - m_start) + count > m_end - m_start)
            return false;
        if (m_remaining >= 0)
            return count <= std::uint64_t(m_remaining);
        return true;
    }

    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos;
    std::size_t m_start, m_end;
    bool m_known;
    std::int64_t m_remaining = -1;
};

std::optional<Header> readHeader(const std::uint8_t* data, std::size_t size)
{
    Header h;
    if (size >= 4 && std::memcmp(data, "\xff\x4f\xff\x51", 4) == 0) {
        // _parse_codestream. Pillow reads the per-component bytes from offset 36 of the SIZ segment, two
        // bytes early, so its "precision" test looks at the first component's Ssiz byte.
        if (size < 6)
            return std::nullopt;
        const std::size_t lsiz = std::size_t(be(data + 4, 2));
        if (lsiz < 2)
            return std::nullopt;
        const std::size_t sizBytes = std::min(size - 4, lsiz);
        const std::uint8_t* siz = data + 4;
        if (sizBytes < 38)
            return std::nullopt;
        const std::int64_t xsiz = std::int64_t(be(siz + 4, 4)), ysiz = std::int64_t(be(siz + 8, 4));
        const std::int64_t xosiz = std::int64_t(be(siz + 12, 4)), yosiz = std::int64_t(be(siz + 16, 4));
        const std::uint64_t csiz = be(siz + 36, 2);
        if (36 + 3 * csiz > sizBytes)
            return std::nullopt;
        const bool wide = csiz >= 1 && (siz[38] & 0x7F) > 8;
        h.width = xsiz - xosiz;
        h.height = ysiz - yosiz;
        h.mode = modeFor(csiz, wide);
        return h;
    }
    if (size < 12 || std::memcmp(data, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", 12) != 0)
        return std::nullopt;
    h.jp2 = true;
    // _parse_jp2_header: the top-level boxes up to jp2h, then its ihdr.
    Boxes top(data, size, 12, SIZE_MAX, false);
    std::optional<Boxes> header;
    while (top.hasNext()) {
        const auto type = top.next();
        if (!type)
            return std::nullopt;
        if (*type == "jp2h") {
            header = top.children();
            if (!header)
                return std::nullopt;
            break;
        }
        if (*type == "ftyp" && !top.read(4))
            return std::nullopt;
    }
    if (!header)
        return std::nullopt;
    bool haveSize = false;
    while (header->hasNext()) {
        const auto type = header->next();
        if (!type)
            return std::nullopt;
        if (*type == "ihdr") {
            const std::uint8_t* p = header->read(11);
            if (!p)
                return std::nullopt;
            h.height = std::int64_t(be(p, 4));
            h.width = std::int64_t(be(p + 4, 4));
            const std::uint64_t components = be(p + 8, 2);
            const int bpc = p[10];
            haveSize = true;
            const std::string mode = modeFor(components, components == 1 && (bpc & 0x7F) > 8);
            if (!mode.empty())
                h.mode = mode;
        }
    }
    if (!haveSize || h.mode.empty())
        return std::nullopt;
    return h;
}

// ---------------------------------------------------------------------------------------------------------
// Jpeg2KDecode.c

// Pillow's ImagingConvertYCbCr2RGB on one row of four-byte pixels, in place.
void yccToRgb(std::uint8_t* row, unsigned pixels)
{
    for (unsigned x = 0; x < pixels; ++x, row += 4)
        pilYCbCrToRgb(row[0], row[1], row[2], row);
}

inline unsigned shifted(unsigned x, int n)
{
    return n < 0 ? x >> -n : x << n;
}

// A component's sample layout as Pillow computes it: bytes per sample (3 -> 4), shift to the target depth,
// and the rounding and sign offset added before the shift.
struct Component {
    int csiz;
    int shift;
    int offset;
    unsigned dx, dy;
};

Component component(const opj_image_comp_t& c, int bits)
{
    Component out;
    out.shift = bits - int(c.prec);
    out.offset = c.sgnd ? 1 << (c.prec - 1) : 0;
    out.csiz = int((c.prec + 7) >> 3);
    if (out.csiz == 3)
        out.csiz = 4;
    if (out.shift < 0)
        out.offset += 1 << (-out.shift - 1);
    out.dx = c.dx;
    out.dy = c.dy;
    return out;
}

inline unsigned sample(const std::uint8_t* p, int csiz, std::size_t index)
{
    switch (csiz) {
    case 1:
        return p[index];
    case 2: {
        std::uint16_t v;
        std::memcpy(&v, p + 2 * index, 2);
        return v;
    }
    case 4: {
        std::uint32_t v;
        std::memcpy(&v, p + 4 * index, 4);
        return v;
    }
    default:
        return 0;
    }
}

struct TileInfo {
    OPJ_UINT32 index;
    OPJ_UINT32 dataSize;
    OPJ_INT32 x0, y0, x1, y1;
    OPJ_UINT32 components;
};

// Pillow's image memory: 1 byte a pixel for L, 2 for I;16, 4 for LA, RGB and RGBA.
struct Canvas {
    int width, height, pixelBytes;
    std::vector<std::uint8_t> pixels;
    std::uint8_t* row(unsigned y)
    {
        return pixels.data() + std::size_t(y) * std::size_t(width) * std::size_t(pixelBytes);
    }
};

enum class Unpacker { GrayL, GrayI, GrayRgb, GrayaLa, SrgbRgb, SyccRgb, SrgbaRgba, SyccaRgba };

void unpack(Unpacker kind, const opj_image_t* in, const TileInfo& tile, const std::uint8_t* data, Canvas& im)
{
    const unsigned x0 = unsigned(tile.x0) - in->x0, y0 = unsigned(tile.y0) - in->y0;
    const unsigned w = unsigned(tile.x1 - tile.x0), h = unsigned(tile.y1 - tile.y0);
    switch (kind) {
    case Unpacker::GrayL:
    case Unpacker::GrayI:
    case Unpacker::GrayRgb: {
        const Component c = component(in->comps[0], kind == Unpacker::GrayI ? 16 : 8);
        for (unsigned y = 0; y < h; ++y) {
            const std::uint8_t* src = data + std::size_t(c.csiz) * y * w;
            // j2ku_gray_rgb steps its row by x0 bytes, not pixels, as Pillow 9.4 does.
            std::uint8_t* row = im.row(y0 + y) + (kind == Unpacker::GrayI ? 2 * std::size_t(x0) : x0);
            for (unsigned x = 0; x < w; ++x) {
                const unsigned v = shifted(unsigned(c.offset) + sample(src, c.csiz, x), c.shift);
                if (kind == Unpacker::GrayL) {
                    row[x] = std::uint8_t(v);
                } else if (kind == Unpacker::GrayI) {
                    const std::uint16_t pixel = std::uint16_t(v);
                    std::memcpy(row + 2 * x, &pixel, 2);
                } else {
                    row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = std::uint8_t(v);
                    row[4 * x + 3] = 0xFF;
                }
            }
        }
        return;
    }
    case Unpacker::GrayaLa: {
        const Component c = component(in->comps[0], 8), a = component(in->comps[1], 8);
        const std::uint8_t* alpha = data + std::size_t(c.csiz) * w * h;
        for (unsigned y = 0; y < h; ++y) {
            const std::uint8_t* src = data + std::size_t(c.csiz) * y * w;
            const std::uint8_t* asrc = alpha + std::size_t(a.csiz) * y * w;
            std::uint8_t* row = im.row(y0 + y) + std::size_t(x0) * 4;
            for (unsigned x = 0; x < w; ++x) {
                const std::uint8_t v
                    = std::uint8_t(shifted(unsigned(c.offset) + sample(src, c.csiz, x), c.shift));
                row[4 * x] = row[4 * x + 1] = row[4 * x + 2] = v;
                row[4 * x + 3] = std::uint8_t(shifted(unsigned(a.offset) + sample(asrc, a.csiz, x), a.shift));
            }
        }
        return;
    }
    default:
        break;
    }
    const bool four = kind == Unpacker::SrgbaRgba || kind == Unpacker::SyccaRgba;
    const bool ycc = kind == Unpacker::SyccRgb || kind == Unpacker::SyccaRgba;
    const unsigned count = four ? 4 : 3;
    Component c[4];
    const std::uint8_t* planes[4];
    const std::uint8_t* p = data;
    for (unsigned n = 0; n < count; ++n) {
        c[n] = component(in->comps[n], 8);
        planes[n] = p;
        p += std::size_t(c[n].csiz) * (w / c[n].dx) * (h / c[n].dy);
    }
    for (unsigned y = 0; y < h; ++y) {
        std::uint8_t* row = im.row(y0 + y) + std::size_t(x0) * 4;
        const std::uint8_t* src[4];
        for (unsigned n = 0; n < count; ++n)
            src[n] = planes[n] + std::size_t(c[n].csiz) * (y / c[n].dy) * (w / c[n].dx);
        for (unsigned x = 0; x < w; ++x) {
            for (unsigned n = 0; n < count; ++n)
                row[4 * x + n] = std::uint8_t(
                    shifted(unsigned(c[n].offset) + sample(src[n], c[n].csiz, x / c[n].dx), c[n].shift));
            if (!four)
                row[4 * x + 3] = 0xFF;
        }
        if (ycc)
            yccToRgb(row, w);
    }
}

struct Rule {
    const char* mode;
    OPJ_COLOR_SPACE space;
    unsigned components;
    bool subsampling;
    Unpacker unpacker;
};

const Rule kRules[] = {
    {"L", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayL},
    {"I;16", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayI},
    {"LA", OPJ_CLRSPC_GRAY, 2, false, Unpacker::GrayaLa},
    {"RGB", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayRgb},
    {"RGB", OPJ_CLRSPC_GRAY, 2, false, Unpacker::GrayRgb},
    {"RGB", OPJ_CLRSPC_SRGB, 3, true, Unpacker::SrgbRgb},
    {"RGB", OPJ_CLRSPC_SYCC, 3, true, Unpacker::SyccRgb},
    {"RGB", OPJ_CLRSPC_SRGB, 4, true, Unpacker::SrgbRgb},
    {"RGB", OPJ_CLRSPC_SYCC, 4, true, Unpacker::SyccRgb},
    {"RGBA", OPJ_CLRSPC_GRAY, 1, false, Unpacker::GrayRgb},
    {"RGBA", OPJ_CLRSPC_GRAY, 2, false, Unpacker::GrayaLa},
    {"RGBA", OPJ_CLRSPC_SRGB, 3, true, Unpacker::SrgbRgb},
    {"RGBA", OPJ_CLRSPC_SYCC, 3, true, Unpacker::SyccRgb},
    {"RGBA", OPJ_CLRSPC_SRGB, 4, true, Unpacker::SrgbaRgba},
    {"RGBA", OPJ_CLRSPC_SYCC, 4, true, Unpacker::SyccaRgba},
};

// Pillow hands OpenJPEG its file object: reads return -1 at the end, skips return the new position.
struct Stream {
    const std::uint8_t* data;
    std::size_t size;
    std::uint64_t position;
};

OPJ_SIZE_T readStream(void* buffer, OPJ_SIZE_T count, void* user)
{
    auto* s = static_cast<Stream*>(user);
    if (s->position >= s->size)
        return OPJ_SIZE_T(-1);
    const std::size_t n = std::size_t(std::min<std::uint64_t>(count, s->size - s->position));
    std::memcpy(buffer, s->data + s->position, n);
    s->position += n;
    return n ? n : OPJ_SIZE_T(-1);
}

OPJ_OFF_T skipStream(OPJ_OFF_T count, void* user)
{
    auto* s = static_cast<Stream*>(user);
    const std::int64_t target = std::int64_t(s->position) + count;
    if (target < 0)
        return -1;
    s->position = std::uint64_t(target);
    return target ? OPJ_OFF_T(target) : -1;
}

void keepFirstError(const char* message, void* user)
{
    auto* text = static_cast<std::string*>(user);
    if (text->empty() && message) {
        *text = message;
        while (!text->empty() && (text->back() == '\n' || text->back() == ' '))
            text->pop_back();
    }
}

void ignoreMessage(const char*, void*)
{ }

struct Owned {
    opj_stream_t* stream = nullptr;
    opj_codec_t* codec = nullptr;
    opj_image_t* image = nullptr;
    ~Owned()
    {
        if (codec)
            opj_destroy_codec(codec);
        if (image)
            opj_image_destroy(image);
        if (stream)
            opj_stream_destroy(stream);
    }
};

} // namespace

bool looksLikeJpeg2000(const std::uint8_t* data, std::size_t size)
{
    return (size >= 4 && std::memcmp(data, "\xff\x4f\xff\x51", 4) == 0)
        || (size >= 12 && std::memcmp(data, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", 12) == 0);
}

Result<PilImage> decodeJpeg2000(const std::uint8_t* data, std::size_t size, const std::string& name,
                                const DecodeLimits& limits)
{
    const auto header = readHeader(data, size);
    if (!header)
        return fail(name, "not a JPEG 2000 file Pillow opens (a malformed header)");
    if (header->width <= 0 || header->height <= 0 || header->width > INT_MAX || header->height > INT_MAX)
        return fail(name,
                    "not a JPEG 2000 file Pillow opens (the image is " + std::to_string(header->width) + "x"
                        + std::to_string(header->height) + " pixels)");
    if (header->width > limits.maxPixels / header->height)
        return fail(name,
                    "the image is " + std::to_string(header->width) + "x" + std::to_string(header->height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");
    const std::string& mode = header->mode;
    const int pixelBytes = mode == "L" ? 1 : mode == "I;16" ? 2 : 4;
    Canvas canvas {int(header->width), int(header->height), pixelBytes, {}};
    canvas.pixels.assign(std::size_t(canvas.width) * std::size_t(canvas.height) * std::size_t(pixelBytes), 0);

    std::string error;
    const auto broken = [&](const char* what) {
        return fail(name,
                    std::string("corrupt JPEG 2000 data (") + (error.empty() ? what : error.c_str()) + ")");
    };
    Stream source {data, size, 0};
    Owned o;
    o.stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    if (!o.stream)
        return fail(name, "out of memory");
    opj_stream_set_read_function(o.stream, readStream);
    opj_stream_set_skip_function(o.stream, skipStream);
    opj_stream_set_user_data(o.stream, &source, nullptr);
    opj_stream_set_user_data_length(o.stream, size);

    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    params.cp_reduce = 0;
    params.cp_layer = 0;
    o.codec = opj_create_decompress(header->jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    if (!o.codec)
        return fail(name, "out of memory");
    opj_set_error_handler(o.codec, keepFirstError, &error);
    opj_set_warning_handler(o.codec, ignoreMessage, nullptr);
    opj_set_info_handler(o.codec, ignoreMessage, nullptr);
    opj_setup_decoder(o.codec, &params);
    if (!opj_read_header(o.stream, o.codec, &o.image))
        return broken("OpenJPEG could not read its header");
    const opj_image_t* image = o.image;
    if (image->numcomps < 1 || image->numcomps > 4 || image->color_space == OPJ_CLRSPC_UNKNOWN)
        return broken("unsupported components or colour space");

    int subsampling = -1;
    for (unsigned n = 0; n < image->numcomps; ++n)
        if (image->comps[n].dx != 1 || image->comps[n].dy != 1) {
            subsampling = int(n);
            break;
        }
    OPJ_COLOR_SPACE space = image->color_space;
    if (space == OPJ_CLRSPC_UNSPECIFIED) {
        if (image->numcomps <= 2)
            space = OPJ_CLRSPC_GRAY;
        else if (subsampling == 1 || subsampling == 2)
            space = OPJ_CLRSPC_SYCC;
        else
            space = OPJ_CLRSPC_SRGB;
    }
    const Rule* rule = nullptr;
    for (const Rule& r : kRules)
        if (space == r.space && image->numcomps == r.components && (r.subsampling || subsampling == -1)
            && mode == r.mode) {
            rule = &r;
            break;
        }
    if (!rule)
        return broken("a component layout Pillow does not unpack");

    std::vector<std::uint8_t> buffer;
    unsigned totalComponentWidth = 0; // summed over every tile, as Pillow 9.4 does
    for (;;) {
        TileInfo tile {};
        OPJ_BOOL more = OPJ_FALSE;
        if (!opj_read_tile_header(o.codec, o.stream, &tile.index, &tile.dataSize, &tile.x0, &tile.y0,
                                  &tile.x1, &tile.y1, &tile.components, &more))
            return broken("OpenJPEG could not read a tile header");
        if (!more)
            break;
        if (tile.x0 >= tile.x1 || tile.y0 >= tile.y1 || tile.x0 < 0 || tile.y0 < 0
            || OPJ_UINT32(tile.x0) < image->x0 || OPJ_UINT32(tile.y0) < image->y0
            || OPJ_INT32(tile.x1 - OPJ_INT32(image->x0)) > canvas.width
            || OPJ_INT32(tile.y1 - OPJ_INT32(image->y0)) > canvas.height)
            return broken("a tile outside the image");
        if (tile.components != image->numcomps)
            return broken("a tile with another number of components");
        const unsigned tileWidth = unsigned(tile.x1 - tile.x0), tileHeight = unsigned(tile.y1 - tile.y0);
        for (unsigned n = 0; n < tile.components; ++n) {
            const int csize = int((image->comps[n].prec + 7) >> 3);
            totalComponentWidth += unsigned(csize == 3 ? 4 : csize);
        }
        if (totalComponentWidth == 0 || tileWidth > UINT_MAX / totalComponentWidth
            || tileHeight > UINT_MAX / totalComponentWidth
            || tileWidth > UINT_MAX / (tileHeight * totalComponentWidth)
            || tileHeight > UINT_MAX / (tileWidth * totalComponentWidth))
            return broken("a tile too large");
        const std::size_t tileBytes = std::size_t(tileWidth) * tileHeight * totalComponentWidth;
        std::size_t dataSize = std::max<std::size_t>(tile.dataSize, tileBytes);
        if (buffer.size() < dataSize)
            buffer.assign(dataSize, 0);
        if (!opj_decode_tile_data(o.codec, tile.index, buffer.data(), OPJ_UINT32(dataSize), o.stream))
            return broken("OpenJPEG could not decode a tile");
        unpack(rule->unpacker, image, tile, buffer.data(), canvas);
    }
    if (!opj_end_decompress(o.codec, o.stream))
        return broken("OpenJPEG could not finish decoding");

    PilImage out;
    out.width = canvas.width;
    out.height = canvas.height;
    const std::size_t pixels = std::size_t(out.width) * std::size_t(out.height);
    if (mode == "L") {
        out.mode = PilMode::L;
        out.data = std::move(canvas.pixels);
    } else if (mode == "I;16") {
        out.mode = PilMode::I16;
        out.data = std::move(canvas.pixels);
    } else if (mode == "LA") {
        out.mode = PilMode::LA;
        out.data.resize(pixels * 2);
        for (std::size_t i = 0; i < pixels; ++i) {
            out.data[2 * i] = canvas.pixels[4 * i];
            out.data[2 * i + 1] = canvas.pixels[4 * i + 3];
        }
    } else if (mode == "RGB") {
        out.mode = PilMode::RGB;
        out.data.resize(pixels * 3);
        for (std::size_t i = 0; i < pixels; ++i)
            std::memcpy(&out.data[3 * i], &canvas.pixels[4 * i], 3);
    } else {
        out.mode = PilMode::RGBA;
        out.data = std::move(canvas.pixels);
    }
    return out;
}

} // namespace lens
