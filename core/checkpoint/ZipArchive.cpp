#include "checkpoint/ZipArchive.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <optional>
#include <zlib.h>

namespace lens {

namespace {

constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint64_t kEndSize = 22;
constexpr std::uint64_t kZip64EndSize = 56;
constexpr std::uint64_t kZip64LocatorSize = 20;
constexpr std::uint64_t kCentralHeaderSize = 46;
constexpr std::uint64_t kLocalHeaderSize = 30;
constexpr std::uint64_t kMaxCommentSize = 0xFFFF;
// A torch checkpoint's directory is a few hundred bytes per tensor; this bounds what a hostile file can
// make us allocate before any entry is read.
constexpr std::uint64_t kMaxCentralDirectorySize = 256ull << 20;
constexpr std::uint64_t kReadChunk = 64ull << 20;
/// Stored entries are checksummed as they are read, this much at a time (fits in a core's L2 cache).
constexpr std::uint64_t kCrcChunk = 256ull << 10;

std::uint16_t le16(const char* p)
{
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
}

std::uint32_t le32(const char* p)
{
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8)
        | (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

std::uint64_t le64(const char* p)
{
    return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

/// Why `entry` cannot be read as stored data, if it cannot.
std::optional<std::string> unreadable(const ZipArchive::Entry& entry, std::uint64_t fileSize)
{
    if (entry.encrypted)
        return "zip entry '" + entry.name + "' is encrypted";
    if (entry.method != 0)
        return "zip entry '" + entry.name + "' is compressed (method " + std::to_string(entry.method)
            + "); torch.save writes uncompressed entries";
    if (entry.compressedSize != entry.size || entry.dataOffset > fileSize
        || entry.size > fileSize - entry.dataOffset)
        return "zip entry '" + entry.name + "' extends past the end of the file";
    return std::nullopt;
}

} // namespace

Error ZipArchive::error(const std::string& what) const
{
    return Error {m_displayName + ": " + what};
}

bool ZipArchive::looksLikeZip(const char* data, std::size_t size)
{
    return data && size >= 4 && std::memcmp(data, "PK\x03\x04", 4) == 0;
}

Result<ZipArchive> ZipArchive::open(const std::string& path)
{
    ZipArchive archive;
    archive.m_displayName = path;
    archive.m_path = path;
    std::error_code code;
    const std::filesystem::file_status status = std::filesystem::status(path, code);
    if (code && code != std::errc::no_such_file_or_directory)
        return archive.error("cannot access the file (" + code.message() + ")");
    if (!std::filesystem::exists(status))
        return archive.error("no such file");
    if (!std::filesystem::is_regular_file(status))
        return archive.error("not a regular file");
    const std::uintmax_t size = std::filesystem::file_size(path, code);
    if (code)
        return archive.error("cannot determine the file size (" + code.message() + ")");
    archive.m_fileSize = static_cast<std::uint64_t>(size);
    if (Result<void> indexed = archive.index(); !indexed)
        return indexed.error();
    return archive;
}

Result<ZipArchive> ZipArchive::fromBuffer(std::string bytes, const std::string& displayName)
{
    ZipArchive archive;
    archive.m_displayName = displayName;
    archive.m_fileSize = bytes.size();
    archive.m_buffer = std::make_shared<const std::string>(std::move(bytes));
    if (Result<void> indexed = archive.index(); !indexed)
        return indexed.error();
    return archive;
}

const ZipArchive::Entry* ZipArchive::find(const std::string& name) const
{
    const auto it = m_byName.find(name);
    return it == m_byName.end() ? nullptr : &m_entries[it->second];
}

Result<void> ZipArchive::readAt(std::uint64_t offset, std::uint64_t length, char* destination,
                                std::istream* stream) const
{
    if (offset > m_fileSize || length > m_fileSize - offset)
        return error("read of " + std::to_string(length) + " bytes at offset " + std::to_string(offset)
                     + " lies outside the file (" + std::to_string(m_fileSize) + " bytes)");
    if (length == 0)
        return {};
    if (m_buffer) {
        std::memcpy(destination, m_buffer->data() + offset, static_cast<std::size_t>(length));
        return {};
    }
    std::ifstream ownStream;
    if (!stream) {
        Result<std::istream*> opened = open(ownStream);
        if (!opened)
            return opened.error();
        stream = *opened;
    }
    stream->clear();
    stream->seekg(static_cast<std::streamoff>(offset));
    while (length > 0 && *stream) {
        const std::uint64_t chunk = std::min(length, kReadChunk);
        stream->read(destination, static_cast<std::streamsize>(chunk));
        if (static_cast<std::uint64_t>(stream->gcount()) != chunk)
            break;
        destination += chunk;
        length -= chunk;
    }
    if (length != 0)
        return error("read failed at offset " + std::to_string(offset)
                     + " (the file was truncated or changed while open)");
    return {};
}

Result<std::istream*> ZipArchive::open(std::ifstream& file) const
{
    if (m_buffer)
        return static_cast<std::istream*>(nullptr);
    file.open(m_path, std::ios::binary);
    if (!file)
        return error("cannot open the file");
    return static_cast<std::istream*>(&file);
}

Result<void> ZipArchive::index()
{
    std::ifstream file;
    Result<std::istream*> opened = open(file);
    if (!opened)
        return opened.error();
    std::istream* stream = *opened;
    const auto readBlock = [&](std::uint64_t offset, std::uint64_t length, std::string& out) -> Result<void> {
        out.assign(static_cast<std::size_t>(length), '\0');
        return readAt(offset, length, out.data(), stream);
    };

    if (m_fileSize < kEndSize)
        return error("not a zip archive (too short for an end-of-central-directory record)");

    // End of central directory: 22 bytes plus a comment of up to 64 KiB, found by its signature.
    const std::uint64_t tailSize = std::min(m_fileSize, kEndSize + kMaxCommentSize);
    const std::uint64_t tailStart = m_fileSize - tailSize;
    std::string tail;
    if (Result<void> read = readBlock(tailStart, tailSize, tail); !read)
        return read;
    std::uint64_t endOffset = 0;
    bool foundEnd = false;
    for (std::uint64_t i = tailSize - kEndSize + 1; i-- > 0;) {
        const char* p = tail.data() + i;
        if (le32(p) == kEndSignature && i + kEndSize + le16(p + 20) <= tailSize) {
            endOffset = tailStart + i;
            foundEnd = true;
            break;
        }
    }
    if (!foundEnd)
        return error("not a complete zip archive (no end-of-central-directory record: the file is truncated "
                     "or not a zip)");
    const char* end = tail.data() + (endOffset - tailStart);
    if (le16(end + 4) != 0 || le16(end + 6) != 0)
        return error("multi-part zip archives are not supported");
    std::uint64_t entryCount = le16(end + 10);
    std::uint64_t directorySize = le32(end + 12);
    std::uint64_t directoryOffset = le32(end + 16);
    std::uint64_t directoryLimit = endOffset; // the directory must end before the records that describe it

    // Zip64: a locator right before the end record points at the zip64 end record with 64-bit fields.
    const bool needsZip64
        = entryCount == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF;
    bool hasLocator = false;
    std::string locator;
    if (endOffset >= kZip64LocatorSize) {
        if (Result<void> read = readBlock(endOffset - kZip64LocatorSize, kZip64LocatorSize, locator); !read)
            return read;
        hasLocator = le32(locator.data()) == kZip64LocatorSignature;
    }
    if (needsZip64 && !hasLocator)
        return error("zip64 end-of-central-directory locator is missing");
    if (hasLocator) {
        const std::uint64_t recordOffset = le64(locator.data() + 8);
        if (recordOffset > endOffset - kZip64LocatorSize
            || endOffset - kZip64LocatorSize - recordOffset < kZip64EndSize)
            return error("zip64 end-of-central-directory record lies outside the file");
        std::string record;
        if (Result<void> read = readBlock(recordOffset, kZip64EndSize, record); !read)
            return read;
        if (le32(record.data()) != kZip64EndSignature)
            return error("zip64 end-of-central-directory record is corrupt");
        if (le32(record.data() + 16) != 0 || le32(record.data() + 20) != 0)
            return error("multi-part zip archives are not supported");
        entryCount = le64(record.data() + 32);
        directorySize = le64(record.data() + 40);
        directoryOffset = le64(record.data() + 48);
        directoryLimit = recordOffset;
    }

    if (directoryOffset > directoryLimit || directorySize > directoryLimit - directoryOffset)
        return error("central directory (" + std::to_string(directorySize) + " bytes at offset "
                     + std::to_string(directoryOffset) + ") lies outside the file");
    if (directorySize > kMaxCentralDirectorySize)
        return error("central directory of " + std::to_string(directorySize) + " bytes is too large");
    if (entryCount > directorySize / kCentralHeaderSize)
        return error("central directory claims " + std::to_string(entryCount) + " entries but has room for "
                     + std::to_string(directorySize / kCentralHeaderSize));

    std::string directory;
    if (Result<void> read = readBlock(directoryOffset, directorySize, directory); !read)
        return read;

    m_entries.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(entryCount, 4096)));
    std::uint64_t pos = 0;
    for (std::uint64_t n = 0; n < entryCount; ++n) {
        if (directorySize - pos < kCentralHeaderSize)
            return error("central directory is truncated");
        const char* h = directory.data() + pos;
        if (le32(h) != kCentralHeaderSignature)
            return error("central directory entry " + std::to_string(n) + " is corrupt");
        Entry entry;
        const std::uint16_t flags = le16(h + 8);
        entry.method = le16(h + 10);
        entry.crc32 = le32(h + 16);
        entry.compressedSize = le32(h + 20);
        entry.size = le32(h + 24);
        const std::uint16_t nameLength = le16(h + 28);
        const std::uint16_t extraLength = le16(h + 30);
        const std::uint16_t commentLength = le16(h + 32);
        const std::uint16_t diskStart = le16(h + 34);
        std::uint64_t localOffset = le32(h + 42);
        const std::uint64_t recordSize = kCentralHeaderSize + nameLength + extraLength + commentLength;
        if (directorySize - pos < recordSize)
            return error("central directory is truncated");
        entry.name.assign(h + kCentralHeaderSize, nameLength);
        entry.encrypted = (flags & 1u) != 0;
        if (entry.name.find('\0') != std::string::npos)
            return error("zip entry name contains a NUL byte");

        // Zip64 extended information: only the fields whose 32-bit slot is saturated, in this order.
        const char* extra = h + kCentralHeaderSize + nameLength;
        for (std::uint32_t e = 0; e + 4 <= extraLength;) {
            const std::uint16_t id = le16(extra + e);
            const std::uint16_t fieldSize = le16(extra + e + 2);
            if (e + 4u + fieldSize > extraLength)
                return error("zip entry '" + entry.name + "' has a corrupt extra field");
            if (id == 0x0001) {
                const char* field = extra + e + 4;
                std::uint32_t used = 0;
                const auto next = [&](std::uint64_t& value) {
                    if (used + 8 > fieldSize)
                        return false;
                    value = le64(field + used);
                    used += 8;
                    return true;
                };
                if ((entry.size == 0xFFFFFFFF && !next(entry.size))
                    || (entry.compressedSize == 0xFFFFFFFF && !next(entry.compressedSize))
                    || (localOffset == 0xFFFFFFFF && !next(localOffset)))
                    return error("zip entry '" + entry.name + "' has a truncated zip64 field");
            }
            e += 4u + fieldSize;
        }
        if (diskStart != 0 && diskStart != 0xFFFF)
            return error("multi-part zip archives are not supported");
        if (entry.method == 0 && entry.compressedSize != entry.size)
            return error("zip entry '" + entry.name + "' is stored but its sizes differ ("
                         + std::to_string(entry.compressedSize) + " and " + std::to_string(entry.size) + ")");

        // The data starts after the local header, whose name and (alignment padding) extra field may
        // differ in length from the central directory's copy.
        if (localOffset > m_fileSize || m_fileSize - localOffset < kLocalHeaderSize + nameLength)
            return error("zip entry '" + entry.name + "' has a local header outside the file");
        char local[kLocalHeaderSize];
        if (Result<void> read = readAt(localOffset, kLocalHeaderSize, local, stream); !read)
            return read;
        if (le32(local) != kLocalHeaderSignature)
            return error("zip entry '" + entry.name + "' has a corrupt local header");
        const std::uint16_t localNameLength = le16(local + 26);
        const std::uint16_t localExtraLength = le16(local + 28);
        if (localNameLength != nameLength)
            return error("zip entry '" + entry.name + "' has a different name in its local header");
        std::string localName;
        if (Result<void> read = readBlock(localOffset + kLocalHeaderSize, localNameLength, localName); !read)
            return read;
        if (localName != entry.name)
            return error("zip entry '" + entry.name + "' has a different name in its local header");
        entry.localOffset = localOffset;
        entry.dataOffset = localOffset + kLocalHeaderSize + localNameLength + localExtraLength;
        if (entry.dataOffset > m_fileSize || entry.compressedSize > m_fileSize - entry.dataOffset)
            return error("zip entry '" + entry.name + "' (" + std::to_string(entry.compressedSize)
                         + " bytes at offset " + std::to_string(entry.dataOffset)
                         + ") extends past the end of the file (" + std::to_string(m_fileSize) + " bytes)");

        if (!m_byName.emplace(entry.name, m_entries.size()).second)
            return error("zip entry '" + entry.name + "' appears twice");
        m_entries.push_back(std::move(entry));
        pos += recordSize;
    }

