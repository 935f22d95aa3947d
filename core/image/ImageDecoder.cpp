#include "image/ImageDecoder.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <system_error>

namespace lens {

namespace {

using Bytes = std::vector<unsigned char>;

// cv::imdecode takes the buffer as a Mat with int columns.
constexpr std::uint64_t kMaxFileBytes = 0x7fffffff;

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

std::uint32_t bigEndian16(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 8) | p[1];
}

std::uint32_t bigEndian32(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

bool startsWith(const Bytes& bytes, const char* prefix, size_t offset = 0)
{
    const size_t len = std::strlen(prefix);
    return bytes.size() >= offset + len && std::memcmp(bytes.data() + offset, prefix, len) == 0;
}

enum class Format { Jpeg, Png, Other };

Format sniff(const Bytes& bytes)
{
    if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        return Format::Jpeg;
    if (startsWith(bytes, "\x89PNG\r\n\x1a\n"))
        return Format::Png;
    return Format::Other;
}

struct HeaderInfo {
    std::int64_t width = 0; ///< 0 when the header does not say
    std::int64_t height = 0;
};

enum class JpegEnd { Complete, Truncated, BadSegment };

struct JpegStructure {
    JpegEnd end = JpegEnd::Truncated;
    HeaderInfo size;
    size_t badOffset = 0;
};

bool isStartOfFrame(unsigned char marker)
{
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Walks the marker segments up to EOI. libjpeg decodes a file that stops early without complaint (it fills
// the rest with gray); PIL refuses it, so the reference pipeline never sees such an image.
JpegStructure walkJpeg(const Bytes& bytes)
{
    JpegStructure result;
    const unsigned char* d = bytes.data();
    const size_t n = bytes.size();
    size_t pos = 2; // after SOI
    for (;;) {
        // libjpeg skips stray bytes before a marker (with a warning), and any number of 0xFF fill bytes.
        while (pos < n && d[pos] != 0xFF)
            ++pos;
        while (pos < n && d[pos] == 0xFF)
            ++pos;
        if (pos >= n)
            return result;
        const unsigned char marker = d[pos++];
        if (marker == 0xD9) {
            result.end = JpegEnd::Complete;
            return result;
        }
        if (marker == 0x00 || marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7))
            continue; // no length field
        if (pos + 2 > n)
            return result;
        const size_t length = bigEndian16(d + pos);
        if (length < 2) {
            result.end = JpegEnd::BadSegment;
            result.badOffset = pos - 2;
            return result;
        }
        if (pos + length > n)
            return result;
        if (isStartOfFrame(marker) && length >= 8 && result.size.width == 0 && result.size.height == 0) {
            result.size.height = bigEndian16(d + pos + 3);
            result.size.width = bigEndian16(d + pos + 5);
        }
        pos += length;
        if (marker != 0xDA)
            continue;
        // Entropy-coded data follows SOS: a data 0xFF is stuffed as FF00 and restart markers sit inside it;
        // any other marker ends it.
        for (;;) {
            const void* ff = std::memchr(d + pos, 0xFF, n - pos);
            if (!ff)
                return result;
            const size_t at = static_cast<const unsigned char*>(ff) - d;
            if (at + 1 >= n)
                return result;
            const unsigned char next = d[at + 1];
            if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                pos = at + 2;
            } else if (next == 0xFF) {
                pos = at + 1;
            } else {
                pos = at;
                break;
            }
        }
    }
}

HeaderInfo pngSize(const Bytes& bytes)
{
    HeaderInfo info;
    if (bytes.size() >= 24 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0) {
        info.width = bigEndian32(bytes.data() + 16);
        info.height = bigEndian32(bytes.data() + 20);
    }
    return info;
}

// The PNG without its iCCP (ICC colour profile) chunks. Neither PIL's convert("RGB") nor OpenCV applies
// the profile, so pixels are unchanged; but libpng prints a warning on stderr for some common profiles
// ("known incorrect sRGB profile") through a handler OpenCV does not let us replace.
Bytes withoutIccProfile(const Bytes& bytes)
{
    Bytes out;
    size_t pos = 8;
    while (pos + 12 <= bytes.size()) {
        const size_t length = bigEndian32(bytes.data() + pos);
        if (length > bytes.size() - pos - 12)
            break;
        const size_t chunk = 12 + length;
        if (std::memcmp(bytes.data() + pos + 4, "iCCP", 4) == 0) {
            if (out.empty())
                out.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(pos));
        } else if (!out.empty()) {
            out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                       bytes.begin() + static_cast<std::ptrdiff_t>(pos + chunk));
        }
        pos += chunk;
    }
    if (!out.empty())
        out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos), bytes.end());
    return out;
}

