#include "image/ImageEncoder.h"

#include "image/LibjpegErrors.h"

#include <algorithm>
#include <array>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
// jpeglib.h needs size_t and FILE declared before it.
#include <jerror.h>
#include <jpeglib.h>
#include <zlib.h>

namespace lens {

namespace {

/// Checks what both encoders accept; the error says what was given.
Result<void> checkInput(const cv::Mat& image, const char* format)
{
    if (image.empty() || image.dims != 2)
        return Error {std::string("cannot encode an empty image as ") + format, ErrorKind::Internal};
    if (image.type() != CV_8UC1 && image.type() != CV_8UC3)
        return Error {std::string("cannot encode an image of type ") + cv::typeToString(image.type()) + " as "
                          + format + " (only 8-bit gray or RGB)",
                      ErrorKind::Internal};
    return {};
}

// ---------------------------------------------------------------------------------------------------------
// PNG

constexpr std::array<std::uint8_t, 8> kPngSignature {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
// zlib's fastest level, as cv::imwrite's default: a photo-sized map takes a third of level 6's time for a
// file 5% larger (and level never changes a pixel).
constexpr int kPngDeflateLevel = Z_BEST_SPEED;
/// The deflated data is split into IDAT chunks of this size, so no chunk nears PNG's 2^31 - 1 byte limit.
constexpr std::size_t kIdatSize = std::size_t(1) << 18;

void appendU32(std::vector<std::uint8_t>& out, std::uint32_t value)
{
    out.push_back(std::uint8_t(value >> 24));
    out.push_back(std::uint8_t(value >> 16));
    out.push_back(std::uint8_t(value >> 8));
    out.push_back(std::uint8_t(value));
}

/// Length, type, data, and the CRC-32 of type and data.
void appendChunk(std::vector<std::uint8_t>& out, const char* type, const std::uint8_t* data, std::size_t size)
{
    appendU32(out, std::uint32_t(size));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    if (size > 0)
        out.insert(out.end(), data, data + size);
    const uLong crc = ::crc32(::crc32(0L, Z_NULL, 0), out.data() + start, uInt(size + 4));
    appendU32(out, std::uint32_t(crc));
}

int paeth(int a, int b, int c)
{
    const int p = a + b - c;
    const int pa = std::abs(p - a);
    const int pb = std::abs(p - b);
    const int pc = std::abs(p - c);
    if (pa <= pb && pa <= pc)
        return a;
    return pb <= pc ? b : c;
}

/// Writes the filter byte and the row filtered with `predict` (of left, up and up-left bytes, zero outside
/// the image) into out; returns the sum of the filtered bytes' absolute values, read as signed.
template <typename Predict>
std::uint64_t filterWith(std::uint8_t filter, const std::uint8_t* row, const std::uint8_t* prior,
                         std::size_t size, std::size_t pixelBytes, std::uint8_t* out, Predict predict)
{
    out[0] = filter;
    std::uint64_t sum = 0;
    const auto put = [&](std::size_t i, int predicted) {
        const auto value = std::uint8_t(row[i] - predicted);
        out[i + 1] = value;
        sum += std::uint64_t(std::abs(int(std::int8_t(value))));
    };
    for (std::size_t i = 0; i < std::min(pixelBytes, size); ++i)
        put(i, predict(0, prior[i], 0));
    for (std::size_t i = pixelBytes; i < size; ++i)
        put(i, predict(row[i - pixelBytes], prior[i], prior[i - pixelBytes]));
    return sum;
}

/// Filters `row` (with `prior`, the row above, zeros for the first) in each of PNG's five ways and returns
/// the one with the smallest sum of absolute values, libpng's heuristic: a filter byte, then the row.
const std::vector<std::uint8_t>& filterRow(const std::uint8_t* row, const std::uint8_t* prior,
                                           std::size_t size, std::size_t pixelBytes,
                                           std::array<std::vector<std::uint8_t>, 5>& candidates)
{
    const std::array<std::uint64_t, 5> sums {
        filterWith(0, row, prior, size, pixelBytes, candidates[0].data(), [](int, int, int) { return 0; }),
        filterWith(1, row, prior, size, pixelBytes, candidates[1].data(), [](int a, int, int) { return a; }),
        filterWith(2, row, prior, size, pixelBytes, candidates[2].data(), [](int, int b, int) { return b; }),
        filterWith(3, row, prior, size, pixelBytes, candidates[3].data(),
                   [](int a, int b, int) { return (a + b) >> 1; }),
        filterWith(4, row, prior, size, pixelBytes, candidates[4].data(), paeth),
    };
    std::size_t best = 0;
    for (std::size_t filter = 1; filter < sums.size(); ++filter)
        if (sums[filter] < sums[best])
            best = filter;
    return candidates[best];
}

/// Ends a zlib stream however its function is left.
struct DeflateGuard {
    z_stream* stream;
    ~DeflateGuard() { ::deflateEnd(stream); }
};

Result<std::vector<std::uint8_t>> encodePngChecked(const cv::Mat& image)
{
    const std::size_t width = std::size_t(image.cols);
    const std::size_t height = std::size_t(image.rows);
    const std::size_t pixelBytes = std::size_t(image.channels());
    const std::size_t rowBytes = width * pixelBytes;
    if (rowBytes + 1 > UINT_MAX)
        return Error {"cannot encode an image " + std::to_string(width) + " pixels wide as PNG",
                      ErrorKind::Unsupported};

    std::vector<std::uint8_t> out(kPngSignature.begin(), kPngSignature.end());
    std::array<std::uint8_t, 13> header {};
    for (int i = 0; i < 4; ++i) {
        header[std::size_t(i)] = std::uint8_t(width >> (24 - 8 * i));
        header[std::size_t(4 + i)] = std::uint8_t(height >> (24 - 8 * i));
    }
    header[8] = 8; // bits per sample
    header[9] = pixelBytes == 1 ? 0 : 2; // gray or RGB; compression, filter method and interlace stay 0
    appendChunk(out, "IHDR", header.data(), header.size());

    z_stream stream {};
    if (::deflateInit(&stream, kPngDeflateLevel) != Z_OK)
        return Error {"cannot encode the image as PNG (zlib: out of memory)", ErrorKind::Failed};
    DeflateGuard guard {&stream};

    std::vector<std::uint8_t> idat(kIdatSize);
    const auto drain = [&](int flush) -> Result<void> {
        do {
            const int status = ::deflate(&stream, flush);
            if (status == Z_STREAM_ERROR || status == Z_MEM_ERROR)
                return Error {std::string("cannot encode the image as PNG (zlib: ")
                                  + (stream.msg ? stream.msg : "out of memory") + ")",
                              ErrorKind::Failed};
            const bool ended = flush == Z_FINISH && status == Z_STREAM_END;
            if (stream.avail_out == 0 || (ended && stream.avail_out < idat.size())) {
                appendChunk(out, "IDAT", idat.data(), idat.size() - stream.avail_out);
                stream.next_out = idat.data();
                stream.avail_out = uInt(idat.size());
            }
            if (ended)
                return {};
        } while (stream.avail_in > 0 || flush == Z_FINISH);
        return {};
    };
    stream.next_out = idat.data();
    stream.avail_out = uInt(idat.size());

    std::array<std::vector<std::uint8_t>, 5> candidates;
    for (auto& candidate : candidates)
        candidate.resize(rowBytes + 1);
    const std::vector<std::uint8_t> zeros(rowBytes, 0);
    for (std::size_t y = 0; y < height; ++y) {
        const std::uint8_t* row = image.ptr<std::uint8_t>(int(y));
        const std::uint8_t* prior = y > 0 ? image.ptr<std::uint8_t>(int(y - 1)) : zeros.data();
        const std::vector<std::uint8_t>& filtered = filterRow(row, prior, rowBytes, pixelBytes, candidates);
        stream.next_in = const_cast<Bytef*>(filtered.data());
        stream.avail_in = uInt(filtered.size());
        if (auto drained = drain(Z_NO_FLUSH); !drained)
            return drained.error();
    }
    if (auto drained = drain(Z_FINISH); !drained)
        return drained.error();
    appendChunk(out, "IEND", nullptr, 0);
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// JPEG (errors: image/LibjpegErrors.h, the output vector living in the caller).

using libjpeg::ErrorManager;

/// Appends the compressor's output to a vector, through a fixed buffer.
struct Destination {
    jpeg_destination_mgr pub;
    std::vector<std::uint8_t>* out;
    std::array<JOCTET, 1 << 16> buffer;
};

/// Appends without letting an exception cross libjpeg's C frames: out of memory becomes libjpeg's error.
void append(j_compress_ptr cinfo, std::size_t size)
{
    auto* dest = reinterpret_cast<Destination*>(cinfo->dest);
    bool appended = true;
    try {
        dest->out->insert(dest->out->end(), dest->buffer.begin(), dest->buffer.begin() + long(size));
    } catch (const std::bad_alloc&) {
        appended = false;
    }
    if (!appended) {
        cinfo->err->msg_code = JERR_OUT_OF_MEMORY;
        (*cinfo->err->error_exit)(reinterpret_cast<j_common_ptr>(cinfo));
    }
}

void initDestination(j_compress_ptr cinfo)
{
    auto* dest = reinterpret_cast<Destination*>(cinfo->dest);
    dest->pub.next_output_byte = dest->buffer.data();
    dest->pub.free_in_buffer = dest->buffer.size();
}

boolean emptyOutputBuffer(j_compress_ptr cinfo)
{
    // libjpeg's contract: the whole buffer is full, whatever free_in_buffer says.
    append(cinfo, reinterpret_cast<Destination*>(cinfo->dest)->buffer.size());
    initDestination(cinfo);
    return TRUE;
}

void termDestination(j_compress_ptr cinfo)
{
    auto* dest = reinterpret_cast<Destination*>(cinfo->dest);
    append(cinfo, dest->buffer.size() - dest->pub.free_in_buffer);
}

/// Compresses image into dest's vector; false with err.message set on a libjpeg error.
bool compressJpeg(jpeg_compress_struct& c, ErrorManager& err, Destination& dest, const cv::Mat& image,
                  int quality)
{
    c.err = libjpeg::install(err);
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&c);
        return false;
    }
    jpeg_create_compress(&c);
    dest.pub.init_destination = initDestination;
    dest.pub.empty_output_buffer = emptyOutputBuffer;
    dest.pub.term_destination = termDestination;
    c.dest = &dest.pub;
    c.image_width = JDIMENSION(image.cols);
    c.image_height = JDIMENSION(image.rows);
    c.input_components = image.channels();
    c.in_color_space = image.channels() == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(image.ptr<JSAMPLE>(int(c.next_scanline)));
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return true;
}

} // namespace

Result<std::vector<std::uint8_t>> encodePng(const cv::Mat& image)
{
    if (auto checked = checkInput(image, "PNG"); !checked)
        return checked.error();
    try {
        return encodePngChecked(image);
    } catch (const std::bad_alloc&) {
        return Error {"cannot encode the image as PNG (out of memory)", ErrorKind::Failed};
    }
}

Result<std::vector<std::uint8_t>> encodeJpeg(const cv::Mat& image, int quality)
{
    if (auto checked = checkInput(image, "JPEG"); !checked)
        return checked.error();
    if (quality < 1 || quality > 100)
        return Error {"JPEG quality " + std::to_string(quality) + " is not between 1 and 100",
                      ErrorKind::Usage};
    if (image.cols > JPEG_MAX_DIMENSION || image.rows > JPEG_MAX_DIMENSION)
        return Error {"cannot encode a " + std::to_string(image.cols) + "x" + std::to_string(image.rows)
                          + " image as JPEG (at most " + std::to_string(JPEG_MAX_DIMENSION)
                          + " pixels a side)",
                      ErrorKind::Unsupported};
    std::vector<std::uint8_t> out;
    try {
        // A guess that saves most of the reallocations; JPEG at quality 95 rarely needs more.
        out.reserve(image.total() * std::size_t(image.channels()) / 4 + 1024);
        jpeg_compress_struct c {};
        ErrorManager err {};
        auto dest = std::make_unique<Destination>();
        dest->out = &out;
        if (!compressJpeg(c, err, *dest, image, quality))
            return Error {std::string("cannot encode the image as JPEG (") + err.message + ")",
                          ErrorKind::Failed};
    } catch (const std::bad_alloc&) {
        return Error {"cannot encode the image as JPEG (out of memory)", ErrorKind::Failed};
    }
    return out;
}

} // namespace lens
