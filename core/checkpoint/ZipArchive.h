#pragma once

// Minimal reader for the zip archives torch.save writes (PyTorch >= 1.6; TorchScript archives too).
//
// Only what those files use is supported: uncompressed (STORED) entries, local headers whose extra field
// pads the data to 64-byte alignment, and zip64 records for big files and many entries. Multi-part,
// encrypted and compressed entries are reported as errors. The file is untrusted: every offset and size
// is checked against the file size before anything is allocated or read, entries may not overlap (so no
// byte of the file is read as the data of two entries: a small file cannot expand into many copies of
// itself), and reads verify CRC-32.
//
// Threading: after open()/fromBuffer() the object is immutable. All const members may be called from
// several threads at once; each file-backed read opens its own stream. The object is movable and copyable
// (a buffer-backed archive shares its buffer).

#include "Result.h"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lens {

class ZipArchive {
public:
    /// One record of the central directory, with its data located through its local header.
    struct Entry {
        std::string name;
        /// Absolute offset of the entry's first data byte in the file.
        std::uint64_t dataOffset = 0;
        /// Uncompressed size in bytes.
        std::uint64_t size = 0;
        std::uint32_t crc32 = 0;
        /// Compression method (0 = STORED; anything else cannot be read).
        std::uint16_t method = 0;
        /// Bytes the entry occupies in the file (equals size for STORED entries).
        std::uint64_t compressedSize = 0;
        /// Absolute offset of its local header.
        std::uint64_t localOffset = 0;
        bool encrypted = false;
    };

    /// Opens `path` and indexes its central directory. Errors name the file and what is wrong.
    static Result<ZipArchive> open(const std::string& path);
    /// Same over a memory buffer (fuzzer, tests, embedded data); `displayName` is used in messages.
    static Result<ZipArchive> fromBuffer(std::string bytes, const std::string& displayName);

    /// Entries in central-directory order. Names are unique.
    const std::vector<Entry>& entries() const { return m_entries; }
    /// The entry called `name`, or nullptr.
    const Entry* find(const std::string& name) const;

    /// Whether the entry can be read (stored, not encrypted, inside the file); check it before allocating
    /// memory for its declared size.
    Result<void> readable(const Entry& entry) const;
    /// Reads a whole entry into memory (at most the file's size) and verifies its CRC-32.
    Result<std::string> read(const Entry& entry) const;
    /// Reads an entry into caller memory of exactly entry.size bytes and verifies its CRC-32. Use this for
    /// tensor storages, to read straight into the tensor.
    Result<void> readInto(const Entry& entry, void* destination) const;

    /// The path, or the display name given to fromBuffer().
    const std::string& displayName() const { return m_displayName; }
    /// Size of the whole file or buffer in bytes.
    std::uint64_t fileSize() const { return m_fileSize; }

    /// True when `data` starts like a zip local file header ("PK\x03\x04").
    static bool looksLikeZip(const char* data, std::size_t size);

private:
    ZipArchive() = default;

    Result<void> index();
    // Opens the file into `file` for a series of reads: &file, or nullptr for a buffer-backed archive.
    Result<std::istream*> open(std::ifstream& file) const;
    // Reads through `stream` when given (indexing keeps one open), else opens the file for this read.
    Result<void> readAt(std::uint64_t offset, std::uint64_t length, char* destination,
                        std::istream* stream = nullptr) const;
    Error error(const std::string& what) const;

    std::string m_displayName;
    std::string m_path; // empty for buffer-backed archives
    std::shared_ptr<const std::string> m_buffer;
    std::uint64_t m_fileSize = 0;
    std::vector<Entry> m_entries;
    std::map<std::string, std::size_t> m_byName; // ordered: names come from the file
};

/// CRC-32 as zip files use it (IEEE, reflected), continued over `size` bytes; start with crc 0.
std::uint32_t zipCrc32(std::uint32_t crc, const void* data, std::size_t size);

} // namespace lens
