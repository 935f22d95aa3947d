#include "image/ImageDecoder.h"

#include "image/Exif.h"
#include "image/FitsDecoder.h"
#include "image/Jpeg2000Decoder.h"
#include "image/JpegDecoder.h"
#include "image/PilImage.h"
#include "image/PngDecoder.h"
#include "image/TiffDecoder.h"
#include "image/WebpDecoder.h"
#include "image/formats/Bmp.h"
#include "image/formats/Dds.h"
#include "image/formats/Fli.h"
#include "image/formats/Gif.h"
#include "image/formats/Icns.h"
#include "image/formats/Ico.h"
#include "image/formats/Im.h"
#include "image/formats/Msp.h"
#include "image/formats/Pcx.h"
#include "image/formats/Ppm.h"
#include "image/formats/Psd.h"
#include "image/formats/Rare.h"
#include "image/formats/Sgi.h"
#include "image/formats/Spider.h"
#include "image/formats/Stubs.h"
#include "image/formats/Sun.h"
#include "image/formats/Tga.h"
#include "image/formats/Xbm.h"
#include "image/formats/Xpm.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace lens {

namespace {

using Bytes = std::vector<std::uint8_t>;

// Enough for every header test below (PCD looks at byte 2048).
constexpr std::size_t kSniffBytes = 4096;

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

bool startsWith(const std::uint8_t* data, std::size_t size, const char* prefix, std::size_t length,
                std::size_t offset = 0)
{
    return size >= offset + length && std::memcmp(data + offset, prefix, length) == 0;
}

#define STARTS(literal) startsWith(data, size, literal, sizeof(literal) - 1)
#define STARTS_AT(offset, literal) startsWith(data, size, literal, sizeof(literal) - 1, offset)

std::uint32_t le32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16)
        | (std::uint32_t(p[3]) << 24);
}

// ---------------------------------------------------------------------------------------------------------
// Reading the file: the size first, then the header, then (only for a format that is decoded) the rest.

class FileReader {
public:
    explicit FileReader(const std::string& path)
        : m_path(path)
    { }
    ~FileReader()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;

    Result<void> open(std::int64_t maxBytes)
    {
        struct stat info { };
        if (::stat(m_path.c_str(), &info) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                return fail(m_path, "no such file");
            return fail(m_path, std::string("cannot access the file (") + std::strerror(errno) + ")");
        }
        if (S_ISDIR(info.st_mode))
            return fail(m_path, "is a directory, not an image file");
        // Opening a FIFO would block until a writer appears; devices may never end.
        if (!S_ISREG(info.st_mode))
            return fail(m_path, "is not a regular file");
        if (info.st_size == 0)
            return fail(m_path, "the file is empty");
        if (info.st_size > maxBytes)
            return fail(m_path,
                        "the file is " + std::to_string(info.st_size) + " bytes, more than the limit of "
                            + std::to_string(maxBytes) + " bytes for an image file");
        m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0)
            return fail(m_path, std::string("cannot open the file (") + std::strerror(errno) + ")");
        m_expected = std::uint64_t(info.st_size);
        m_max = std::uint64_t(maxBytes);
        return {};
    }

    // Reads up to `count` bytes in all; false on a read error.
    Result<void> readUpTo(std::uint64_t count)
    {
        count = std::min(count, m_max + 1); // one byte more shows that the file grew past the limit
        if (m_bytes.size() >= count || m_ended)
            return {};
        const std::size_t start = m_bytes.size();
        m_bytes.resize(std::size_t(count));
        std::size_t have = start;
        while (have < m_bytes.size()) {
            const ssize_t got = ::read(m_fd, m_bytes.data() + have, m_bytes.size() - have);
            if (got < 0) {
                if (errno == EINTR)
                    continue;
                return fail(m_path, std::string("cannot read the file (") + std::strerror(errno) + ")");
            }
            if (got == 0) {
                m_ended = true;
                break;
            }
            have += std::size_t(got);
        }
        m_bytes.resize(have);
        if (m_bytes.size() > m_max)
            return fail(m_path,
                        "the file grew past the limit of " + std::to_string(m_max)
                            + " bytes while it was read");
        if (m_bytes.empty())
            return fail(m_path, "the file is empty");
        return {};
    }

    // The rest of the file: the size fstat gave, and more (to the limit) only if the file has grown since.
    Result<void> readAll()
    {
        std::uint64_t want = m_expected + 1;
        for (;;) {
            if (auto read = readUpTo(want); !read)
                return read;
            if (m_ended || m_bytes.size() < want)
                return {};
            want = std::min(want + (std::uint64_t(1) << 20), m_max + 1);
        }
    }

    const Bytes& bytes() const { return m_bytes; }

