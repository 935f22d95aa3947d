#include "image/WebpDecoder.h"

#include "image/Exif.h"

#include <cstring>
#include <memory>
#include <webp/decode.h>
#include <webp/demux.h>

namespace lens {

namespace {

Error fail(const std::string& name, const std::string& problem)
{
    return Error {name + ": " + problem};
}

struct DemuxDeleter {
    void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};
struct AnimDecoderDeleter {
    void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};

} // namespace

bool looksLikeWebp(const std::uint8_t* data, std::size_t size)
{
    return size >= 16 && std::memcmp(data, "RIFF", 4) == 0 && std::memcmp(data + 8, "WEBP", 4) == 0
        && (std::memcmp(data + 12, "VP8 ", 4) == 0 || std::memcmp(data + 12, "VP8X", 4) == 0
            || std::memcmp(data + 12, "VP8L", 4) == 0);
}

Result<PilImage> decodeWebp(const std::uint8_t* data, std::size_t size, const std::string& name,
                            const DecodeLimits& limits, int* orientation)
{
    const WebPData webp {data, size};
    // The canvas as the frame headers give it (VP8X, or the VP8/VP8L bitstream header of a still image).
    std::unique_ptr<WebPDemuxer, DemuxDeleter> demux(WebPDemux(&webp));
    if (!demux)
        return fail(name, "corrupt WebP data (libwebp could not read its structure)");
    const std::uint64_t width = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_WIDTH);
    const std::uint64_t height = WebPDemuxGetI(demux.get(), WEBP_FF_CANVAS_HEIGHT);
    if (width == 0 || height == 0)
        return fail(name, "corrupt WebP data (the image has no pixels)");
    if (width * height > std::uint64_t(limits.maxPixels))
        return fail(name,
                    "the image is " + std::to_string(width) + "x" + std::to_string(height)
                        + " pixels, more than the limit of " + std::to_string(limits.maxPixels)
                        + " pixels (a decompression bomb?)");
    if (orientation) {
        *orientation = 1;
        WebPChunkIterator exif;
        if (WebPDemuxGetChunk(demux.get(), "EXIF", 1, &exif)) {
            *orientation = exifOrientation(exif.chunk.bytes, exif.chunk.size);
            WebPDemuxReleaseChunkIterator(&exif);
        }
    }
    demux.reset();

    // _webp.c: the mode from WebPGetFeatures, then the animation decoder with default options.
    WebPBitstreamFeatures features;
    const bool alpha = WebPGetFeatures(data, size, &features) != VP8_STATUS_OK || features.has_alpha;
    std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> decoder(WebPAnimDecoderNew(&webp, nullptr));
    WebPAnimInfo info;
    if (!decoder || !WebPAnimDecoderGetInfo(decoder.get(), &info))
        return fail(name, "corrupt WebP data (libwebp could not create a decoder for it)");
    if (info.canvas_width != width || info.canvas_height != height)
        return fail(name, "corrupt WebP data (inconsistent canvas size)");
    std::uint8_t* frame = nullptr;
    int timestamp = 0;
    if (!WebPAnimDecoderGetNext(decoder.get(), &frame, &timestamp))
        return fail(name, "corrupt WebP data (libwebp could not decode the first frame)");

    PilImage image;
    image.width = int(width);
    image.height = int(height);
    const std::size_t pixels = std::size_t(width) * std::size_t(height);
    if (alpha) {
        image.mode = PilMode::RGBA;
        image.data.assign(frame, frame + pixels * 4);
    } else {
        image.mode = PilMode::RGB;
        image.data.resize(pixels * 3);
        for (std::size_t i = 0; i < pixels; ++i)
            std::memcpy(&image.data[3 * i], frame + 4 * i, 3);
    }
    return image;
}

} // namespace lens
