#pragma once

// A read-only memory mapping of a whole file, so that format readers can parse untrusted files as one
// byte range without reading them into memory first. POSIX only.
//
// Threading: immutable after open(); may be read from several threads. Movable, not copyable.

#include "Result.h"

#include <cstddef>
#include <string>

namespace lens {

class MappedFile {
public:
    /// Maps `path` read-only. Errors name the file.
    static Result<MappedFile> open(const std::string& path);

    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    const char* data() const { return m_data; }
    std::size_t size() const { return m_size; }

private:
    MappedFile() = default;
    void release();

    const char* m_data = nullptr;
    std::size_t m_size = 0;
};

} // namespace lens