    std::vector<const Entry*> byOffset;
    for (const Entry& entry : m_entries)
        byOffset.push_back(&entry);
    std::sort(byOffset.begin(), byOffset.end(),
              [](const Entry* a, const Entry* b) { return a->localOffset < b->localOffset; });
    for (std::size_t i = 1; i < byOffset.size(); ++i) {
        const Entry& previous = *byOffset[i - 1];
        if (byOffset[i]->localOffset < previous.dataOffset + previous.compressedSize)
            return error("zip entries '" + previous.name + "' and '" + byOffset[i]->name
                         + "' overlap in the file (a zip bomb?)");
    }
    return {};
}

Result<void> ZipArchive::readable(const Entry& entry) const
{
    if (std::optional<std::string> problem = unreadable(entry, m_fileSize))
        return error(*problem);
    return {};
}

Result<void> ZipArchive::readInto(const Entry& entry, void* destination) const
{
    if (std::optional<std::string> problem = unreadable(entry, m_fileSize))
        return error(*problem);
    auto* out = static_cast<char*>(destination);
    std::ifstream file;
    Result<std::istream*> opened = open(file);
    if (!opened)
        return opened.error();
    std::istream* stream = *opened;
    // Chunk by chunk, so that the checksum reads each chunk while it is still in the cache.
    std::uint32_t crc = 0;
    for (std::uint64_t done = 0; done < entry.size;) {
        const std::uint64_t chunk = std::min(entry.size - done, kCrcChunk);
        if (Result<void> read = readAt(entry.dataOffset + done, chunk, out + done, stream); !read)
            return read;
        crc = zipCrc32(crc, out + done, static_cast<std::size_t>(chunk));
        done += chunk;
    }
    if (crc != entry.crc32)
        return error("zip entry '" + entry.name + "' is corrupt (CRC-32 mismatch)");
    return {};
}

Result<std::string> ZipArchive::read(const Entry& entry) const
{
    if (std::optional<std::string> problem = unreadable(entry, m_fileSize))
        return error(*problem);
    if (entry.size > std::numeric_limits<std::size_t>::max() / 2)
        return error("zip entry '" + entry.name + "' is too large to read into memory");
    std::string bytes;
    try {
        bytes.resize(static_cast<std::size_t>(entry.size));
    } catch (const std::bad_alloc&) {
        return error("not enough memory to read zip entry '" + entry.name + "' (" + std::to_string(entry.size)
                     + " bytes)");
    }
    if (Result<void> read = readInto(entry, bytes.data()); !read)
        return read.error();
    return bytes;
}

std::uint32_t zipCrc32(std::uint32_t crc, const void* data, std::size_t size)
{
    const auto* bytes = static_cast<const Bytef*>(data);
    // zlib's length is a uInt: feed it in pieces that fit.
    while (size > 0) {
        const auto piece = static_cast<uInt>(std::min<std::size_t>(size, std::size_t(1) << 30));
        crc = static_cast<std::uint32_t>(::crc32(crc, bytes, piece));
        bytes += piece;
        size -= piece;
    }
    return crc;
}

} // namespace lens
