#include "batch/OutputLock.h"

#include "batch/BatchWriter.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lens {

namespace {

std::string systemError(int error)
{
    return std::strerror(error);
}

std::string resolved(const std::string& path)
{
    std::error_code error;
    const fs::path real = fs::weakly_canonical(path, error);
    return error ? path : real.string();
}

std::string kindOf(mode_t mode)
{
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

// What the holder wrote into the lock file, for the message ("pid 123 on host").
std::string holderOf(int fd)
{
    char buffer[256];
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0)
        return {};
    std::string text(buffer, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
            c = '?';
    }
    return text;
}

} // namespace

std::string batchLockPath(const std::string& realOutput)
{
    return realOutput + ".lock";
}

std::string batchDamagedPath(const std::string& realOutput)
{
    return realOutput + ".damaged";
}

std::vector<std::string> batchOutputFiles(const std::string& output)
{
    const std::string real = resolved(output);
    return {output, real, batchLockPath(real), batchDamagedPath(real)};
}

Result<BatchOutputLock> BatchOutputLock::acquire(const std::string& output, bool resume)
{
    BatchOutputLock lock;
    lock.m_output = output;
    lock.m_resume = resume;
    lock.m_realPath = resolved(output);
    lock.m_lockPath = batchLockPath(lock.m_realPath);

    struct stat info { };
    if (::stat(lock.m_realPath.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode))
            return Error {output + ": is a folder; -o names the output file itself, e.g. labels.csv"};
        if (!S_ISREG(info.st_mode))
            return Error {output + ": is " + kindOf(info.st_mode)
                          + ", not a regular file; batch writes its output to a regular file only"};
        if (!resume)
            return Error {output
                          + ": already exists; pass --resume to continue that run, or choose another output"};
        lock.m_existed = true;
    } else if (errno != ENOENT) {
        return Error {output + ": cannot use it (" + systemError(errno) + ")"};
    }
    if (auto format = BatchWriter::formatFor(output); !format)
        return format.error();

    // The previous holder removes the lock file as it ends: a lock taken on a file that is no longer the one
    // at lockPath protects nothing, so check and try again.
    for (int attempt = 0; attempt < 8; ++attempt) {
        const int fd
            = ::open(lock.m_lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        if (fd < 0)
            return Error {output + ": cannot create its lock file " + lock.m_lockPath + " ("
                          + systemError(errno) + ")"};
        struct stat opened { };
        if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
            ::close(fd);
            return Error {lock.m_lockPath + ": is not a regular file; remove it"};
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            const std::string holder = holderOf(fd);
            ::close(fd);
            if (error == EWOULDBLOCK)
                return Error {output + ": another run is writing it ("
                              + (holder.empty() ? std::string("its lock is") : holder + ", recorded in") + " "
                              + lock.m_lockPath + "); wait for that run to end, or choose another output"};
            return Error {lock.m_lockPath + ": cannot lock it (" + systemError(error) + ")"};
        }
        struct stat current { };
        if (::stat(lock.m_lockPath.c_str(), &current) != 0 || current.st_ino != opened.st_ino
            || current.st_dev != opened.st_dev) {
            ::close(fd);
            continue;
        }
        char host[256] = {};
        if (::gethostname(host, sizeof host - 1) != 0)
            std::strcpy(host, "unknown host");
        const std::string record = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
        if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, record.data(), record.size(), 0) < 0) {
            const int error = errno;
            ::close(fd);
            return Error {lock.m_lockPath + ": cannot write the lock file (" + systemError(error) + ")"};
        }
        lock.m_fd = fd;
        return lock;
    }
    return Error {lock.m_lockPath + ": the lock file keeps changing; is another run starting and ending?"};
}

BatchOutputLock::BatchOutputLock(BatchOutputLock&& other) noexcept
{
    *this = std::move(other);
}

BatchOutputLock& BatchOutputLock::operator=(BatchOutputLock&& other) noexcept
{
    if (this != &other) {
        release();
        m_output = std::move(other.m_output);
        m_realPath = std::move(other.m_realPath);
        m_lockPath = std::move(other.m_lockPath);
        m_existed = other.m_existed;
        m_resume = other.m_resume;
        m_fd = other.m_fd;
        other.m_fd = -1;
    }
    return *this;
}

BatchOutputLock::~BatchOutputLock()
{
    release();
}

void BatchOutputLock::release()
{
    if (m_fd < 0)
        return;
    // Unlinked while still held, so no newcomer can lock the old file after this one lets go.
    ::unlink(m_lockPath.c_str());
    ::close(m_fd);
    m_fd = -1;
}

} // namespace lens