std::string hexBytes(const Bytes& bytes, size_t count)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < std::min(count, bytes.size()); ++i) {
        if (i)
            out += ' ';
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

// A short description of what the data looks like, for content OpenCV does not recognise.
std::string describeContent(const Bytes& bytes)
{
    if (startsWith(bytes, "GIF87a") || startsWith(bytes, "GIF89a"))
        return "it is a GIF image, which OpenCV cannot read";
    if (startsWith(bytes, "ftypheic", 4) || startsWith(bytes, "ftypheix", 4)
        || startsWith(bytes, "ftypmif1", 4) || startsWith(bytes, "ftypavif", 4))
        return "it is a HEIF/AVIF image, which OpenCV cannot read";
    if (startsWith(bytes, "%PDF"))
        return "it is a PDF document";
    if (startsWith(bytes, "PK\x03\x04"))
        return "it is a ZIP archive";

    const size_t count = std::min<size_t>(bytes.size(), 32);
    bool text = true;
    for (size_t i = 0; i < count && text; ++i) {
        const unsigned char c = bytes[i];
        text = (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t' || c >= 0x80;
    }
    if (text) {
        std::string start;
        for (size_t i = 0; i < count; ++i) {
            const unsigned char c = bytes[i];
            start += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : ' ';
        }
        return "it starts with text: \"" + start + (bytes.size() > count ? "...\"" : "\"");
    }
    return "it starts with bytes " + hexBytes(bytes, 8);
}

// Formats OpenCV reads whose data failed to decode: worth naming instead of describing the bytes.
const char* otherFormatName(const Bytes& bytes)
{
    if (startsWith(bytes, "BM"))
        return "BMP";
    if (startsWith(bytes, "II*") || (bytes.size() >= 4 && std::memcmp(bytes.data(), "MM\0*", 4) == 0))
        return "TIFF";
    if (startsWith(bytes, "RIFF") && startsWith(bytes, "WEBP", 8))
        return "WebP";
    return nullptr;
}

// width * height > limit without overflow (header fields may hold up to 2^32 - 1).
bool exceeds(std::int64_t width, std::int64_t height, std::int64_t limit)
{
    return width > 0 && height > 0 && width > limit / height;
}

Error tooLarge(const std::string& name, std::int64_t width, std::int64_t height, std::int64_t limit)
{
    return fail(name,
                "the image is " + std::to_string(width) + "x" + std::to_string(height)
                    + " pixels, more than the limit of " + std::to_string(limit)
                    + " pixels (a decompression bomb?)");
}

Result<cv::Mat> decodeChecked(const Bytes& bytes, const std::string& name, const DecodeOptions& options)
{
    if (bytes.empty())
        return fail(name, "the file is empty");
    if (bytes.size() > kMaxFileBytes)
        return fail(name, "the file is too large (" + std::to_string(bytes.size()) + " bytes) to be decoded");

    const Format format = sniff(bytes);
    HeaderInfo header;
    Bytes stripped;
    if (format == Format::Jpeg) {
        const JpegStructure jpeg = walkJpeg(bytes);
        header = jpeg.size;
        if (exceeds(header.width, header.height, options.maxPixels))
            return tooLarge(name, header.width, header.height, options.maxPixels);
        if (jpeg.end == JpegEnd::BadSegment)
            return fail(
                name, "corrupt JPEG (invalid segment length at byte " + std::to_string(jpeg.badOffset) + ")");
        if (jpeg.end == JpegEnd::Truncated)
            return fail(name, "truncated JPEG (the data ends before the end-of-image marker)");
    } else if (format == Format::Png) {
        header = pngSize(bytes);
        if (exceeds(header.width, header.height, options.maxPixels))
            return tooLarge(name, header.width, header.height, options.maxPixels);
        stripped = withoutIccProfile(bytes);
    }
    const Bytes& data = stripped.empty() ? bytes : stripped;

    int flags = cv::IMREAD_COLOR | (options.applyExifOrientation ? 0 : cv::IMREAD_IGNORE_ORIENTATION);
    if (format == Format::Jpeg && options.reduceToShortSide > 0) {
        const std::int64_t shortSide = std::min(header.width, header.height);
        for (const auto& [factor, flag] :
             {std::pair {8, cv::IMREAD_REDUCED_COLOR_8}, std::pair {4, cv::IMREAD_REDUCED_COLOR_4},
              std::pair {2, cv::IMREAD_REDUCED_COLOR_2}}) {
            if (shortSide / factor >= options.reduceToShortSide) {
                flags = flag | (flags & cv::IMREAD_IGNORE_ORIENTATION);
                break;
            }
        }
    }
    cv::Mat decoded;
    try {
        const cv::Mat buffer(1, static_cast<int>(data.size()), CV_8UC1,
                             const_cast<unsigned char*>(data.data()));
        decoded = cv::imdecode(buffer, flags);
    } catch (const cv::Exception& e) {
        return fail(name, std::string("OpenCV could not decode the image: ") + e.what());
    } catch (const std::bad_alloc&) {
        return fail(name, "out of memory while decoding the image");
    } catch (const std::exception& e) {
        return fail(name, std::string("decoding failed: ") + e.what());
    }

    if (decoded.empty()) {
        // OpenCV's own limits (CV_IO_MAX_IMAGE_PIXELS, 2^30 by default; 2^20 on a side).
        if (exceeds(header.width, header.height, std::int64_t(1) << 30) || header.width > (1 << 20)
            || header.height > (1 << 20))
            return fail(name,
                        "the image is " + std::to_string(header.width) + "x" + std::to_string(header.height)
                            + " pixels, larger than OpenCV decodes (2^30 pixels, 2^20 on a side)");
        if (format == Format::Png)
            return fail(name, "corrupt or truncated PNG data (OpenCV could not decode it)");
        if (format == Format::Jpeg)
            return fail(name, "corrupt or unsupported JPEG data (OpenCV could not decode it)");
        if (const char* other = otherFormatName(bytes))
            return fail(
                name, std::string("corrupt or unsupported ") + other + " data (OpenCV could not decode it)");
        return fail(name, "not an image OpenCV can decode (" + describeContent(bytes) + ")");
    }

    // Formats without a header check above are checked once decoded.
    if (exceeds(decoded.cols, decoded.rows, options.maxPixels))
        return tooLarge(name, decoded.cols, decoded.rows, options.maxPixels);
    if (decoded.depth() != CV_8U)
        return fail(name,
                    "OpenCV decoded it to an unexpected pixel type " + cv::typeToString(decoded.type()));

    cv::Mat rgb;
    try {
        switch (decoded.channels()) {
        case 1:
            cv::cvtColor(decoded, rgb, cv::COLOR_GRAY2RGB);
            break;
        case 3:
            cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
            break;
        case 4:
            cv::cvtColor(decoded, rgb, cv::COLOR_BGRA2RGB);
            break;
        default:
            return fail(name,
                        "OpenCV decoded it to an unexpected pixel type " + cv::typeToString(decoded.type()));
        }
    } catch (const cv::Exception& e) {
        return fail(name, std::string("colour conversion failed: ") + e.what());
    } catch (const std::bad_alloc&) {
        return fail(name, "out of memory while decoding the image");
    }
    return rgb;
}

Result<Bytes> readFile(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found)
        return fail(path, "no such file");
    if (ec)
        return fail(path, "cannot access the file (" + ec.message() + ")");
    if (status.type() == fs::file_type::directory)
        return fail(path, "is a directory, not an image file");
    // Opening a FIFO would block until a writer appears; devices may never end.
    if (status.type() != fs::file_type::regular)
        return fail(path, "is not a regular file");

    errno = 0;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file)
        return fail(path, "cannot open the file (" + std::generic_category().message(errno) + ")");

    Bytes bytes;
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > kMaxFileBytes)
        return fail(path, "the file is too large (" + std::to_string(size) + " bytes) to be decoded");
    if (!ec)
        bytes.reserve(static_cast<size_t>(size));
    unsigned char chunk[1 << 16];
    for (;;) {
        const size_t got = std::fread(chunk, 1, sizeof chunk, file.get());
        bytes.insert(bytes.end(), chunk, chunk + got);
        if (bytes.size() > kMaxFileBytes)
            return fail(path, "the file is too large (over 2 GiB) to be decoded");
        if (got < sizeof chunk)
            break;
    }
    if (std::ferror(file.get()))
        return fail(path, "cannot read the file (" + std::generic_category().message(errno) + ")");
    if (bytes.empty())
        return fail(path, "the file is empty");
    return bytes;
}

} // namespace

Result<cv::Mat> decodeImage(const std::string& path, const DecodeOptions& options)
{
    try {
        Result<Bytes> bytes = readFile(path);
        if (!bytes)
            return bytes.error();
        return decodeChecked(*bytes, path, options);
    } catch (const std::bad_alloc&) {
        return fail(path, "out of memory while reading the file");
    } catch (const std::exception& e) {
        return fail(path, e.what());
    }
}

Result<cv::Mat> decodeImageBuffer(const std::vector<unsigned char>& bytes, const std::string& displayName,
                                  const DecodeOptions& options)
{
    try {
        return decodeChecked(bytes, displayName, options);
    } catch (const std::bad_alloc&) {
        return fail(displayName, "out of memory while decoding the image");
    } catch (const std::exception& e) {
        return fail(displayName, e.what());
    }
}

} // namespace lens
