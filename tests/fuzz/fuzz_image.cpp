// libFuzzer target for the hand-written image decoders (BMP/DIB, GIF, TGA, ICO/CUR, PPM, PCX/DCX, SGI, XBM,
// MSP, Sun raster, SPIDER, DDS, ICNS, XPM, PSD, GBR, PIXAR, XV thumbnail, McIdas, FTEX, FLI, IM).
// Every input goes through every decoder, as a file of any format may reach any of them; each must stay
// inside the file, inside the pixel limit, and return a consistent image or an error. Torch-free:
//   clang++ -g -O1 -fsanitize=fuzzer,address,undefined -std=c++17 -Icore tests/fuzz/fuzz_image.cpp \
//       core/image/formats/*.cpp -o fuzz_image
//   ./fuzz_image -rss_limit_mb=2048 -max_len=65536 tests/fuzz/corpus/image

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

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

void require(bool condition)
{
    if (!condition)
        __builtin_trap();
}

std::size_t bytesPerPixel(lens::PilMode mode)
{
    switch (mode) {
    case lens::PilMode::One:
    case lens::PilMode::L:
    case lens::PilMode::P:
        return 1;
    case lens::PilMode::PA:
    case lens::PilMode::LA:
    case lens::PilMode::I16:
        return 2;
    case lens::PilMode::RGB:
        return 3;
    default:
        return 4;
    }
}

// The documented guarantees of a decoder's result: an error names the file; an image has pixels, its data
// matches its mode and size, stays within the limit, and only palette modes carry a palette of whole
// entries (at most 256). A file its sniff rejects is never decoded.
void check(const lens::Result<lens::PilImage>& result, bool sniffed, const lens::DecodeLimits& limits)
{
    if (!result) {
        require(result.message().rfind("fuzz: ", 0) == 0);
        return;
    }
    require(sniffed);
    const lens::PilImage& image = result.value();
    require(image.width > 0 && image.height > 0);
    require(std::int64_t(image.width) * image.height <= limits.maxPixels);
    require(image.data.size()
            == std::size_t(image.width) * std::size_t(image.height) * bytesPerPixel(image.mode));
    const bool palette = image.mode == lens::PilMode::P || image.mode == lens::PilMode::PA;
    require(palette || image.palette.empty());
    require(image.palette.size() % 3 == 0 && image.palette.size() <= 768);
    if (image.mode == lens::PilMode::One)
        for (const std::uint8_t v : image.data)
            require(v == 0 || v == 255);
}

lens::Result<lens::PilImage> fakePng(const std::uint8_t* data, std::size_t size)
{
    // Stands in for the PNG decoder: a 1x1 gray image, or an error for an empty entry.
    if (size < 9)
        return lens::Error {"fuzz: the PNG entry is too short"};
    lens::PilImage image;
    image.mode = lens::PilMode::L;
    image.width = image.height = 1;
    image.data.assign(1, data[8]);
    return image;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    lens::DecodeLimits limits;
    limits.maxPixels = std::int64_t(1) << 22;
    const std::string name = "fuzz";
    check(lens::decodeBmp(data, size, name, limits), lens::looksLikeBmp(data, size), limits);
    check(lens::decodeDib(data, size, name, limits), lens::looksLikeDib(data, size), limits);
    check(lens::decodeGif(data, size, name, limits), lens::looksLikeGif(data, size), limits);
    check(lens::decodeTga(data, size, name, limits), lens::looksLikeTga(data, size), limits);
    check(lens::decodeIco(data, size, name, limits, fakePng), lens::looksLikeIco(data, size), limits);
    check(lens::decodeCur(data, size, name, limits), lens::looksLikeCur(data, size), limits);
    check(lens::decodePpm(data, size, name, limits), lens::looksLikePpm(data, size), limits);
    check(lens::decodePcx(data, size, name, limits), lens::looksLikePcx(data, size), limits);
    check(lens::decodeDcx(data, size, name, limits), lens::looksLikeDcx(data, size), limits);
    check(lens::decodeSgi(data, size, name, limits), lens::looksLikeSgi(data, size), limits);
    check(lens::decodeXbm(data, size, name, limits), lens::looksLikeXbm(data, size), limits);
    check(lens::decodeMsp(data, size, name, limits), lens::looksLikeMsp(data, size), limits);
    check(lens::decodeSun(data, size, name, limits), lens::looksLikeSun(data, size), limits);
    check(lens::decodeSpider(data, size, name, limits), lens::looksLikeSpider(data, size), limits);
    check(lens::decodeDds(data, size, name, limits), lens::looksLikeDds(data, size), limits);
    check(lens::decodeIcns(data, size, name, limits, fakePng), lens::looksLikeIcns(data, size), limits);
    check(lens::decodeXpm(data, size, name, limits), lens::looksLikeXpm(data, size), limits);
    check(lens::decodePsd(data, size, name, limits), lens::looksLikePsd(data, size), limits);
    check(lens::decodeGbr(data, size, name, limits), lens::looksLikeGbr(data, size), limits);
    check(lens::decodePixar(data, size, name, limits), lens::looksLikePixar(data, size), limits);
    check(lens::decodeXvThumb(data, size, name, limits), lens::looksLikeXvThumb(data, size), limits);
    check(lens::decodeMcIdas(data, size, name, limits), lens::looksLikeMcIdas(data, size), limits);
    check(lens::decodeFtex(data, size, name, limits), lens::looksLikeFtex(data, size), limits);
    check(lens::decodeFli(data, size, name, limits), lens::looksLikeFli(data, size), limits);
    check(lens::decodeIm(data, size, name, limits), lens::looksLikeIm(data, size), limits);
    (void)(lens::looksLikeBufr(data, size) + lens::looksLikeGrib(data, size) + lens::looksLikeHdf5(data, size)
           + lens::looksLikeWmf(data, size) + lens::looksLikeMpeg(data, size));
    return 0;
}
