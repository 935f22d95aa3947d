#include "image/formats/Bmp.h"

#include "image/formats/Dib.h"

namespace lens {

namespace {

using namespace formats;

DibRequest bmpRequest(const ByteView& bytes)
{
    DibRequest request;
    request.headerOffset = 14;
    request.dataOffset = bytes.le32(10);
    request.format = "BMP";
    return request;
}

DibRequest dibRequest()
{
    DibRequest request;
    request.headerOffset = 0;
    request.format = "DIB";
    return request;
}

bool isDibHeaderSize(std::uint32_t size)
{
    return size == 12 || size == 40 || size == 64 || size == 108 || size == 124;
}

Result<PilImage> decode(const ByteView& bytes, const DibRequest& request, const std::string& name,
                        const DecodeLimits& limits)
{
    DibHeader header = readDibHeader(bytes, request, name);
    if (header.verdict != DibVerdict::Opened)
        return header.error;
    if (std::optional<Error> error = checkPixelLimit(header.info.width, header.info.height, name, limits))
        return *error;
    return loadDib(bytes, header.info, request, name);
}

} // namespace

bool looksLikeBmp(const std::uint8_t* data, std::size_t size)
{
    const ByteView bytes(data, size);
    if (size < 14 || data[0] != 'B' || data[1] != 'M')
        return false;
    return readDibHeader(bytes, bmpRequest(bytes), {}).verdict != DibVerdict::NotIdentified;
}

Result<PilImage> decodeBmp(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    if (size < 2 || data[0] != 'B' || data[1] != 'M')
        return fail(name, "not a BMP file (it does not start with \"BM\")");
    if (size < 14)
        return fail(name, "not a BMP file Pillow can identify (the file header ends early)");
    return decode(bytes, bmpRequest(bytes), name, limits);
}

bool looksLikeDib(const std::uint8_t* data, std::size_t size)
{
    const ByteView bytes(data, size);
    if (size < 4 || !isDibHeaderSize(bytes.le32(0)))
        return false;
    return readDibHeader(bytes, dibRequest(), {}).verdict != DibVerdict::NotIdentified;
}

Result<PilImage> decodeDib(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    if (size < 4 || !isDibHeaderSize(bytes.le32(0)))
        return fail(name, "not a DIB file (no bitmap header size of 12, 40, 64, 108 or 124 bytes)");
    return decode(bytes, dibRequest(), name, limits);
}

} // namespace lens
