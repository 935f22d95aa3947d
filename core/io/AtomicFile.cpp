#include "io/AtomicFile.h"

#include "io/FileChecks.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace lens {

namespace {

/// The process's umask, read without changing it (umask(2) would, for every thread at once).
mode_t currentUmask()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.compare(0, 6, "Umask:") == 0)
            return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
    }
    return 022;
}

std::string why()
{
    return std::strerror(errno);
}

} // namespace

Result<AtomicFile> AtomicFile::create(const std::string& target)
{
    const std::filesystem::path path(target);
    const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
    std::string pattern = (folder / ("." + path.filename().string() + ".partial.XXXXXX")).string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        return Error {target + ": cannot create a file in " + folder.string() + " (" + why() + ")",
                      ErrorKind::Failed, target};
    // mkstemp makes the file private (0600); the result gets the permissions any new file would.
    ::fchmod(fd, 0666 & ~currentUmask());
    AtomicFile file;
    file.m_target = target;
    file.m_temporary = name.data();
    file.m_fd = fd;
    return file;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_target(std::move(other.m_target))
    , m_temporary(std::move(other.m_temporary))
    , m_fd(other.m_fd)
    , m_size(other.m_size)
{
    other.m_fd = -1;
    other.m_temporary.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept
{
    if (this != &other) {
        discard();
        m_target = std::move(other.m_target);
        m_temporary = std::move(other.m_temporary);
        m_fd = other.m_fd;
        m_size = other.m_size;
        other.m_fd = -1;
        other.m_temporary.clear();
    }
    return *this;
}

AtomicFile::~AtomicFile()
{
    discard();
}

void AtomicFile::discard()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    if (!m_temporary.empty())
        ::unlink(m_temporary.c_str());
    m_temporary.clear();
}

Result<void> AtomicFile::write(const void* data, std::size_t size)
{
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(m_fd, bytes, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return Error {m_target + ": cannot write (" + (written < 0 ? why() : std::string("no space"))
                              + ")",
                          ErrorKind::Failed, m_target};
        bytes += written;
        size -= static_cast<std::size_t>(written);
        m_size += static_cast<std::uint64_t>(written);
    }
    return {};
}

Result<void> AtomicFile::commit()
{
    if (::fsync(m_fd) != 0)
        return Error {m_target + ": cannot write to disk (" + why() + ")", ErrorKind::Failed, m_target};
    if (::close(m_fd) != 0) {
        m_fd = -1;
        return Error {m_target + ": cannot write (" + why() + ")", ErrorKind::Failed, m_target};
    }
    m_fd = -1;
    if (::rename(m_temporary.c_str(), m_target.c_str()) != 0)
        return Error {m_target + ": cannot replace the file (" + why() + ")", ErrorKind::Failed, m_target};
    m_temporary.clear();
    return {};
}

Result<void> writeFileAtomically(const std::string& path, const std::string& bytes)
{
    auto target = outputFilePath(path);
    if (!target)
        return target.error();
    auto file = AtomicFile::create(*target);
    if (!file)
        return file.error();
    if (auto written = file->write(bytes.data(), bytes.size()); !written)
        return written;
    return file->commit();
}

} // namespace lens
