// libFuzzer target for the library-backed image decoders (JPEG through libjpeg, PNG through zlib, TIFF
// through libtiff, WebP through libwebp) and for toRgb() on every image they return. Every input goes
// through every decoder; each must return a consistent image or an error that names the file, within the
// pixel limit, without printing. Torch- and OpenCV-free:
//   clang++ -g -O1 -fsanitize=fuzzer,address,undefined -std=c++17 -Icore tests/fuzz/fuzz_image_libs.cpp \
//       core/image/{JpegDecoder,PngDecoder,TiffDecoder,WebpDecoder,Exif,PilImage}.cpp \
//       -ljpeg -ltiff -lwebp -lwebpdemux -lz -llcms2 -o fuzz_image_libs
//   ./fuzz_image_libs -rss_limit_mb=2048 -max_len=65536 tests/fuzz/corpus/image_libs

#include "image/JpegDecoder.h"
#include "image/PilImage.h"
#include "image/PngDecoder.h"
#include "image/TiffDecoder.h"
#include "image/WebpDecoder.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

void require(bool condition)
{
    if (!condition)
        __builtin_trap();
}

void check(const lens::Result<lens::PilImage>& result, const lens::DecodeLimits& limits)
{
    if (!result) {
        require(result.message().rfind("fuzz: ", 0) == 0);
        return;
    }
    const lens::PilImage& image = result.value();
    require(image.width > 0 && image.height > 0);
    require(std::int64_t(image.width) * image.height <= limits.maxPixels);
    require(image.data.size()
            == std::size_t(image.width) * std::size_t(image.height)
                * std::size_t(lens::pilModeBytes(image.mode)));
    require(image.palette.size() % 3 == 0 && image.palette.size() <= 768);
    const std::vector<std::uint8_t> rgb = lens::toRgb(image);
    require(rgb.size() == std::size_t(image.width) * std::size_t(image.height) * 3);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    lens::DecodeLimits limits;
    limits.maxPixels = std::int64_t(1) << 22;
    const std::string name = "fuzz";
    check(lens::decodeJpegImage(data, size, name, limits), limits);
    int orientation = 0;
    check(lens::decodePng(data, size, name, limits, &orientation), limits);
    check(lens::decodeTiff(data, size, name, limits), limits);
    check(lens::decodeWebp(data, size, name, limits, &orientation), limits);
    return 0;
}
