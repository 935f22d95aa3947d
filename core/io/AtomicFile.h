#pragma once

// Writing a file so that it is either complete or not there: the bytes go to a hidden temporary file in
// the target's folder, which is flushed to disk and renamed over the target only when everything was
// written. A failed or abandoned write leaves the target as it was. POSIX only; LibTorch- and Qt-free.
//
// Threading: an AtomicFile is used by one thread at a time. Movable, not copyable.

#include "Result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lens {

class AtomicFile {
public:
    /// Starts writing `target` (a path that outputFilePath() accepted). Errors name the target.
    static Result<AtomicFile> create(const std::string& target);

    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&& other) noexcept;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    /// Removes the temporary file unless commit() succeeded.
    ~AtomicFile();

    Result<void> write(const void* data, std::size_t size);
    /// Bytes written so far.
    std::uint64_t size() const { return m_size; }
    /// Flushes to disk and renames the temporary file over the target.
    Result<void> commit();

    const std::string& target() const { return m_target; }

private:
    AtomicFile() = default;
    void discard();

    std::string m_target;
    std::string m_temporary;
    int m_fd = -1;
    std::uint64_t m_size = 0;
};

/// Writes a whole file of bytes as an AtomicFile (through outputFilePath(), so a link to a file is followed).
Result<void> writeFileAtomically(const std::string& path, const std::string& bytes);

} // namespace lens