private:
    std::string m_path;
    int m_fd = -1;
    std::uint64_t m_expected = 0;
    std::uint64_t m_max = 0;
    bool m_ended = false;
    Bytes m_bytes;
};

// ---------------------------------------------------------------------------------------------------------
// Sniffing, in Pillow's plugin order (Image.ID after Image.init()).

enum class Format {
    Bmp,
    Dib,
    Gif,
    Tiff,
    Jpeg,
    Ppm,
    Png,
    Cur,
    Pcx,
    Dcx,
    Dds,
    Fits,
    Fli,
    Jpeg2000,
    Icns,
    Ico,
    Im,
    Msp,
    Psd,
    Gbr,
    Pixar,
    XvThumb,
    McIdas,
    Ftex,
    Sgi,
    Spider,
    Sun,
    Tga,
    Webp,
    Xbm,
    Xpm,
    Unsupported, // Pillow opens it, resnet-lens does not decode it
    Refused, // Pillow identifies it but cannot decode it
    Unknown,
};

struct Sniffed {
    Format format = Format::Unknown;
    std::string what; // for Unsupported / Refused: the sentence after "the file"
};

Sniffed unsupported(const char* name)
{
    return {Format::Unsupported, std::string("is a ") + name + " image, which resnet-lens does not decode"};
}

// IPTC has no accept function: Pillow tries it on every file and its _open checks the first bytes.
bool looksLikeIptc(const std::uint8_t* data, std::size_t size)
{
    return size >= 2 && data[0] == 0x1C && data[1] >= 1 && data[1] <= 9;
}

Sniffed sniff(const std::uint8_t* data, std::size_t size)
{
    if (looksLikeBmp(data, size))
        return {Format::Bmp, {}};
    if (looksLikeDib(data, size))
        return {Format::Dib, {}};
    if (looksLikeGif(data, size))
        return {Format::Gif, {}};
    if (looksLikeTiff(data, size))
        return {Format::Tiff, {}};
    if (looksLikeJpeg(data, size))
        return {Format::Jpeg, {}};
    if (looksLikePpm(data, size))
        return {Format::Ppm, {}};
    if (looksLikePng(data, size))
        return {Format::Png, {}};
    if (STARTS("BLP1") || STARTS("BLP2"))
        return unsupported("BLP (Blizzard texture)");
    if (looksLikeBufr(data, size))
        return {Format::Refused, "BUFR"};
    if (looksLikeCur(data, size))
        return {Format::Cur, {}};
    if (looksLikePcx(data, size))
        return {Format::Pcx, {}};
    if (looksLikeDcx(data, size))
        return {Format::Dcx, {}};
    if (looksLikeDds(data, size))
        return {Format::Dds, {}};
    if (STARTS("%!PS") || (size >= 4 && le32(data) == 0xC6D3D0C5))
        return {Format::Unsupported,
                "is a PostScript (EPS) file, which Pillow can only render with Ghostscript"};
    if (looksLikeFits(data, size))
        return {Format::Fits, {}};
    if (looksLikeFli(data, size))
        return {Format::Fli, {}};
    if (looksLikeFtex(data, size))
        return {Format::Ftex, {}};
    if (looksLikeGbr(data, size))
        return {Format::Gbr, {}};
    if (looksLikeGrib(data, size))
        return {Format::Refused, "GRIB"};
    if (looksLikeHdf5(data, size))
        return {Format::Refused, "HDF5"};
    if (looksLikeJpeg2000(data, size))
        return {Format::Jpeg2000, {}};
    if (looksLikeIcns(data, size))
        return {Format::Icns, {}};
    if (looksLikeIco(data, size))
        return {Format::Ico, {}};
    if (looksLikeIm(data, size))
        return {Format::Im, {}};
    if (looksLikeIptc(data, size))
        return unsupported("IPTC/NAA");
    if (looksLikeMcIdas(data, size))
        return {Format::McIdas, {}};
    if (looksLikeMpeg(data, size))
        return {Format::Refused, "MPEG"};
    if (looksLikeMsp(data, size))
        return {Format::Msp, {}};
    if (STARTS_AT(2048, "PCD_IPI"))
        return unsupported("Kodak Photo CD (PCD)");
    if (looksLikePixar(data, size))
        return {Format::Pixar, {}};
    if (looksLikePsd(data, size))
        return {Format::Psd, {}};
    if (looksLikeSgi(data, size))
        return {Format::Sgi, {}};
    if (looksLikeSpider(data, size))
        return {Format::Spider, {}};
    if (looksLikeSun(data, size))
        return {Format::Sun, {}};
    if (looksLikeTga(data, size))
        return {Format::Tga, {}};
    if (looksLikeWebp(data, size))
        return {Format::Webp, {}};
    if (looksLikeWmf(data, size))
        return {Format::Refused, "WMF"};
    if (looksLikeXbm(data, size))
        return {Format::Xbm, {}};
    if (looksLikeXpm(data, size))
        return {Format::Xpm, {}};
    if (looksLikeXvThumb(data, size))
        return {Format::XvThumb, {}};
    return {Format::Unknown, {}};
}

