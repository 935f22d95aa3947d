#include "image/formats/Msp.h"

#include "image/formats/FormatSupport.h"

#include <cstring>

namespace lens {

namespace {

using namespace formats;

bool identified(const ByteView& bytes)
{
    if (bytes.size() < 32
        || (std::memcmp(bytes.data(), "DanM", 4) != 0 && std::memcmp(bytes.data(), "LinS", 4) != 0))
        return false;
    std::uint16_t checksum = 0;
    for (std::size_t i = 0; i < 32; i += 2)
        checksum ^= bytes.le16(i);
    return checksum == 0 && bytes.le16(4) > 0 && bytes.le16(6) > 0;
}

} // namespace

bool looksLikeMsp(const std::uint8_t* data, std::size_t size)
{
    return identified(ByteView(data, size));
}

Result<PilImage> decodeMsp(const std::uint8_t* data, std::size_t size, const std::string& name,
                           const DecodeLimits& limits)
{
    const ByteView bytes(data, size);
    if (!identified(bytes))
        return fail(name, "not an MSP file Pillow can identify (no DanM/LinS header with a valid checksum)");
    const std::int64_t width = bytes.le16(4);
    const std::int64_t height = bytes.le16(6);
    if (std::optional<Error> error = checkPixelLimit(width, height, name, limits))
        return *error;
    PilImage image = newImage(PilMode::One, int(width), int(height));
    if (std::memcmp(data, "DanM", 4) == 0) {
        const RawOutcome outcome = rawDecode(data + 32, size - 32, RawMode::One, 0, false, image);
        if (outcome.kind != RawOutcome::Filled)
            return truncated(name, "MSP", "the pixel data", 32 + outcome.needed, size);
        return image;
    }

    // Version 2: a map of row lengths, then each row's runs; Pillow concatenates the decoded rows.
    const std::uint64_t lineBytes = (std::uint64_t(width) + 7) / 8;
    const std::uint64_t total = lineBytes * std::uint64_t(height);
    if (!bytes.has(32, 2 * std::uint64_t(height)))
        return fail(name, "truncated MSP (the row map ends early)");
    std::vector<std::uint8_t> stream;
    stream.reserve(std::size_t(total));
    auto put = [&](const std::uint8_t* from, std::size_t count) {
        // Only the first `total` bytes are used; the rest is dropped as Pillow's raw decoder drops it.
        const std::size_t room = std::size_t(total) - std::min(stream.size(), std::size_t(total));
        stream.insert(stream.end(), from, from + std::min(count, room));
    };
    std::uint64_t pos = 32 + 2 * std::uint64_t(height);
    for (std::int64_t y = 0; y < height; ++y) {
        const std::size_t rowLength = bytes.le16(std::size_t(32 + 2 * y));
        if (rowLength == 0) {
            const std::vector<std::uint8_t> blank(std::size_t(lineBytes), 0xFF);
            put(blank.data(), blank.size());
            continue;
        }
        if (!bytes.has(pos, rowLength))
            return fail(name, "truncated MSP (row " + number(std::uint64_t(y)) + " ends early)");
        const std::uint8_t* row = data + pos;
        pos += rowLength;
        std::size_t i = 0;
        while (i < rowLength) {
            const std::uint8_t runType = row[i++];
            if (runType == 0) {
                if (rowLength - i < 2)
                    return fail(name,
                                "corrupt MSP (a run in row " + number(std::uint64_t(y)) + " is cut short)");
                const std::uint8_t count = row[i];
                const std::uint8_t value = row[i + 1];
                const std::vector<std::uint8_t> run(count, value);
                put(run.data(), run.size());
                i += 2;
            } else {
                const std::size_t count = std::min<std::size_t>(runType, rowLength - i);
                put(row + i, count);
                i += runType;
            }
        }
    }
    if (stream.size() < total)
        return fail(name, "truncated MSP (the rows decode to fewer bytes than the image needs)");
    rawDecode(stream.data(), stream.size(), RawMode::One, 0, false, image);
    return image;
}

} // namespace lens
