#include "image/JpegDecoder.h"

#include "image/Exif.h"
#include "image/LibjpegErrors.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <jpeglib.h>
#include <new>

namespace lens {

namespace {

// A hostile progressive file can hold thousands of tiny scans, each a pass over every coefficient.
constexpr int kMaxScans = 1000;

std::uint32_t be16(const std::uint8_t* p)
{
    return (std::uint32_t(p[0]) << 8) | p[1];
}

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

// ---------------------------------------------------------------------------------------------------------
// libjpeg glue (errors: image/LibjpegErrors.h).

using libjpeg::ErrorManager;

// Memory source that records running out of data. At the end it feeds a fake EOI, as jpeg_mem_src does;
// `exhausted` then tells whether the decoder wanted data past the end of the file, the point where Pillow's
// suspending source gives up with "image file is truncated".
struct SourceManager {
    jpeg_source_mgr pub;
    const std::uint8_t* data;
    std::size_t size;
    bool exhausted;
};

const JOCTET kFakeEoi[2] = {0xFF, JPEG_EOI};

void initSource(j_decompress_ptr)
{ }

boolean fillInputBuffer(j_decompress_ptr cinfo)
{
    auto* src = reinterpret_cast<SourceManager*>(cinfo->src);
    src->exhausted = true;
    src->pub.next_input_byte = kFakeEoi;
    src->pub.bytes_in_buffer = 2;
    return TRUE;
}

void skipInputData(j_decompress_ptr cinfo, long count)
{
    auto* src = reinterpret_cast<SourceManager*>(cinfo->src);
    if (count <= 0)
        return;
    while (std::size_t(count) > src->pub.bytes_in_buffer) {
        count -= long(src->pub.bytes_in_buffer);
        fillInputBuffer(cinfo);
    }
    src->pub.next_input_byte += count;
    src->pub.bytes_in_buffer -= std::size_t(count);
}

void termSource(j_decompress_ptr)
{ }

struct ProgressManager {
    jpeg_progress_mgr pub;
};

void progressMonitor(j_common_ptr cinfo)
{
    auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
    if (d->input_scan_number > kMaxScans) {
        auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
        std::snprintf(err->message, sizeof err->message, "the file has more than %d scans", kMaxScans);
        std::longjmp(err->jump, 1);
    }
}

struct Context {
    jpeg_decompress_struct cinfo;
    ErrorManager err;
    SourceManager src;
    ProgressManager progress;
    bool created = false;
};

// jpeg_create_decompress + jpeg_read_header + output geometry. False on a libjpeg error (err.message).
bool protectedReadHeader(Context& c, J_COLOR_SPACE out, int scaleDenominator)
{
    if (setjmp(c.err.jump))
        return false;
    jpeg_create_decompress(&c.cinfo);
    c.created = true;
    c.cinfo.src = &c.src.pub;
    c.cinfo.progress = &c.progress.pub;
    int header;
    // As Pillow: a tables-only datastream may precede the image.
    do
        header = jpeg_read_header(&c.cinfo, FALSE);
    while (header == JPEG_HEADER_TABLES_ONLY && !c.src.exhausted);
    if (header != JPEG_HEADER_OK) {
        std::snprintf(c.err.message, sizeof c.err.message, "no image data before the end of the file");
        return false;
    }
    c.cinfo.out_color_space = out;
    if (scaleDenominator > 1) {
        c.cinfo.scale_num = 1;
        c.cinfo.scale_denom = unsigned(scaleDenominator);
    }
    jpeg_calc_output_dimensions(&c.cinfo);
    return true;
}

// Decodes every scanline into rows. Sets truncated when the decoder needed data past the end of the file
// before the last scanline was out (Pillow refuses such a file); false on a libjpeg error.
bool protectedDecode(Context& c, std::uint8_t* rows, std::size_t stride, bool& truncated)
{
    if (setjmp(c.err.jump))
        return false;
    jpeg_start_decompress(&c.cinfo);
    while (c.cinfo.output_scanline < c.cinfo.output_height) {
        JSAMPROW pointers[16];
        const JDIMENSION first = c.cinfo.output_scanline;
        const JDIMENSION count = std::min<JDIMENSION>(16, c.cinfo.output_height - first);
        for (JDIMENSION i = 0; i < count; ++i)
            pointers[i] = rows + std::size_t(first + i) * stride;
        jpeg_read_scanlines(&c.cinfo, pointers, count);
    }
    truncated = c.src.exhausted;
    if (!truncated)
        jpeg_finish_decompress(&c.cinfo);
    return true;
}

} // namespace

bool looksLikeJpeg(const std::uint8_t* data, std::size_t size)
{
    return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

JpegHeader readJpegHeader(const std::uint8_t* data, std::size_t size)
{
    // A transcription of JpegImageFile._open: markers up to the first SOS, each segment read whole.
    JpegHeader header;
    if (!looksLikeJpeg(data, size)) {
        header.problem = "not a JPEG file";
        return header;
    }
    bool exifSeen = false;
    int bits = 0;
    std::size_t pos = 3;
    int current = 0xFF; // Pillow's `s`: the byte under consideration, or -1 at the end of the file
    const auto next = [&] { return pos < size ? int(data[pos++]) : -1; };
    const auto endOfFile = [&header] {
        header.problem = "the file ends before the image data";
        return header;
    };
    for (;;) {
        if (current < 0)
            return endOfFile();
        if (current != 0xFF) {
            current = next(); // junk between markers
            continue;
        }
        const int second = next();
        if (second < 0)
            return endOfFile();
        const int marker = 0xFF00 | second;
        if (marker == 0xFFFF) {
            current = 0xFF;
            continue;
        }
        if (marker == 0xFF00) {
            current = next();
            continue;
        }
        if (marker < 0xFFC0) {
            header.problem = "a JPEG marker is missing where one should be";
            return header;
        }
        const bool noLength = marker == 0xFFC8 || (marker >= 0xFFD0 && marker <= 0xFFD9)
            || (marker >= 0xFFF0 && marker <= 0xFFFD);
        if (!noLength) {
            if (size - pos < 2)
                return endOfFile();
            const std::int64_t length = std::int64_t(be16(data + pos)) - 2;
            pos += 2;
            const std::size_t count = length > 0 ? std::size_t(length) : 0;
            if (count > size - pos)
                return endOfFile();
            const std::uint8_t* s = data + pos;
            const bool isFrame = (marker >= 0xFFC0 && marker <= 0xFFCF && marker != 0xFFC4 && marker != 0xFFC8
                                  && marker != 0xFFCC)
                || marker == 0xFFDE;
            if (isFrame) {
                if (count < 6)
                    return endOfFile();
                header.height = int(be16(s + 1));
                header.width = int(be16(s + 3));
                bits = s[0];
                if (bits != 8) {
                    header.problem = std::to_string(bits) + "-bit samples, which Pillow cannot handle";
                    return header;
                }
                header.components = s[5];
                if (header.components != 1 && header.components != 3 && header.components != 4) {
                    header.problem = std::to_string(header.components)
                        + " colour components, which Pillow cannot handle";
                    return header;
                }
            } else if (marker == 0xFFE1 && count >= 5 && std::memcmp(s, "Exif\0", 5) == 0 && !exifSeen) {
                exifSeen = true;
                header.orientation = exifOrientation(s, count);
            }
            pos += count;
        }
        if (marker == 0xFFDA) {
            if (header.components == 0 || header.width <= 0 || header.height <= 0) {
                header.problem = "no image size before the image data";
                header.components = 0;
                return header;
            }
            header.identified = true;
            return header;
        }
        current = next();
    }
}

Result<void> decodeJpeg(const std::uint8_t* data, std::size_t size, const std::string& name,
                        const DecodeLimits& limits, const JpegDecodeRequest& request,
                        const JpegRowsAllocator& allocate)
{
    const JpegHeader header = readJpegHeader(data, size);
    if (!header.identified)
        return fail(name, "not a JPEG file Pillow opens (" + header.problem + ")");
    if (std::int64_t(header.width) * header.height > limits.maxPixels)
        return fail(name,
                    "the image is " + std::to_string(header.width) + "x" + std::to_string(header.height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");

    const PilMode mode = header.components == 1 ? PilMode::L
        : header.components == 3                ? PilMode::RGB
                                                : PilMode::CMYK;
    const J_COLOR_SPACE out = mode == PilMode::L ? JCS_GRAYSCALE : mode == PilMode::RGB ? JCS_RGB : JCS_CMYK;

    Context c;
    std::memset(&c.cinfo, 0, sizeof c.cinfo);
    c.cinfo.err = libjpeg::install(c.err);
    c.src.pub.init_source = initSource;
    c.src.pub.fill_input_buffer = fillInputBuffer;
    c.src.pub.skip_input_data = skipInputData;
    c.src.pub.resync_to_restart = jpeg_resync_to_restart;
    c.src.pub.term_source = termSource;
    c.src.pub.next_input_byte = data;
    c.src.pub.bytes_in_buffer = size;
    c.src.data = data;
    c.src.size = size;
    c.src.exhausted = false;
    c.progress.pub.progress_monitor = progressMonitor;

    struct Destroy {
        Context& c;
        ~Destroy()
        {
            if (c.created)
                jpeg_destroy_decompress(&c.cinfo);
        }
    } destroy {c};

    if (!protectedReadHeader(c, out, request.scaleDenominator))
        return fail(name, std::string("corrupt JPEG data (") + c.err.message + ")");
    if (int(c.cinfo.num_components) != header.components
        || int(c.cinfo.output_components) != pilModeBytes(mode))
        return fail(name, "corrupt JPEG data (the frame headers disagree)");
    if (std::int64_t(c.cinfo.image_width) * c.cinfo.image_height > limits.maxPixels)
        return fail(name,
                    "the image is " + std::to_string(c.cinfo.image_width) + "x"
                        + std::to_string(c.cinfo.image_height) + " pixels, more than the limit of "
                        + std::to_string(limits.maxPixels) + " pixels (a decompression bomb?)");

    std::size_t stride = 0;
    std::uint8_t* rows = nullptr;
    try {
        rows = allocate(mode, int(c.cinfo.output_width), int(c.cinfo.output_height), stride);
    } catch (const std::bad_alloc&) {
        return fail(name,
                    "out of memory for a " + std::to_string(c.cinfo.output_width) + "x"
                        + std::to_string(c.cinfo.output_height) + " image");
    } catch (const std::exception& e) {
        return fail(name, e.what());
    }
    bool truncated = false;
    if (!protectedDecode(c, rows, stride, truncated))
        return fail(name, std::string("corrupt JPEG data (") + c.err.message + ")");
    if (truncated)
        return fail(name, "truncated JPEG (the data ends before the last row of the image)");
    if (mode == PilMode::CMYK) {
        // Pillow's "CMYK;I" raw mode.
        for (JDIMENSION y = 0; y < c.cinfo.output_height; ++y) {
            std::uint8_t* row = rows + std::size_t(y) * stride;
            for (std::size_t i = 0; i < std::size_t(c.cinfo.output_width) * 4; ++i)
                row[i] = std::uint8_t(255 - row[i]);
        }
    }
    return {};
}

Result<PilImage> decodeJpegImage(const std::uint8_t* data, std::size_t size, const std::string& name,
                                 const DecodeLimits& limits)
{
    PilImage image;
    auto decoded = decodeJpeg(data, size, name, limits, {},
                              [&image](PilMode mode, int width, int height, std::size_t& stride) {
                                  image.mode = mode;
                                  image.width = width;
                                  image.height = height;
                                  stride = std::size_t(width) * std::size_t(pilModeBytes(mode));
                                  image.data.resize(stride * std::size_t(height));
                                  return image.data.data();
                              });
    if (!decoded)
        return decoded.error();
    return image;
}

} // namespace lens