// Formats OpenCV or other tools read that Pillow 9.4 does not open at all, named for the message.
std::optional<std::string> knownNonPillowFormat(const std::uint8_t* data, std::size_t size)
{
    if (STARTS("#?RADIANCE") || STARTS("#?RGBE"))
        return "is a Radiance HDR image, which Pillow does not open";
    if (STARTS("\x76\x2f\x31\x01"))
        return "is an OpenEXR image, which Pillow does not open";
    if (size >= 3 && data[0] == 'P' && (data[1] == 'F' || data[1] == 'f')
        && (data[2] == '\n' || data[2] == '\r' || data[2] == ' '))
        return "is a PFM (portable float map) image, which Pillow does not open";
    if (STARTS_AT(4, "ftypheic") || STARTS_AT(4, "ftypheix") || STARTS_AT(4, "ftypmif1")
        || STARTS_AT(4, "ftypmsf1") || STARTS_AT(4, "ftyphevc"))
        return "is a HEIF image, which Pillow does not open";
    if (STARTS_AT(4, "ftypavif") || STARTS_AT(4, "ftypavis"))
        return "is an AVIF image, which Pillow does not open";
    if (STARTS("\xff\x0a") || STARTS("\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a"))
        return "is a JPEG XL image, which Pillow does not open";
    if (STARTS("RIFF") && STARTS_AT(8, "WEBP"))
        return "is a WebP file without an image chunk Pillow knows";
    if (STARTS("%PDF"))
        return "is a PDF document, which Pillow cannot open (it only writes PDF)";
    if (STARTS("PK\x03\x04"))
        return "is a ZIP archive, not an image";
    return std::nullopt;
}

std::string hexBytes(const std::uint8_t* data, std::size_t size, std::size_t count)
{
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < std::min(count, size); ++i) {
        if (i)
            out += ' ';
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

// A short description of content that is no image Pillow knows.
std::string describeContent(const std::uint8_t* data, std::size_t size)
{
    const std::size_t count = std::min<std::size_t>(size, 32);
    bool text = true;
    for (std::size_t i = 0; i < count && text; ++i) {
        const unsigned char c = data[i];
        text = (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t' || c >= 0x80;
    }
    if (text) {
        std::string start;
        for (std::size_t i = 0; i < count; ++i) {
            const unsigned char c = data[i];
            start += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : ' ';
        }
        return "it starts with text: \"" + start + (size > count ? "...\"" : "\"");
    }
    return "it starts with bytes " + hexBytes(data, size, 8);
}

#undef STARTS
#undef STARTS_AT

// ---------------------------------------------------------------------------------------------------------
// Decoding

struct Decoded {
    cv::Mat rgb; // set directly by the JPEG path
    PilImage image; // otherwise
    int orientation = 1; // for display only
};

int jpegScale(const JpegHeader& header, int reduceToShortSide)
{
    if (reduceToShortSide <= 0)
        return 1;
    const int shortSide = std::min(header.width, header.height);
    for (int factor : {8, 4, 2})
        if (shortSide / factor >= reduceToShortSide)
            return factor;
    return 1;
}

Result<Decoded> decodeJpegFile(const Bytes& bytes, const std::string& name, const DecodeLimits& limits,
                               const DecodeOptions& options)
{
    const JpegHeader header = readJpegHeader(bytes.data(), bytes.size());
    if (!header.identified)
        return fail(name, "not a JPEG file Pillow opens (" + header.problem + ")");
    Decoded out;
    out.orientation = header.orientation;
    cv::Mat gray;
    JpegDecodeRequest request;
    request.scaleDenominator = jpegScale(header, options.reduceToShortSide);
    auto decoded = decodeJpeg(bytes.data(), bytes.size(), name, limits, request,
                              [&](PilMode mode, int width, int height, std::size_t& stride) -> std::uint8_t* {
                                  if (mode == PilMode::RGB) {
                                      out.rgb.create(height, width, CV_8UC3);
                                      stride = out.rgb.step;
                                      return out.rgb.data;
                                  }
                                  if (mode == PilMode::L) {
                                      gray.create(height, width, CV_8UC1);
                                      stride = gray.step;
                                      return gray.data;
                                  }
                                  out.image.mode = mode;
                                  out.image.width = width;
                                  out.image.height = height;
                                  stride = std::size_t(width) * std::size_t(pilModeBytes(mode));
                                  out.image.data.resize(stride * std::size_t(height));
                                  return out.image.data.data();
                              });
    if (!decoded)
        return decoded.error();
    if (!gray.empty())
        cv::cvtColor(gray, out.rgb, cv::COLOR_GRAY2RGB);
    return out;
}

Result<Decoded> decodeBytes(const Bytes& bytes, Format format, const std::string& name,
                            const DecodeLimits& limits, const DecodeOptions& options)
{
    const std::uint8_t* data = bytes.data();
    const std::size_t size = bytes.size();
    const auto wrap = [](Result<PilImage> image, int orientation = 1) -> Result<Decoded> {
        if (!image)
            return image.error();
        Decoded out;
        out.image = std::move(*image);
        out.orientation = orientation;
        return out;
    };
    switch (format) {
    case Format::Jpeg:
        return decodeJpegFile(bytes, name, limits, options);
    case Format::Png: {
        int orientation = 1;
        auto image = decodePng(data, size, name, limits, &orientation);
        return wrap(std::move(image), orientation);
    }
    case Format::Tiff:
        return wrap(decodeTiff(data, size, name, limits));
    case Format::Im:
        return wrap(decodeIm(data, size, name, limits));
    case Format::Fli:
        return wrap(decodeFli(data, size, name, limits));
    case Format::Fits:
        return wrap(decodeFits(data, size, name, limits));
    case Format::Jpeg2000:
        return wrap(decodeJpeg2000(data, size, name, limits));
    case Format::Webp: {
        int orientation = 1;
        auto image = decodeWebp(data, size, name, limits, &orientation);
        return wrap(std::move(image), orientation);
    }
    case Format::Bmp:
        return wrap(decodeBmp(data, size, name, limits));
    case Format::Dib:
        return wrap(decodeDib(data, size, name, limits));
    case Format::Gif:
        return wrap(decodeGif(data, size, name, limits));
    case Format::Tga:
        return wrap(decodeTga(data, size, name, limits));
    case Format::Ppm:
        return wrap(decodePpm(data, size, name, limits));
    case Format::Pcx:
        return wrap(decodePcx(data, size, name, limits));
    case Format::Dcx:
        return wrap(decodeDcx(data, size, name, limits));
    case Format::Sgi:
        return wrap(decodeSgi(data, size, name, limits));
    case Format::Xbm:
        return wrap(decodeXbm(data, size, name, limits));
    case Format::Xpm:
        return wrap(decodeXpm(data, size, name, limits));
    case Format::Dds:
        return wrap(decodeDds(data, size, name, limits));
    case Format::Msp:
        return wrap(decodeMsp(data, size, name, limits));
    case Format::Psd:
        return wrap(decodePsd(data, size, name, limits));
    case Format::Gbr:
        return wrap(decodeGbr(data, size, name, limits));
    case Format::Pixar:
        return wrap(decodePixar(data, size, name, limits));
    case Format::XvThumb:
        return wrap(decodeXvThumb(data, size, name, limits));
    case Format::McIdas:
        return wrap(decodeMcIdas(data, size, name, limits));
    case Format::Ftex:
        return wrap(decodeFtex(data, size, name, limits));
    case Format::Spider:
        return wrap(decodeSpider(data, size, name, limits));
    case Format::Sun:
        return wrap(decodeSun(data, size, name, limits));
    case Format::Icns:
        return wrap(decodeIcns(data, size, name, limits,
                               [&name, &limits](const std::uint8_t* png, std::size_t length) {
                                   return decodePng(png, length, name, limits);
                               }));
    case Format::Cur:
        return wrap(decodeCur(data, size, name, limits));
    case Format::Ico:
        return wrap(decodeIco(data, size, name, limits,
                              [&name, &limits](const std::uint8_t* png, std::size_t length) {
                                  return decodePng(png, length, name, limits);
                              }));
    case Format::Unsupported:
    case Format::Refused:
    case Format::Unknown:
        break;
    }
    return fail(name, "internal error: no decoder for this format");
}

// Pillow's ImageOps.exif_transpose on the RGB result.
cv::Mat oriented(const cv::Mat& rgb, int orientation)
{
    if (orientation < 2 || orientation > 8)
        return rgb;
    const bool swap = orientationSwapsAxes(orientation);
    cv::Mat out(swap ? rgb.cols : rgb.rows, swap ? rgb.rows : rgb.cols, CV_8UC3);
    const cv::Mat source = rgb.isContinuous() ? rgb : rgb.clone();
    transposeForOrientation(orientation, source.data, source.cols, source.rows, 3, out.data);
    return out;
}

Result<cv::Mat> decodeFile(const std::string& path, const DecodeOptions& options)
{
    FileReader file(path);
    if (auto opened = file.open(options.maxFileBytes); !opened)
        return opened.error();
    if (auto read = file.readUpTo(kSniffBytes); !read)
        return read.error();
    // A format Pillow does not open, named by its first bytes (and taken by no plugin), is refused unread.
    if (sniff(file.bytes().data(), file.bytes().size()).format == Format::Unknown) {
        if (auto known = knownNonPillowFormat(file.bytes().data(), file.bytes().size()))
            return fail(path, *known);
    }
    if (auto read = file.readAll(); !read)
        return read.error();
    // Some plugins walk the whole file to decide (an ICNS or ICO directory), so they see all of it.
    const Sniffed sniffed = sniff(file.bytes().data(), file.bytes().size());
    switch (sniffed.format) {
    case Format::Unsupported:
        return fail(path, sniffed.what);
    case Format::Refused:
        return refuseUndecodable(path, sniffed.what);
    case Format::Unknown:
        return fail(path,
                    "not an image format Pillow opens ("
                        + describeContent(file.bytes().data(), file.bytes().size()) + ")");
    default:
        break;
    }

    DecodeLimits limits;
    limits.maxPixels = options.maxPixels;
    auto decoded = decodeBytes(file.bytes(), sniffed.format, path, limits, options);
    if (!decoded)
        return decoded.error();
    cv::Mat rgb = std::move(decoded->rgb);
    if (rgb.empty()) {
        const PilImage& image = decoded->image;
        if (image.width <= 0 || image.height <= 0)
            return fail(path, "the image has no pixels");
        rgb.create(image.height, image.width, CV_8UC3);
        toRgb(image, rgb.data);
    }
    if (options.applyExifOrientation)
        rgb = oriented(rgb, decoded->orientation);
    return rgb;
}

} // namespace

Result<cv::Mat> decodeImage(const std::string& path, const DecodeOptions& options)
{
    try {
        return decodeFile(path, options);
    } catch (const std::bad_alloc&) {
        return fail(path, "out of memory while decoding the image");
    } catch (const cv::Exception& e) {
        return fail(path, std::string("decoding failed: ") + e.what());
    } catch (const std::exception& e) {
        return fail(path, std::string("decoding failed: ") + e.what());
    }
}

} // namespace lens
